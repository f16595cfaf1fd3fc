"""Jinja2 environment for e-mail and page templates in ``backend/templates``."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from backend.core.models import Language

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@functools.cache
def get_environment() -> Environment:
    """The shared template environment (HTML autoescaped)."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "jinja"]),
        keep_trailing_newline=True,
    )


def render_email(name: str, language: Language, **context: Any) -> tuple[str, str, str]:
    """Subject, text body and HTML body of ``email/<name>.<language>.jinja``.

    Each e-mail template defines the blocks ``subject``, ``text`` and ``html`` so that the three
    parts of one language live side by side in one file (subject and text switch autoescaping
    off inside their block).
    """
    template = get_environment().get_template(f"email/{name}.{language.value}.jinja")
    ctx = template.new_context(context)

    def block(block_name: str) -> str:
        return "".join(template.blocks[block_name](ctx)).strip()

    return block("subject"), block("text"), block("html")
