"""Rasa input channels for Slack and Microsoft Teams (referenced from bot/credentials.yml)."""
