"""A small threaded HTTP server on 127.0.0.1 whose handler is a plain function.

The fakes of third-party APIs (Slack, Bot Framework) only need routing by method and path,
JSON/form bodies and a thread of their own, so ``http.server`` is enough and starts instantly.
"""

from __future__ import annotations

import abc
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeVar

_Running = TypeVar("_Running", bound="Running")


@dataclass
class FakeRequest:
    """One request as the fake saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode()))

    def params(self) -> dict[str, Any]:
        """JSON or form-encoded body as a dict, whichever the client sent."""
        if "json" in self.headers.get("content-type", ""):
            data = self.json()
            return data if isinstance(data, dict) else {}
        return self.form()


@dataclass
class FakeResponse:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[FakeRequest], FakeResponse]


def wait_until(
    changed: threading.Condition,
    read: Callable[[], list[dict[str, Any]]],
    done: Callable[[list[dict[str, Any]]], bool],
    awaited: str,
    timeout: float,
) -> list[dict[str, Any]]:
    """What ``read`` returns once ``done`` holds for it (re-read whenever ``changed`` is
    notified), or ``TimeoutError`` naming what was ``awaited``."""
    deadline = time.monotonic() + timeout
    with changed:
        while not done(found := read()):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {awaited} after {timeout}s: {len(found)} so far")
            changed.wait(left)
        return found


def at_least(count: int, saying: str | None) -> Callable[[list[dict[str, Any]]], bool]:
    """At least ``count`` posted messages and, with ``saying``, one with exactly that text."""
    return lambda found: (
        len(found) >= count
        and (saying is None or any(message.get("text") == saying for message in found))
    )


class Running(abc.ABC):
    """Something a test starts and stops; ``with fake:`` does both, even when the test fails."""

    @abc.abstractmethod
    def start(self) -> None: ...

    @abc.abstractmethod
    def stop(self) -> None: ...

    def __enter__(self: _Running) -> _Running:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class FakeServer(Running):
    """Serves ``handle(request)`` on a free port of 127.0.0.1 in a daemon thread."""

    def __init__(self, handle: Route) -> None:
        self._handle = handle
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        handle = self._handle

        class Handler(BaseHTTPRequestHandler):
            def _dispatch(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                request = FakeRequest(
                    method=self.command,
                    path=parsed.path,
                    query=dict(urllib.parse.parse_qsl(parsed.query)),
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                answer = handle(request)
                payload = b"" if answer.body is None else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _dispatch

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the fakes record what matters."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class ServedFake(Running):
    """A fake API whose HTTP side is one ``FakeServer`` (``self._server``, set by the subclass)."""

    _server: FakeServer

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()
