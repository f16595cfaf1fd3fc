"""Developer tools exposed only in demo mode (the local outbox)."""
