"""Clients for the external systems the actions talk to."""
