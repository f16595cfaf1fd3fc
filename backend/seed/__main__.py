"""``python -m backend.seed``: insert the demo data into DATABASE_URL (run migrations first)."""

from __future__ import annotations

import logging
from datetime import date

from backend.core.db import get_sessionmaker
from backend.core.settings import get_settings
from backend.seed.service import seed_demo


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    with get_sessionmaker(get_settings().database_url)() as session:
        seed_demo(session, today=date.today())


if __name__ == "__main__":
    main()
