"""A Rasa 3.6 lock store that serialises a conversation across several Rasa instances.

Rasa's `RedisLockStore` keeps each conversation's ticket queue as one JSON value that every
instance reads, changes in Python and writes back (`GET` ... `SET`). Two instances receiving a
message of the same conversation at the same moment both read "no lock", both issue ticket 0
and both process at once (rasa issue #9213), so their tracker updates overwrite each other.

Here every step is a single Lua script, which Redis runs atomically:

- issue: `INCR` a per-conversation counter and add the ticket to a per-conversation sorted set
  (score = ticket number, so the queue is first come, first served across instances);
- acquire: the ticket at the head of the set holds the lock; waiters poll;
- release: remove exactly our own ticket (its member carries a random token, so a holder whose
  ticket expired can never release its successor's).

Tickets keep Rasa's meaning of the lock lifetime: a ticket expires `lock_lifetime` seconds after
it was issued (Rasa's `TICKET_LOCK_LIFETIME`, default 60 s), measured on Redis' clock so the
instances' clocks don't matter. Expired tickets are dropped by every script, and both keys
carry a Redis expiry, so the tickets of a crashed instance disappear on their own.

Configured in `endpoints.yml`:

    lock_store:
      type: bot.lock_store.AtomicRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
      db: ${REDIS_LOCK_DB}
      password: ${REDIS_PASSWORD}  # optional
      key_prefix: ${REDIS_LOCK_PREFIX}  # optional, alphanumeric
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import redis
import redis.asyncio
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "bma"
# How often a waiting message checks whether its turn has come. Rasa's stock store sleeps a
# whole second between checks, which adds up to a second to every message that had to wait.
DEFAULT_POLL_INTERVAL_SECONDS = 0.02
DEFAULT_SOCKET_TIMEOUT_SECONDS = 10.0

# Shared by the scripts: Redis' own clock in milliseconds, and dropping expired tickets. A queue
# member is "<ticket>:<expires ms>:<token>"; the score is the ticket number.
_LUA_HELPERS = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function prune(queue, now)
  local latest = 0
  for _, member in ipairs(redis.call('ZRANGE', queue, 0, -1)) do
    local expires = tonumber(string.match(member, '^%d+:(%d+):'))
    if expires <= now then
      redis.call('ZREM', queue, member)
    elseif expires > latest then
      latest = expires
    end
  end
  return latest
end
"""

# KEYS: counter, queue. ARGV: lifetime ms, token. Returns the queue member of the new ticket.
_ISSUE = (
    _LUA_HELPERS
    + """
local now = now_ms()
prune(KEYS[2], now)
local ticket = redis.call('INCR', KEYS[1])
local expires = now + tonumber(ARGV[1])
local member = string.format('%d:%d:%s', ticket, expires, ARGV[2])
redis.call('ZADD', KEYS[2], ticket, member)
local latest = prune(KEYS[2], now)
-- Both keys live as long as the longest-living ticket: a crashed instance leaves nothing behind.
redis.call('PEXPIREAT', KEYS[1], latest)
redis.call('PEXPIREAT', KEYS[2], latest)
return member
"""
)

# KEYS: queue. ARGV: member. Returns 1 if the member holds the lock, 0 if it waits, -1 if it
# expired meanwhile.
_ACQUIRE = (
    _LUA_HELPERS
    + """
prune(KEYS[1], now_ms())
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return -1
end
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
if head[1] == ARGV[1] then
  return 1
end
return 0
"""
)

# KEYS: counter, queue. ARGV: member. Removes only this member; deletes both keys when the
# queue is empty (nobody holds or waits, so restarting the numbering is safe).
_RELEASE = (
    _LUA_HELPERS
    + """
redis.call('ZREM', KEYS[2], ARGV[1])
prune(KEYS[2], now_ms())
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
end
return 1
"""
)


