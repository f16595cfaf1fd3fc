"""Chat with the running demo from a terminal, as a logged-in portal account.

Logs in to the backend, asks it for a chat session (the backend binds the sender id to the
account), then relays lines typed here to Rasa's REST channel and prints the answers.
"""

from __future__ import annotations

import logging
import os
import sys

import httpx

from scripts.chat_session import open_session

logger = logging.getLogger(__name__)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    backend = os.environ.get("BACKEND_URL", "http://127.0.0.1:8000")
    rasa = os.environ.get("RASA_URL", "http://127.0.0.1:5005")
    gsm = os.environ.get("DEMO_GSM", "+32470000001")
    password = os.environ.get("DEMO_PASSWORD", "acme-fleet-demo")
    _, sender = open_session(backend, gsm, password)
    with httpx.Client(timeout=30.0) as client:
        logger.info("Logged in as %s. Type a message; Ctrl-D to quit.", gsm)
        for line in sys.stdin:
            message = line.strip()
            if not message:
                continue
            answer = client.post(
                f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": message}
            )
            answer.raise_for_status()
            for reply in answer.json():
                logger.info("bot> %s", reply.get("text", ""))
                for button in reply.get("buttons", []):
                    logger.info("     [%s] -> %s", button["title"], button["payload"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
