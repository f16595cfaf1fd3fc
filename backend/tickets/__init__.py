"""Helpdesk tickets (minimal; issue #4 extends them)."""
