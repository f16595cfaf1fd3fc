"""Cross-cutting infrastructure: settings, database, errors and security."""
