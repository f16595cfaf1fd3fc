"""Upgrade the database to the latest migration: ``python -m backend.migrate``."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from backend.core.settings import get_settings

logger = logging.getLogger(__name__)

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"


def alembic_config(
    *, database_url: str | None = None, connection: Connection | None = None
) -> Config:
    """Alembic config for ``database_url`` (default DATABASE_URL) or an open connection."""
    config = Config(str(ALEMBIC_INI))
    # Callers (app, tests) own logging; alembic's fileConfig would reset their handlers.
    config.attributes["configure_logger"] = False
    # An attribute, not the ini option: URLs may contain "%", which configparser would interpolate.
    config.attributes["database_url"] = database_url or get_settings().database_url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(*, database_url: str | None = None, connection: Connection | None = None) -> None:
    """Upgrade to head."""
    command.upgrade(alembic_config(database_url=database_url, connection=connection), "head")


def downgrade(*, database_url: str | None = None, revision: str = "base") -> None:
    """Downgrade to ``revision`` (default: empty database)."""
    command.downgrade(alembic_config(database_url=database_url), revision)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    upgrade()
    logger.info("Database is at the latest revision")


if __name__ == "__main__":
    main()
