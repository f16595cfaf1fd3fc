"""The action server and Rasa's HTTP API answer only those holding the shared secrets, and
listen on loopback only (as `scripts/stack.py` and the production compose file start them).
"""

from __future__ import annotations

import contextlib
import socket

import httpx
import pytest

from scripts.stack import Stack

RIGHT_SECRET = "dev-action-server-secret"  # scripts/stack.py's development default


@pytest.mark.parametrize("headers", [{}, {"X-Action-Secret": "wrong-secret-of-some-length"}])
def test_action_server_refuses_calls_without_the_secret(
    scale_stack: Stack, headers: dict[str, str]
) -> None:
    call = {"next_action": "action_greet", "sender_id": "x", "tracker": {"sender_id": "x"}}
    webhook = httpx.post(f"{scale_stack.actions_url}/webhook", json=call, headers=headers)
    listing = httpx.get(f"{scale_stack.actions_url}/actions", headers=headers)

    assert webhook.status_code == 401
    assert listing.status_code == 401
    assert "action_greet" not in webhook.text + listing.text


def test_action_server_answers_rasa_with_the_secret_and_health_openly(scale_stack: Stack) -> None:
    listing = httpx.get(
        f"{scale_stack.actions_url}/actions", headers={"X-Action-Secret": RIGHT_SECRET}
    )
    health = httpx.get(f"{scale_stack.actions_url}/health")

    assert listing.status_code == 200
    assert {"name": "action_greet"} in listing.json()
    assert health.status_code == 200


@pytest.mark.parametrize("params", [{}, {"token": "not-the-token"}])
def test_rasa_api_refuses_calls_without_the_token(
    scale_stack: Stack, params: dict[str, str]
) -> None:
    for port in scale_stack.rasa_ports.values():
        base = f"http://127.0.0.1:{port}"
        tracker = httpx.get(f"{base}/conversations/someone/tracker", params=params)
        status = httpx.get(f"{base}/status", params=params)

        assert tracker.status_code == 401
        assert status.status_code == 401


def test_rasa_api_answers_with_the_token(scale_stack: Stack) -> None:
    token = scale_stack.base_env()["RASA_AUTH_TOKEN"]
    for port in scale_stack.rasa_ports.values():
        status = httpx.get(f"http://127.0.0.1:{port}/status", params={"token": token})
        assert status.status_code == 200


def _non_loopback_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if it has one."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.connect(("10.255.255.255", 1))
        address = str(udp.getsockname()[0])
        return None if address.startswith("127.") else address
    return None


def test_services_listen_on_loopback_only(scale_stack: Stack) -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    ports = {"actions": scale_stack.ports.actions, **scale_stack.rasa_ports}
    reachable = []
    for name, port in ports.items():
        with contextlib.suppress(OSError), socket.create_connection((address, port), timeout=2):
            reachable.append(name)
    assert reachable == [], f"reachable on {address}: {reachable}"
