"""Login throttling (issue #15): failed logins slow down per GSM number and per client address.

Every attempt is counted *before* the password is checked, so that parallel guesses cannot all
pass the check at once; a success gives its count back (the number's count is cleared, the
address's loses that one attempt). Once a key holds ``free`` counted attempts, the next one must
wait ``base * 2 ** (count - free)`` seconds after the previous one, capped (1 s, 2 s, 4 s, …
15 min with the defaults), and a key is forgotten a while after its last attempt. A refused
attempt costs no password hash and is not counted.

Keys are hashes of the normalised number and of the address: they do not depend on whether the
number has an account (known and unknown numbers are throttled and answered alike) and Redis
holds no personal data. With ``LOGIN_THROTTLE_REDIS_URL`` every backend process shares the counts
(production: 2 containers × 4 workers); without it each process counts alone (the demo).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request

from backend.accounts.exceptions import LoginThrottled
from backend.core.db import SettingsDep
from backend.core.phone import normalize_msisdn
from backend.core.security import hash_secret
from backend.core.settings import Settings

logger = logging.getLogger(__name__)

_REDIS_PREFIX = "bma:login:"


@dataclass(frozen=True)
class Rule:
    """How many attempts a key gets freely, and the waits after them."""

    free: int
    base_seconds: float
    max_seconds: float

    def wait(self, *, count: int, last: float, now: float) -> float:
        """Seconds still to wait before the next attempt of a key with ``count`` attempts."""
        if count < self.free:
            return 0.0
        delay = min(self.max_seconds, self.base_seconds * 2.0 ** min(count - self.free, 64))
        return max(0.0, last + delay - now)


@dataclass(frozen=True)
class Attempt:
    """The keys of one login attempt with their rules; the account's key comes first."""

    account_key: str
    address_key: str
    account_rule: Rule
    address_rule: Rule

    def pairs(self) -> Sequence[tuple[str, Rule]]:
        return ((self.account_key, self.account_rule), (self.address_key, self.address_rule))


class LoginThrottle(Protocol):
    def begin(self, attempt: Attempt) -> float:
        """Count the attempt and return 0, or return the seconds to wait (nothing counted)."""

    def succeeded(self, attempt: Attempt) -> None:
        """Clear the account's count and give the address back this attempt."""


@dataclass
class _Count:
    count: int
    last: float


class MemoryLoginThrottle:
    """Counts in this process (the demo's single backend process)."""

    def __init__(self, *, forget_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self._forget = forget_seconds
        self._clock = clock
        self._counts: dict[str, _Count] = {}
        self._lock = threading.Lock()
        self._purge_at = 1024

    def begin(self, attempt: Attempt) -> float:
        with self._lock:
            now = self._clock()
            self._purge(now)
            states = [(key, rule, self._live(key, now)) for key, rule in attempt.pairs()]
            wait = max(
                (rule.wait(count=s.count, last=s.last, now=now) for _, rule, s in states if s),
                default=0.0,
            )
            if wait > 0:
                return wait
            for key, _, state in states:
                self._counts[key] = _Count((state.count if state else 0) + 1, now)
            return 0.0

    def succeeded(self, attempt: Attempt) -> None:
        with self._lock:
            self._counts.pop(attempt.account_key, None)
            if (state := self._counts.get(attempt.address_key)) is not None:
                state.count = max(0, state.count - 1)

    def _live(self, key: str, now: float) -> _Count | None:
        state = self._counts.get(key)
        return state if state is not None and now - state.last < self._forget else None

    def _purge(self, now: float) -> None:
        # Anyone may send logins for made-up numbers: drop forgotten keys now and then so that
        # memory stays bounded by the keys of the last ``forget_seconds``.
        if len(self._counts) < self._purge_at:
            return
        self._counts = {k: v for k, v in self._counts.items() if now - v.last < self._forget}
        self._purge_at = max(1024, 2 * len(self._counts))


# Both keys are checked, then both counted, in one step on Redis's clock (the backend
# processes' clocks may differ). Returns the wait as a string: Lua numbers become integers.
_BEGIN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local wait = 0
for i, key in ipairs(KEYS) do
  local state = redis.call('HMGET', key, 'count', 'last')
  local count = tonumber(state[1]) or 0
  local free = tonumber(ARGV[3 * i - 2])
  if count >= free then
    local doubling = math.min(count - free, 64)
    local delay = math.min(tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i - 1]) * 2 ^ doubling)
    local left = tonumber(state[2]) + delay - now
    if left > wait then wait = left end
  end
