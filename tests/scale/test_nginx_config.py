"""deploy/nginx.conf, read as nginx reads it (blocks, directives, quoted arguments): the public
server sends the backend's security headers on every answer and bounds what a client may send
(issue #15).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from backend.core.headers import SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY
from scripts.stack import ROOT

NGINX_CONF = ROOT / "deploy" / "nginx.conf"
TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'|([{};])|([^\s{};"\']+)')


@dataclass
class Block:
    """A context of the configuration: its directives (name, arguments) and nested blocks."""

    name: str = "main"
    args: list[str] = field(default_factory=list)
    directives: list[tuple[str, list[str]]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def values(self, name: str) -> list[list[str]]:
        return [args for directive, args in self.directives if directive == name]

    def only(self, name: str) -> list[str]:
        (args,) = self.values(name)
        return args

    def children(self, name: str) -> list[Block]:
        return [block for block in self.blocks if block.name == name]


def parse(text: str) -> Block:
    """The configuration as a tree (comments dropped, quotes removed)."""
    text = re.sub(r"#[^\n]*", "", text)
    stack = [Block()]
    words: list[str] = []
    for match in TOKEN.finditer(text):
        quoted_double, quoted_single, punctuation, bare = match.groups()
        if punctuation == "{":
            block = Block(words[0], words[1:])
            stack[-1].blocks.append(block)
            stack.append(block)
            words = []
        elif punctuation == "}":
            stack.pop()
        elif punctuation == ";":
            stack[-1].directives.append((words[0], words[1:]))
            words = []
        else:
            words.append(next(w for w in (quoted_double, quoted_single, bare) if w is not None))
    assert len(stack) == 1, "unbalanced braces"
    return stack[0]


@pytest.fixture(scope="module")
def http() -> Block:
    (block,) = parse(NGINX_CONF.read_text()).children("http")
    return block


@pytest.fixture(scope="module")
def public(http: Block) -> Block:
    """The server published on :80 (the other two listen on the private network only)."""
    (server,) = [s for s in http.children("server") if s.only("listen") == ["80"]]
    return server


def size(value: str) -> int:
    units = {"k": 1024, "m": 1024 * 1024}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].isalpha() else int(value)


def test_the_public_server_sends_the_backends_security_headers_always(public: Block) -> None:
    added = {args[0]: args[1:] for args in public.values("add_header")}
    for name, value in SECURITY_HEADERS.items():
        assert added[name] == [value, "always"], name
    # One add_header in a location would replace every inherited one there.
    for location in public.children("location"):
        assert location.values("add_header") == [], location.args
    # No header twice: the services' own copies are hidden.
    assert {args[0] for args in public.values("proxy_hide_header")} >= {
        *SECURITY_HEADERS,
        "Strict-Transport-Security",
    }


def test_hsts_is_sent_for_https_requests_only(http: Block, public: Block) -> None:
    assert ["Strict-Transport-Security", "$hsts", "always"] in public.values("add_header")
    (hsts,) = [m for m in http.children("map") if m.args[1] == "$hsts"]
    assert hsts.args[0] == "$forwarded_proto"
    assert dict(hsts.directives) == {"https": [STRICT_TRANSPORT_SECURITY], "default": [""]}
    (proto,) = [m for m in http.children("map") if m.args[1] == "$forwarded_proto"]
    assert dict(proto.directives) == {"default": ["$http_x_forwarded_proto"], "": ["$scheme"]}
    assert ["X-Forwarded-Proto", "$forwarded_proto"] in http.values("proxy_set_header")


def test_request_lines_headers_and_bodies_are_bounded(http: Block) -> None:
    assert size(http.only("client_header_buffer_size")[0]) <= 1024
    count, buffer = http.only("large_client_header_buffers")
    assert int(count) <= 4
    assert size(buffer) <= 8 * 1024  # the longest request line or header line accepted
    assert size(http.only("client_max_body_size")[0]) <= 1024 * 1024
    for timeout in ("client_header_timeout", "client_body_timeout"):
        assert http.only(timeout) == ["10s"], timeout
