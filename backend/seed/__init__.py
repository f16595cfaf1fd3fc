"""Deterministic demo data: ``python -m backend.seed`` (idempotent)."""
