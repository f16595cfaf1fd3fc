"""The portal pages: cookie login, the chat page and the Slack/Teams link control."""
