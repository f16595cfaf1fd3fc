"""Phone numbers as the bot shows them (``0470 12 34 56``); checks are in ``validation``."""

from validation import national_format as format_national

__all__ = ["format_national"]
