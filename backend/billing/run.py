"""The monthly billing run: ``python -m backend.billing.run --period YYYY-MM``.

Safe to run again for the same period (nothing is invoiced twice). Prints the created invoice
numbers.
"""

from __future__ import annotations

import argparse
import logging

from backend.billing.generation import run_billing
from backend.core.db import get_sessionmaker
from backend.core.errors import AppError
from backend.core.models import utcnow
from backend.core.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Issue the monthly invoices of one period.")
    parser.add_argument("--period", required=True, help="the month to invoice, YYYY-MM")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    with get_sessionmaker(settings.database_url)() as session:
        try:
            result = run_billing(session, settings=settings, period=args.period, now=utcnow())
        except AppError as exc:
            print(f"error: {exc.message}")
            return 2
        session.commit()
    print(
        f"period {result.period}: {len(result.created)} invoice(s) created"
        f"{' (' + ', '.join(result.created) + ')' if result.created else ''},"
        f" {result.skipped} already existed"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
