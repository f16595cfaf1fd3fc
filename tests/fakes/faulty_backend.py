"""A fault-injecting HTTP proxy between the action server and the real backend (issue #6).

The action server's ``BACKEND_URL`` points here; every request is forwarded to the real backend
unless a fault is switched on (in process, from the test that owns the proxy):

- ``REFUSE``: the listening socket is closed, so connections are refused (ECONNREFUSED) until
  the fault is cleared and the proxy listens again on the same port;
- ``ERROR_500``: answers 500 with a JSON error, without forwarding (nothing reaches the backend);
- ``HANG``: reads the request and never answers (until cleared or ``hang_seconds``), without
  forwarding;
- ``MALFORMED_JSON``: forwards (so a change IS committed), then answers the backend's status
  with its JSON body cut in half;
- ``COMMIT_THEN_DROP``: forwards (the change IS committed), reads the backend's whole answer,
  then closes the connection without sending a byte of it.

Apart from the faults, ``slow_down`` makes the upstream slow as a client sees it: requests are
forwarded at once (the upstream does the work) and their answers held for some seconds.

A fault can be limited to requests whose method and path match, and to the next ``times`` such
requests (then the proxy forwards again), which is how a retry is shown to go through. Every
request is recorded with the fault it met. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import socket
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx

from tests.fakes.server import Running

# Headers that describe one hop, not the message: never forwarded either way.
_HOP_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        "content-encoding",
        "host",
        "accept-encoding",
        "upgrade",
    }
)


class Fault(enum.Enum):
    """What the proxy does instead of (or on top of) forwarding."""

    REFUSE = "refuse"
    ERROR_500 = "error_500"
    HANG = "hang"
    MALFORMED_JSON = "malformed_json"
    COMMIT_THEN_DROP = "commit_then_drop"


@dataclass
class SeenRequest:
    """One request that reached the proxy, and the fault it met (None: forwarded as is).

    Recorded as soon as it is read (a hanging request is visible while it hangs);
    ``upstream_status`` is filled in once the real backend answered it.
    """

    method: str
    path: str
    idempotency_key: str | None
    fault: Fault | None
    upstream_status: int | None


@dataclass
class _Rule:
    fault: Fault
    method: str | None
    path_contains: str | None
    times: int | None

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method is not None and method != self.method:
            return False
        return self.path_contains is None or self.path_contains in path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FaultyBackend(Running):
    """The proxy, on its own event loop in a daemon thread; use as a context manager."""

    def __init__(self, upstream: str, *, port: int | None = None, hang_seconds: float = 30.0):
        self.upstream = upstream.rstrip("/")
        self.port = port or free_port()
        self.hang_seconds = hang_seconds
        self._slow: tuple[float, str] | None = None
        self.seen: list[SeenRequest] = []
        self._rule: _Rule | None = None
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._released: asyncio.Event | None = None
        self._client: httpx.AsyncClient | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- control (from the test's thread) --

    def inject(
        self,
        fault: Fault,
        *,
        method: str | None = None,
        path_contains: str | None = None,
        times: int | None = None,
    ) -> None:
        """Switch ``fault`` on for matching requests (all of them, or the next ``times``)."""
        if fault is Fault.REFUSE and (method or path_contains or times):
            raise ValueError("refusing happens before any request is read: no filters")
        self.clear()
        with self._lock:
            self._rule = _Rule(fault, method, path_contains, times)
        if fault is Fault.REFUSE:
            self._call(self._stop_listening())

    def slow_down(self, seconds: float, *, path_contains: str) -> None:
        """Hold the answers to matching requests ``seconds`` longer (until ``clear``)."""
        with self._lock:
            self._slow = (seconds, path_contains)

    def clear(self) -> None:
        """Forward everything again at full speed; hanging requests are let go (closed without
        an answer)."""
        with self._lock:
            rule, self._rule = self._rule, None
            self._slow = None
        if rule is not None and rule.fault is Fault.REFUSE:
            self._call(self._listen())
        self._call(self._release_hanging())

    def faulted(self, fault: Fault | None = None) -> list[SeenRequest]:
        """The requests that met ``fault`` (any fault when None)."""
        with self._lock:
            return [
                seen
                for seen in self.seen
                if seen.fault is not None and (fault is None or seen.fault is fault)
            ]

    def requests_to(self, method: str, path_contains: str) -> list[SeenRequest]:
        with self._lock:
            return [s for s in self.seen if s.method == method and path_contains in s.path]

    # -- lifecycle --

    def start(self) -> None:
        self._thread.start()
        self._call(self._setup())

    def stop(self) -> None:
        self._call(self._teardown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def _call(self, coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    # -- inside the proxy's loop --

    async def _setup(self) -> None:
        self._released = asyncio.Event()
        self._client = httpx.AsyncClient(base_url=self.upstream, timeout=30.0)
        await self._listen()

    async def _teardown(self) -> None:
        await self._release_hanging()
        await self._stop_listening()
        if self._client is not None:
            await self._client.aclose()

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._serve, "127.0.0.1", self.port, reuse_address=True
            )

    async def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _release_hanging(self) -> None:
        if self._released is not None:
            self._released.set()
            self._released = asyncio.Event()

    def _take_rule(self, method: str, path: str) -> Fault | None:
        with self._lock:
            rule = self._rule
            if rule is None or not rule.matches(method, path):
                return None
            if rule.times is not None:
                rule.times -= 1
            return rule.fault

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers: list[tuple[str, str]] = []
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers.append((name.strip(), value.strip()))
        lengths = [int(v) for n, v in headers if n.lower() == "content-length"]
        body = await reader.readexactly(lengths[0]) if lengths else b""
        path = target.split("?", 1)[0]
        key = next((v for n, v in headers if n.lower() == "idempotency-key"), None)
        fault = self._take_rule(method, path)
        seen = SeenRequest(method, path, key, fault, None)
        with self._lock:
            self.seen.append(seen)

        try:
            if fault is Fault.ERROR_500:
                error = {"error": {"code": "internal_error", "message": "injected fault"}}
                await self._answer(writer, 500, [], json.dumps(error).encode())
            elif fault is Fault.HANG:
                released = self._released
                assert released is not None
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(released.wait(), timeout=self.hang_seconds)
            else:
                try:
                    upstream = await self._forward(method, target, headers, body)
                except httpx.HTTPError:
                    await self._answer(writer, 502, [], b'{"error": {"code": "bad_gateway"}}')
                    return
                seen.upstream_status = upstream.status_code
                answer_headers = [
                    (n, v) for n, v in upstream.headers.items() if n.lower() not in _HOP_HEADERS
                ]
                content = upstream.content
                if fault is Fault.MALFORMED_JSON:
                    content = content[: max(1, len(content) // 2)] or b"{"
                with self._lock:
                    slow = self._slow
                if slow is not None and slow[1] in path:
                    await asyncio.sleep(slow[0])
                if fault is not Fault.COMMIT_THEN_DROP:
                    await self._answer(writer, upstream.status_code, answer_headers, content)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _forward(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> httpx.Response:
        assert self._client is not None
        forwarded = [(n, v) for n, v in headers if n.lower() not in _HOP_HEADERS]
        return await self._client.request(method, target, headers=forwarded, content=body)

    @staticmethod
    async def _answer(
        writer: asyncio.StreamWriter, status: int, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        lines = [f"HTTP/1.1 {status} {_reason(status)}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if not any(name.lower() == "content-type" for name, _ in headers):
            lines.append("content-type: application/json")
        lines += [f"content-length: {len(body)}", "connection: close", "", ""]
        writer.write("\r\n".join(lines).encode("latin-1") + body)
        with contextlib.suppress(ConnectionError):
            await writer.drain()


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