end
if wait > 0 then return tostring(wait) end
for _, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'count', 1)
  redis.call('HSET', key, 'last', tostring(now))
  redis.call('EXPIRE', key, ARGV[7])
end
return '0'
"""
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
if redis.call('HGET', KEYS[2], 'count') then
  if redis.call('HINCRBY', KEYS[2], 'count', -1) < 0 then
    redis.call('HSET', KEYS[2], 'count', 0)
  end
end
return 0
"""


class RedisLoginThrottle:
    """Counts shared by every backend process through Redis.

    If Redis fails, this process throttles on its own meanwhile (logged) rather than refusing
    every login or letting every guess through.
    """

    def __init__(self, url: str, *, forget_seconds: int) -> None:
        import redis  # only needed when configured

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._forget = forget_seconds
        self._begin = self._redis.register_script(_BEGIN)
        self._succeeded = self._redis.register_script(_SUCCEEDED)
        self._fallback = MemoryLoginThrottle(forget_seconds=forget_seconds)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)

    def begin(self, attempt: Attempt) -> float:
        keys = [_REDIS_PREFIX + key for key, _ in attempt.pairs()]
        args: list[float | int] = []
        for _, rule in attempt.pairs():
            args += [rule.free, rule.base_seconds, rule.max_seconds]
        try:
            answer = self._begin(keys=keys, args=[*args, self._forget])
        except self._errors:
            logger.warning("Login throttle: Redis unavailable, counting in this process")
            return self._fallback.begin(attempt)
        return float(answer.decode() if isinstance(answer, bytes) else answer)

    def succeeded(self, attempt: Attempt) -> None:
        keys = [_REDIS_PREFIX + key for key, _ in attempt.pairs()]
        try:
            self._succeeded(keys=keys)
        except self._errors:
            logger.warning("Login throttle: Redis unavailable, counting in this process")
            self._fallback.succeeded(attempt)


def build_throttle(settings: Settings) -> LoginThrottle:
    """The throttle ``settings`` ask for: shared through Redis, else in this process."""
    url = settings.login_throttle_redis_url.get_secret_value()
    if url:
        return RedisLoginThrottle(url, forget_seconds=settings.login_throttle_forget_seconds)
    return MemoryLoginThrottle(forget_seconds=settings.login_throttle_forget_seconds)


def attempt_of(settings: Settings, *, gsm: str, address: str) -> Attempt:
    """The keys and rules of a login for ``gsm`` from the client ``address``."""
    number = normalize_msisdn(gsm) or gsm.strip().lower()
    return Attempt(
        account_key=f"account:{hash_secret(number)}",
        address_key=f"address:{hash_secret(address)}",
        account_rule=Rule(
            settings.login_throttle_free_per_account,
            settings.login_throttle_base_seconds,
            settings.login_throttle_max_seconds,
        ),
        address_rule=Rule(
            settings.login_throttle_free_per_address,
            settings.login_throttle_base_seconds,
            settings.login_throttle_max_seconds,
        ),
    )


def check(throttle: LoginThrottle, attempt: Attempt) -> None:
    """Count ``attempt``, or raise :class:`LoginThrottled` if it must wait."""
    wait = throttle.begin(attempt)
    if wait > 0:
        raise LoginThrottled(retry_after=max(1, math.ceil(wait)))


_building = threading.Lock()


def get_login_throttle(request: Request, settings: SettingsDep) -> LoginThrottle:
    """The app's throttle, built on first use (one per app, so per test app too)."""
    state = request.app.state
    with _building:
        if getattr(state, "login_throttle", None) is None:
            state.login_throttle = build_throttle(settings)
    throttle: LoginThrottle = state.login_throttle
    return throttle


LoginThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]


def client_address(request: Request) -> str:
    """The caller's address (behind nginx: the forwarded one, uvicorn ``--proxy-headers``)."""
    return request.client.host if request.client else "unknown"
