"""Custom actions of the Business Mobile Assistant (rasa-sdk action server)."""
