"""Health, docs, error shape and settings safety."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from backend.core.settings import Settings


async def test_health_pings_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_unknown_route_answers_the_json_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/does-not-exist")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_invalid_body_is_422_validation_error(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", json={"gsm": "0470000001"})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "password" in error["message"]


async def test_openapi_docs_are_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/api/v1/lines/{line_id}/consumption" in paths


@pytest.mark.parametrize("field", ["secret_key", "action_service_key", "rasa_auth_token"])
def test_default_secrets_are_refused_outside_local(field: str) -> None:
    secrets = {
        "secret_key": SecretStr("a-real-secret-key-for-production-use"),
        "action_service_key": SecretStr("a-real-service-key"),
        "rasa_auth_token": SecretStr("a-real-rasa-token"),
    }
    del secrets[field]

    with pytest.raises(ValidationError, match=field.upper()):
        Settings(environment="production", **secrets)  # type: ignore[arg-type]


def test_default_secrets_are_accepted_in_local_mode() -> None:
    assert Settings(environment="local").environment == "local"
