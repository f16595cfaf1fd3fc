"""Retention of the backend's conversation data: ``python -m backend.privacy [--days N]``.

Deletes web transcript messages and ended handoffs older than ``--days`` (default: the
``CONVERSATION_RETENTION_DAYS`` setting). Run it daily (cron, a Kubernetes CronJob) next to
``python -m bot.retention``, which does the same for the Rasa tracker store.
"""

from __future__ import annotations

import argparse
import logging

from backend.core.db import get_sessionmaker
from backend.core.settings import get_settings
from backend.privacy.service import apply_retention

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=settings.conversation_retention_days)
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with get_sessionmaker(settings.database_url)() as session:
        result = apply_retention(session, days=args.days)
    logger.info(
        "Retention %d days: %d web messages, %d handoff rows deleted",
        args.days,
        result.web_messages,
        result.handoff_rows,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
