"""Migrations (up, down, up; in sync with the models), demo seed facts, determinism, CLIs."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import phonenumbers
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session
from stdnum import luhn
from stdnum.be import vat

from backend import migrate
from backend.companies.models import Company
from backend.core.db import create_db_engine
from backend.fleet.models import Consumption, Line, LineStatus, SimType
from backend.models import Base
from backend.seed.service import month_back, seed_demo, table_counts

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_TABLES = {table.name for table in Base.metadata.sorted_tables}


def test_migrations_upgrade_downgrade_and_upgrade_again(scratch_sqlite_url: str) -> None:
    engine = create_db_engine(scratch_sqlite_url)
    try:
        migrate.upgrade(database_url=scratch_sqlite_url)
        assert set(inspect(engine).get_table_names()) >= APP_TABLES

        migrate.downgrade(database_url=scratch_sqlite_url)
        assert not APP_TABLES & set(inspect(engine).get_table_names())

        migrate.upgrade(database_url=scratch_sqlite_url)
        assert set(inspect(engine).get_table_names()) >= APP_TABLES
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    assert differences == []


def test_seed_twice_adds_nothing(db_session: Session) -> None:
    before = table_counts(db_session)

    after = seed_demo(db_session, today=date.today())

    assert after == before
    assert before["lines"] == 30
    assert before["accounts"] == 5


def _consumption_dump(database_url: str) -> list[tuple[object, ...]]:
    migrate.upgrade(database_url=database_url)
    engine = create_db_engine(database_url)
    try:
        with Session(engine) as session:
            seed_demo(session, today=date(2026, 11, 26))
            rows = session.execute(
                select(
                    Line.msisdn,
                    Consumption.month,
                    Consumption.part,
                    Consumption.voice_minutes,
                    Consumption.data_mb,
                    Consumption.cost,
                )
                .join(Line)
                .order_by(Line.msisdn, Consumption.month, Consumption.part)
            )
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def test_seed_is_deterministic_for_a_given_day(tmp_path: Path) -> None:
    first = _consumption_dump(f"sqlite:///{tmp_path}/a.db")
    second = _consumption_dump(f"sqlite:///{tmp_path}/b.db")

    assert first == second
    assert {row[1] for row in first} == {"2026-09", "2026-10", "2026-11"}


def test_month_back_crosses_year_boundaries() -> None:
    assert month_back(date(2027, 1, 15), 0) == "2027-01"
    assert month_back(date(2027, 1, 15), 2) == "2026-11"


def test_seeded_sims_numbers_and_companies_are_valid(db_session: Session) -> None:
    lines = list(db_session.scalars(select(Line)))

    for line in lines:
        assert line.iccid.startswith("893203")
        assert len(line.iccid) == 19
        assert luhn.is_valid(line.iccid), line.iccid
        assert phonenumbers.is_valid_number(phonenumbers.parse(line.msisdn))
    assert {line.sim_type for line in lines} == {SimType.physical, SimType.esim}
    assert sum(line.split_bill for line in lines) >= 4
    assert any(line.status == LineStatus.pending_activation for line in lines)
    for company in db_session.scalars(select(Company)):
        assert vat.is_valid(company.vat_number), company.vat_number


def _run(module: str, *args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "MAIL_BACKEND": "outbox"}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_command_line_migrate_seed_and_invite(scratch_sqlite_url: str) -> None:
    for module in ("backend.migrate", "backend.seed", "backend.seed"):
        result = _run(module, database_url=scratch_sqlite_url)
        assert result.returncode == 0, result.stderr

    invited = _run(
        "backend.accounts.invite",
        "--company-customer-number",
        "7009876543",
        "--gsm",
        "0470 00 00 60",
        "--email",
        "new.manager@bruggebouw.example",
        "--language",
        "fr",
        database_url=scratch_sqlite_url,
    )
    unknown_company = _run(
        "backend.accounts.invite",
        "--company-customer-number",
        "0000",
        "--gsm",
        "0470000061",
        "--email",
        "x@example.com",
        database_url=scratch_sqlite_url,
    )

    assert invited.returncode == 0, invited.stderr
    assert unknown_company.returncode == 1
    engine = create_db_engine(scratch_sqlite_url)
    try:
        with Session(engine) as session:
            counts = table_counts(session)
            assert counts["lines"] == 30
            assert counts["accounts"] == 6
            assert counts["outbox_emails"] == 1
    finally:
        engine.dispose()
