"""Chat identities: web chat sessions, Slack/Teams links and link codes."""
