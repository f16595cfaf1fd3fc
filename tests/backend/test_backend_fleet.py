"""Lines, consumption and plans: scoping by company, own line and split-bill part."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.fleet.models import Consumption, ConsumptionPart, Line
from backend.fleet.service import current_month

LINES = "/api/v1/lines"


def line_id(session: Session, msisdn: str) -> int:
    found = session.scalar(select(Line.id).where(Line.msisdn == msisdn))
    assert found is not None
    return found


def stored_row(session: Session, msisdn: str, part: ConsumptionPart) -> Consumption:
    row = session.scalar(
        select(Consumption).where(
            Consumption.line_id == line_id(session, msisdn),
            Consumption.month == current_month(),
            Consumption.part == part,
        )
    )
    assert row is not None
    return row


async def test_fleet_manager_sees_all_company_lines_and_no_other_company_line(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    lines = (await client.get(LINES, headers=fleet_manager)).json()

    msisdns = {line["msisdn"] for line in lines}
    assert len(lines) == 25
    assert msisdns == {f"+324700000{n:02d}" for n in range(1, 25)} | {"+32475123456"}


async def test_line_shows_plan_options_and_barrings_in_callers_language(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    lines = (
        await client.get(LINES, params={"msisdn": "+32470000011"}, headers=fleet_manager)
    ).json()

    (line,) = lines
    assert line["label"] == "4G-router magazijn"
    assert line["plan"] == {
        "code": "data_only_50gb",
        "name": "Enkel data 50 GB",
        "names": {"fr": "Data seule 50 Go", "nl": "Enkel data 50 GB", "en": "Data Only 50 GB"},
        "monthly_price": "20.00",
    }
    assert [barring["code"] for barring in line["barrings"]] == [
        "outgoing_calls",
        "premium_numbers",
    ]
    assert line["iccid"].startswith("893203")


async def test_msisdn_filter_accepts_national_format(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    lines = (
        await client.get(LINES, params={"msisdn": "0470 00 00 05"}, headers=fleet_manager)
    ).json()

    assert [line["user_name"] for line in lines] == ["Thomas Willems"]


async def test_msisdn_filter_rejects_invalid_numbers(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    response = await client.get(LINES, params={"msisdn": "12345"}, headers=fleet_manager)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_msisdn"


@pytest.mark.parametrize(
    ("q", "expected"),
    [("peeters", {"+32470000003"}), ("router", {"+32470000011"}), ("0014", {"+32470000014"})],
)
async def test_free_text_search_matches_name_label_or_last_digits(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], q: str, expected: set[str]
) -> None:
    lines = (await client.get(LINES, params={"q": q}, headers=fleet_manager)).json()

    assert {line["msisdn"] for line in lines} == expected


async def test_fleet_manager_search_never_finds_other_company_lines(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    lines = (
        await client.get(LINES, params={"msisdn": "+32470000052"}, headers=fleet_manager)
    ).json()

    assert lines == []


async def test_end_user_sees_only_own_line(
    client: httpx.AsyncClient, end_user: dict[str, str]
) -> None:
    lines = (await client.get(LINES, headers=end_user)).json()

    assert [line["msisdn"] for line in lines] == ["+32470000002"]
    assert lines[0]["split_bill"] is True


async def test_other_company_line_is_404_like_a_missing_one(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    brugge_line = line_id(db_session, "+32470000052")

    for path in (f"{LINES}/{brugge_line}", f"{LINES}/{brugge_line}/consumption", f"{LINES}/999999"):
        response = await client.get(path, headers=fleet_manager)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "line_not_found"


async def test_end_user_cannot_read_a_colleagues_line(
    client: httpx.AsyncClient, end_user: dict[str, str], db_session: Session
) -> None:
    colleague = line_id(db_session, "+32470000003")

    response = await client.get(f"{LINES}/{colleague}", headers=end_user)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "line_not_found"


async def test_helpdesk_agent_has_no_access_to_lines(
    client: httpx.AsyncClient, agent: dict[str, str], db_session: Session
) -> None:
    assert (await client.get(LINES, headers=agent)).status_code == 403
    acme_line = line_id(db_session, "+32470000003")
    assert (await client.get(f"{LINES}/{acme_line}", headers=agent)).status_code == 403


async def test_lines_without_credentials_is_401(client: httpx.AsyncClient) -> None:
    assert (await client.get(LINES)).status_code == 401


async def test_fleet_manager_gets_only_employer_part_of_split_bill_line(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    employer = stored_row(db_session, "+32470000002", ConsumptionPart.employer)
    employee = stored_row(db_session, "+32470000002", ConsumptionPart.employee)

    response = await client.get(f"{LINES}/{employer.line_id}/consumption", headers=fleet_manager)

    body = response.json()
    assert body["part"] == "employer"
    assert body["split_bill"] is True
    assert body["month"] == current_month()
    assert (body["voice_minutes"], body["data_mb"], body["cost"]) == (
        employer.voice_minutes,
        employer.data_mb,
        f"{employer.cost:.2f}",
    )
    assert body["cost"] != f"{employee.cost:.2f}"
    assert body["data_mb"] != employee.data_mb


async def test_end_user_gets_only_employee_part_of_own_split_bill_line(
    client: httpx.AsyncClient, end_user: dict[str, str], db_session: Session
) -> None:
    employee = stored_row(db_session, "+32470000002", ConsumptionPart.employee)

    body = (await client.get(f"{LINES}/{employee.line_id}/consumption", headers=end_user)).json()

    assert body["part"] == "employee"
    assert (body["voice_minutes"], body["data_mb"], body["cost"]) == (
        employee.voice_minutes,
        employee.data_mb,
        f"{employee.cost:.2f}",
    )


async def test_line_without_split_bill_has_full_part(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    full = stored_row(db_session, "+32470000003", ConsumptionPart.full)

    body = (await client.get(f"{LINES}/{full.line_id}/consumption", headers=fleet_manager)).json()

    assert body["part"] == "full"
    assert body["cost"] == f"{full.cost:.2f}"


async def test_consumption_of_previous_months_and_out_of_range(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    line = line_id(db_session, "+32470000003")
    months = sorted(
        db_session.scalars(select(Consumption.month).where(Consumption.line_id == line))
    )

    assert len(months) == 3
    for month in months:
        response = await client.get(
            f"{LINES}/{line}/consumption", params={"month": month}, headers=fleet_manager
        )
        assert response.json()["month"] == month
    missing = await client.get(
        f"{LINES}/{line}/consumption", params={"month": "2001-01"}, headers=fleet_manager
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "consumption_not_found"
    invalid = await client.get(
        f"{LINES}/{line}/consumption", params={"month": "2026-13"}, headers=fleet_manager
    )
    assert invalid.status_code == 422


async def test_fleet_consumption_sums_employer_side_and_ranks_top_consumers(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    employee = stored_row(db_session, "+32470000002", ConsumptionPart.employee)

    body = (
        await client.get("/api/v1/consumption", params={"top": 3}, headers=fleet_manager)
    ).json()

    assert body["month"] == current_month()
    # 24 lines, one pending activation without usage.
    assert len(body["lines"]) == 23
    assert {item["part"] for item in body["lines"]} == {"employer", "full"}
    julie = next(item for item in body["lines"] if item["msisdn"] == "+32470000002")
    assert julie["cost"] != f"{employee.cost:.2f}"
    assert body["totals"]["line_count"] == 23
    assert body["totals"]["data_mb"] == sum(item["data_mb"] for item in body["lines"])
    costs = [float(item["cost"]) for item in body["top_consumers"]]
    assert len(costs) == 3
    assert costs == sorted(costs, reverse=True)
    assert costs[0] == max(float(item["cost"]) for item in body["lines"])


async def test_fleet_consumption_is_for_fleet_managers_only(
    client: httpx.AsyncClient, end_user: dict[str, str], agent: dict[str, str]
) -> None:
    for headers in (end_user, agent):
        response = await client.get("/api/v1/consumption", headers=headers)
        assert response.status_code == 403


async def test_plans_catalog_lists_codes_prices_and_allowances(
    client: httpx.AsyncClient, end_user: dict[str, str]
) -> None:
    plans = (await client.get("/api/v1/plans", headers=end_user)).json()

    by_code = {plan["code"]: plan for plan in plans}
    assert set(by_code) == {"pro_start", "pro_smart", "pro_unlimited", "data_only_50gb"}
    assert by_code["pro_smart"]["monthly_price"] == "25.00"
    assert by_code["pro_smart"]["data_gb"] == 20
    assert by_code["pro_unlimited"]["data_gb"] is None
    assert by_code["data_only_50gb"]["name"] == "Data seule 50 Go"  # Julie speaks French
