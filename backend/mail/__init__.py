"""Outgoing e-mail: a local outbox table, or SMTP (always recorded in the outbox too)."""
