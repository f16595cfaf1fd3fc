"""Backend test fixtures on a real database.

The database comes from TEST_DATABASE_URL, else the local PostgreSQL `test` database if it
answers, else a SQLite file. The schema is built once per session with the alembic migrations
(so they are tested too) in an isolated place (a fresh PostgreSQL schema, or a fresh SQLite
file), seeded once, and every test runs inside one connection-level transaction that is rolled
back (service commits only release SAVEPOINTs).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from backend import migrate
from backend.core.db import create_db_engine, get_session
from backend.core.settings import Settings
from backend.main import create_app
from backend.seed.service import seed_demo

ROOT = Path(__file__).resolve().parents[2]
LOCAL_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SERVICE_KEY = "test-action-service-key"

ACME_FM = ("+32470000001", "acme-fleet-demo")
ACME_USER = ("+32470000002", "acme-user-demo")
BRUGGE_FM = ("+32470000051", "brugge-fleet-demo")
AGENT = ("+32470000099", "agent-demo")


def _postgres_answers(url: str) -> bool:
    engine = create_engine(url, connect_args={"connect_timeout": 2})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


@contextlib.contextmanager
def postgres_schema(base_url: str, schema: str) -> Iterator[str]:
    """The URL of a new, empty ``schema`` in the PostgreSQL database of ``base_url``.

    A schema of our own: repeatable, and safe next to other suites using the same database. It is
    dropped on exit.
    """
    url = make_url(base_url)
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def suite_settings(database_url: str, **overrides: Any) -> Settings:
    """The backend suite's settings (a suite changes only what it needs through ``overrides``)."""
    return Settings(
        # Local mode: the outbox the tests read exists only there (the secrets are still real).
        environment="local",
        database_url=database_url,
        secret_key=SecretStr("test-secret-key-0123456789abcdef0123456789"),
        action_service_key=SecretStr(SERVICE_KEY),
        rasa_auth_token=SecretStr("test-rasa-auth-token"),
        mail_backend="outbox",
        public_base_url="http://testserver",
        **overrides,
    )


def run_module(database_url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m <argv>`` from the repository root on ``database_url``, output captured."""
    return subprocess.run(
        [sys.executable, "-m", *argv],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of an empty, isolated database for this test session (removed afterwards)."""
    base_url = os.environ.get("TEST_DATABASE_URL")
    if base_url is None and _postgres_answers(LOCAL_POSTGRES_URL):
        base_url = LOCAL_POSTGRES_URL
    if base_url is None:
        base_url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'backend-test.db'}"

    url = make_url(base_url)
    if url.get_backend_name() == "sqlite":
        if url.database:
            Path(url.database).unlink(missing_ok=True)
        yield base_url
        return
    with postgres_schema(base_url, f"backend_test_{os.getpid()}") as scoped:
        yield scoped


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return suite_settings(database_url)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    """The migrated and seeded database."""
    engine = create_db_engine(settings.database_url)
    migrate.upgrade(database_url=settings.database_url)
    with Session(engine) as session:
        seed_demo(session, today=date.today())
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test, commits included."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


@pytest.fixture
def app_for(db_session: Session) -> Callable[[Settings], FastAPI]:
    """Build the real app for some settings, its session dependency bound to the test's session."""

    def _app_for(settings: Settings) -> FastAPI:
        app = create_app(settings)
        app.dependency_overrides[get_session] = lambda: db_session
        return app

    return _app_for


@pytest.fixture
async def client(
    settings: Settings, app_for: Callable[[Settings], FastAPI]
) -> AsyncIterator[httpx.AsyncClient]:
    app = app_for(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def bearer(client: httpx.AsyncClient, gsm: str, password: str) -> dict[str, str]:
    """Authorization headers after a real login."""
    response = await client.post("/api/v1/auth/login", json={"gsm": gsm, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def login(client: httpx.AsyncClient) -> Callable[[str, str], Awaitable[dict[str, str]]]:
    """Log in through the API: ``await login(gsm, password)`` gives Bearer headers."""

    async def _login(gsm: str, password: str) -> dict[str, str]:
        return await bearer(client, gsm, password)

    return _login


@pytest.fixture
async def fleet_manager(client: httpx.AsyncClient) -> dict[str, str]:
    return await bearer(client, *ACME_FM)


@pytest.fixture
async def end_user(client: httpx.AsyncClient) -> dict[str, str]:
    return await bearer(client, *ACME_USER)


@pytest.fixture
async def brugge_manager(client: httpx.AsyncClient) -> dict[str, str]:
    return await bearer(client, *BRUGGE_FM)


@pytest.fixture
async def agent(client: httpx.AsyncClient) -> dict[str, str]:
    return await bearer(client, *AGENT)


@pytest.fixture
def scratch_sqlite_url() -> Iterator[str]:
    """A new empty SQLite database file."""
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{directory}/scratch.db"


def _postgres_base_url() -> str | None:
    """The PostgreSQL the suite may use (TEST_DATABASE_URL, else the local one if it answers)."""
    url = os.environ.get("TEST_DATABASE_URL", LOCAL_POSTGRES_URL)
    if make_url(url).get_backend_name() != "postgresql":
        url = LOCAL_POSTGRES_URL
    return url if _postgres_answers(url) else None


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of each kind the backend runs on (for tests of single migrations)."""
    if request.param == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{directory}/empty.db"
        return
    base_url = _postgres_base_url()
    if base_url is None:
        pytest.skip("no PostgreSQL answers")
    with postgres_schema(base_url, f"migration_step_{os.getpid()}") as url:
        yield url
