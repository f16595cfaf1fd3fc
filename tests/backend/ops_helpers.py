"""Shared helpers for the fleet-operation tests (prepare/confirm over the real API)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.fleet.models import Line

OPS = "/api/v1/operations"

# Seeded SIM stock (backend/seed/data.py SIM_STOCK).
ACME_FREE_SIMS = [f"893203110000000{n}" for n in ("0015", "0023", "0031", "0049", "0056")]
ACME_BLOCKED_SIM = "8932031100000000114"
BRUGGE_FREE_SIM = "8932031200000000013"


def new_key() -> str:
    return uuid.uuid4().hex


def line_by_msisdn(session: Session, msisdn: str) -> Line:
    line = session.scalar(select(Line).where(Line.msisdn == msisdn))
    assert line is not None
    session.refresh(line)
    return line


async def prepare(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    op_type: str,
    *,
    line_id: int | None = None,
    params: dict[str, Any] | None = None,
    key: str | None = None,
) -> httpx.Response:
    return await client.post(
        OPS,
        json={"type": op_type, "line_id": line_id, "params": params or {}},
        headers={**headers, "Idempotency-Key": key or new_key()},
    )


async def confirm(
    client: httpx.AsyncClient, headers: dict[str, str], op_id: str, *, key: str | None = None
) -> httpx.Response:
    return await client.post(
        f"{OPS}/{op_id}/confirm", json={}, headers={**headers, "Idempotency-Key": key or new_key()}
    )


async def prepared_id(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    op_type: str,
    *,
    line_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> str:
    response = await prepare(client, headers, op_type, line_id=line_id, params=params)
    assert response.status_code == 201, response.text
    op_id: str = response.json()["id"]
    return op_id


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code