# Rasa ships no type information, so its LockStore is `Any` to mypy.
class AtomicRedisLockStore(LockStore):  # type: ignore[misc]
    """Per-conversation FIFO ticket lock kept in Redis, changed only by atomic Lua scripts."""

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        *,
        host: str | None = None,
        port: int | str | None = None,
        db: int | str | None = None,
        password: str | None = None,
        key_prefix: str | None = None,
        poll_interval: float | str | None = None,
        socket_timeout: float | str | None = None,
    ) -> None:
        """Rasa passes `endpoint_config` (url = host, the rest in kwargs); tests pass keywords.

        Values from endpoints.yml arrive as strings after `${VAR}` substitution, and an unset
        optional variable as an empty string, hence the conversions.
        """
        options: dict[str, Any] = dict(endpoint_config.kwargs) if endpoint_config else {}
        host = host or (endpoint_config.url if endpoint_config else None) or "127.0.0.1"
        port = port or options.get("port") or 6379
        db = db if db not in (None, "") else options.get("db")
        password = password or options.get("password") or None
        prefix = key_prefix or options.get("key_prefix") or DEFAULT_KEY_PREFIX
        if not str(prefix).isalnum():
            raise ValueError(f"lock store key_prefix must be alphanumeric, got {prefix!r}")
        poll = poll_interval or options.get("poll_interval") or DEFAULT_POLL_INTERVAL_SECONDS
        timeout = socket_timeout or options.get("socket_timeout") or DEFAULT_SOCKET_TIMEOUT_SECONDS
        self.key_prefix = f"{prefix}:lock:"
        self.poll_interval = float(poll)
        self._host = str(host)
        self._port = int(port)
        self._db = int(db) if db not in (None, "") else 1
        self._password: str | None = password
        self._socket_timeout = float(timeout)
        # redis.asyncio connections belong to the event loop that opened them; Rasa runs one
        # loop per Sanic worker, tests may run several one after the other.
        self._client: redis.asyncio.Redis | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None
        super().__init__()

    def _keys(self, conversation_id: str) -> tuple[str, str]:
        base = self.key_prefix + conversation_id
        return f"{base}:counter", f"{base}:queue"

    def _redis(self) -> redis.asyncio.Redis:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            self._client = redis.asyncio.Redis(
                host=self._host,
                port=self._port,
                db=self._db,
                password=self._password,
                socket_timeout=self._socket_timeout,
            )
            self._client_loop = loop
        return self._client

    async def _script(self, script: str, keys: tuple[str, ...], *args: str) -> Any:
        # EVAL (not EVALSHA): the scripts are tiny and this survives a SCRIPT FLUSH or failover.
        return await self._redis().eval(script, len(keys), *keys, *args)

    async def issue_ticket_async(self, conversation_id: str, lock_lifetime: float) -> str:
        """Queue a new ticket for the conversation; returns its (unique) queue member."""
        token = secrets.token_hex(8)
        lifetime_ms = str(max(1, int(lock_lifetime * 1000)))
        try:
            member = await self._script(_ISSUE, self._keys(conversation_id), lifetime_ms, token)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        return member.decode() if isinstance(member, bytes) else str(member)

    async def release(self, conversation_id: str, member: str) -> None:
        """Drop our ticket (and the keys when nobody else is queued)."""
        await self._script(_RELEASE, self._keys(conversation_id), member)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock for the body; same contract as Rasa's `LockStore.lock`.

        Raises `LockError` when Redis fails or when our ticket expired before its turn came.
        """
        member = await self.issue_ticket_async(conversation_id, lock_lifetime)
        try:
            yield await self._wait_for_turn(conversation_id, member, wait_time_in_seconds)
        finally:
            # Released even when the body failed or was cancelled; shielded so a cancellation
            # can't leave the ticket blocking the conversation until it expires.
            try:
                await asyncio.shield(self.release(conversation_id, member))
            except redis.RedisError as error:
                # The message was handled; failing it now would only hide that. The ticket
                # expires on its own (lock lifetime).
                logger.warning("could not release the lock of '%s': %s", conversation_id, error)

    async def _wait_for_turn(
        self, conversation_id: str, member: str, wait_time_in_seconds: float
    ) -> TicketLock:
        interval = min(self.poll_interval, wait_time_in_seconds)
        _, queue = self._keys(conversation_id)
        while True:
            try:
                state = await self._script(_ACQUIRE, (queue,), member)
            except redis.RedisError as error:
                raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
            if state == 1:
                logger.debug("Acquired lock for conversation '%s'.", conversation_id)
                return _ticket_lock(conversation_id, [member])
            if state == -1:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(interval)

    # --- Rasa's synchronous LockStore interface. Rasa 3.6 itself only calls `lock()`; these
    # are for inspection and tests, and none of them does a read-modify-write of the queue.

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The conversation's current queue (read-only snapshot), or None when nobody holds it."""
        _, queue = self._keys(conversation_id)
        with self._sync_client() as client:
            members = [m.decode() for m in client.zrange(queue, 0, -1)]
        return _ticket_lock(conversation_id, members) if members else None

    def delete_lock(self, conversation_id: str) -> None:
        """Forget the conversation's queue (administrative: current holders lose their turn)."""
        with self._sync_client() as client:
            deleted = client.delete(*self._keys(conversation_id))
        self._log_deletion(conversation_id, bool(deleted))

    def _sync_client(self) -> redis.Redis:
        return redis.Redis(
            host=self._host,
            port=self._port,
            db=self._db,
            password=self._password,
            socket_timeout=self._socket_timeout,
        )

    def save_lock(self, lock: TicketLock) -> None:
        """Refused: writing a whole queue back is exactly the race this store exists to avoid."""
        raise NotImplementedError("AtomicRedisLockStore changes its queues only atomically")

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Refused: tickets are issued by `lock()`, which also releases them."""
        raise NotImplementedError("use `async with lock_store.lock(conversation_id)`")


def _ticket_lock(conversation_id: str, members: list[str]) -> TicketLock:
    """A Rasa `TicketLock` view of queue members "<ticket>:<expires ms>:<token>"."""
    tickets = deque(
        Ticket(int(number), int(expires) / 1000)
        for number, expires, _ in (member.split(":", 2) for member in members)
    )
    return TicketLock(conversation_id, tickets)
