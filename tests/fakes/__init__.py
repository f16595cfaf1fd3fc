"""Fake third-party services on 127.0.0.1 (Slack Web API, Bot Framework): tests need no internet."""
