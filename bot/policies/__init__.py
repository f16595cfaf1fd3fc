"""Custom Rasa dialogue policies (referenced from config.yml by their module path)."""
