"""One Rasa server's Slack channel for `test_slack_dedupe_replicas.py`, without the model.

The channel is built by Rasa's own code from `bot/credentials.yml` and this process's environment
(the test gives it the compose file's), served on 127.0.0.1; every message that would reach the
agent is printed as a JSON line instead. Runs in the Rasa venv:

    PYTHONPATH=. .venv-rasa/bin/python tests/scale/slack_replica.py <port>
"""

from __future__ import annotations

import json
import sys

from rasa.core.channels.channel import UserMessage, register
from rasa.core.run import create_http_input_channels
from sanic import Sanic


class PrintingAgent:
    """Stands for Rasa's agent: says which messages it was given to process."""

    async def handle_message(self, message: UserMessage) -> None:
        print(json.dumps({"processed": message.text, "sender": message.sender_id}), flush=True)


def main(port: int) -> None:
    app = Sanic("slack_replica")
    app.ctx.agent = PrintingAgent()
    channels = create_http_input_channels("bot.channels.slack.SlackChannel", "bot/credentials.yml")
    register(channels, app, route="/webhooks/")
    app.run(host="127.0.0.1", port=port, access_log=False, motd=False)


if __name__ == "__main__":
    main(int(sys.argv[1]))
