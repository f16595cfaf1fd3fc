"""Login throttling (issue #15, item 7): per GSM number and per client address, with doubling
waits, the same answers for numbers with and without an account, counts shared through Redis
by several backend apps, and password hashes upgraded on a successful login."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
import redis
from argon2 import PasswordHasher
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from backend.accounts.models import Account
from backend.accounts.throttle import MemoryLoginThrottle, attempt_of
from backend.core.security import needs_rehash, verify_password
from backend.core.settings import Settings
from backend.main import create_app
from tests.backend.conftest import ACME_FM, ACME_USER, suite_settings

LOGIN = "/api/v1/auth/login"
REDIS_URL = "redis://127.0.0.1:6379/0"
AppFor = Callable[[Settings], FastAPI]


def _unknown_number() -> str:
    # 0470 09xx xxx: a valid Belgian mobile number no seeded account uses.
    return f"+3247009{secrets.randbelow(10**5):05d}"


def _address() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


@asynccontextmanager
async def _client(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def _login(client: httpx.AsyncClient, gsm: str, password: str) -> httpx.Response:
    return await client.post(LOGIN, json={"gsm": gsm, "password": password})


async def test_25_wrong_passwords_then_the_right_one_is_throttled(
    settings: Settings, app_for: AppFor
) -> None:
    async with _client(app_for(settings), _address()) as client:
        wrong = [(await _login(client, ACME_FM[0], f"guess-{i}")).status_code for i in range(25)]
        right = await _login(client, *ACME_FM)

    assert wrong == [401] * 5 + [429] * 20
    assert right.status_code == 429
    body = right.json()["error"]
    assert body["code"] == "login_throttled"
    assert int(right.headers["Retry-After"]) == body["details"]["retry_after"] >= 1


async def test_numbers_with_and_without_account_get_the_same_answers(
    settings: Settings, app_for: AppFor
) -> None:
    app = app_for(settings)
    # A stopped clock: both numbers see exactly the same waits, so whole answers compare.
    app.state.login_throttle = MemoryLoginThrottle(forget_seconds=3600, clock=lambda: 1000.0)

    answers = []
    for gsm in (ACME_FM[0], _unknown_number()):
        async with _client(app, _address()) as client:
            responses = [await _login(client, gsm, "not-the-password") for _ in range(7)]
        answers.append([(r.status_code, r.json(), r.headers.get("Retry-After")) for r in responses])

    assert answers[0] == answers[1]
    assert [status for status, _, _ in answers[0]] == [401] * 5 + [429] * 2


async def test_one_address_is_throttled_across_numbers(settings: Settings, app_for: AppFor) -> None:
    app = app_for(settings)
    address = _address()
    async with _client(app, address) as client:
        spray = [(await _login(client, _unknown_number(), "123456")).status_code for _ in range(20)]
        from_there = await _login(client, *ACME_FM)
    async with _client(app, _address()) as elsewhere:
        from_elsewhere = await _login(elsewhere, *ACME_FM)

    assert spray == [401] * 20
    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 200


async def test_parallel_guesses_get_no_more_tries_than_sequential_ones(
    settings: Settings, engine: Engine
) -> None:
    # Parallel requests need sessions of their own: the app on the (committed) seeded database.
    async with _client(create_app(settings), _address()) as client:
        burst = await asyncio.gather(*(_login(client, ACME_FM[0], "guess") for _ in range(12)))

    assert sorted(r.status_code for r in burst) == [401] * 5 + [429] * 7


async def test_waits_double_and_a_success_clears_the_count(
    settings: Settings, app_for: AppFor
) -> None:
    app = app_for(settings)
    now = [1000.0]  # a clock the test moves (argon2 takes longer than a wait on a busy machine)
    app.state.login_throttle = MemoryLoginThrottle(forget_seconds=3600, clock=lambda: now[0])
    async with _client(app, _address()) as client:
        first = [(await _login(client, ACME_FM[0], "guess")).status_code for _ in range(6)]
        now[0] += 1
        after_wait = await _login(client, ACME_FM[0], "guess")
        too_soon = await _login(client, *ACME_FM)
        now[0] += 2
        right = await _login(client, *ACME_FM)
        again = [(await _login(client, ACME_FM[0], "guess")).status_code for _ in range(5)]

    assert first == [401] * 5 + [429]
    assert after_wait.status_code == 401
    assert too_soon.status_code == 429
    assert too_soon.headers["Retry-After"] == "2"  # the wait doubled
    assert right.status_code == 200
    assert again == [401] * 5  # the success gave the number its free attempts back


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("fr", "Trop de tentatives de connexion"),
        ("nl", "Te veel aanmeldpogingen"),
        ("en", "Too many login attempts"),
    ],
)
async def test_the_portal_login_page_says_when_to_try_again_in_its_language(
    settings: Settings, app_for: AppFor, lang: str, message: str
) -> None:
    async with _client(app_for(settings), _address()) as client:
        for _ in range(5):
            await client.post("/portal/login", data={"gsm": ACME_USER[0], "password": "x"})
        page = await client.post(
            "/portal/login", data={"gsm": ACME_USER[0], "password": ACME_USER[1], "lang": lang}
        )

    assert page.status_code == 429
    assert message in page.text
    assert "1 s" in page.text
    assert page.headers["Retry-After"] == "1"
    assert "bm_portal" not in page.cookies


async def test_a_login_upgrades_a_hash_made_with_weaker_parameters(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    account = db_session.scalars(select(Account).where(Account.gsm == ACME_USER[0])).one()
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(ACME_USER[1])
    account.password_hash = weak
    db_session.commit()
    assert needs_rehash(weak)

    response = await _login(client, *ACME_USER)

    assert response.status_code == 200
    db_session.refresh(account)
    assert account.password_hash is not None and account.password_hash != weak
    assert not needs_rehash(account.password_hash)
    assert verify_password(ACME_USER[1], account.password_hash)


@pytest.fixture
def redis_settings(database_url: str) -> Iterator[Settings]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield suite_settings(database_url, login_throttle_redis_url=REDIS_URL)


async def test_two_backend_apps_share_the_counts_through_redis(
    redis_settings: Settings, engine: Engine
) -> None:
    number, address = _unknown_number(), _address()
    sprayed = [_unknown_number() for _ in range(16)]
    first, second = create_app(redis_settings), create_app(redis_settings)
    try:
        async with _client(first, address) as one, _client(second, address) as two:
            statuses = [
                (await _login(client, number, "guess")).status_code
                for client in (one, two, one, two, one, two, one)
            ]
            burst = await asyncio.gather(
                *(_login((one, two)[i % 2], gsm, "guess") for i, gsm in enumerate(sprayed))
            )
    finally:
        keys = [attempt_of(redis_settings, gsm=gsm, address=address) for gsm in [number, *sprayed]]
        redis.Redis.from_url(REDIS_URL).delete(
            f"bma:login:{keys[0].address_key}", *(f"bma:login:{k.account_key}" for k in keys)
        )

    assert statuses == [401] * 5 + [429] * 2
    # Refused attempts are not counted: the address has used 5 of its 20, so of 16 parallel
    # attempts on both apps exactly 15 get a password check.
    assert sorted(r.status_code for r in burst) == [401] * 15 + [429]


def test_production_refuses_to_count_logins_per_process(settings: Settings) -> None:
    production = {**settings.model_dump(), "environment": "production", "mail_backend": "smtp"}

    with pytest.raises(ValueError, match="LOGIN_THROTTLE_REDIS_URL"):
        Settings(**production)
    Settings(**{**production, "login_throttle_redis_url": SecretStr("redis://redis:6379/3")})
