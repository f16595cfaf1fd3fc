"""Invite a fleet manager from the command line.

``python -m backend.accounts.invite --company-customer-number 7001234567 --gsm 0470123456
--email someone@example.com`` creates the pending account and e-mails the single-use
registration link ``{PUBLIC_BASE_URL}/register/{token}``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from backend.accounts.service import invite_fleet_manager
from backend.core.db import get_sessionmaker
from backend.core.errors import AppError
from backend.core.models import Language
from backend.core.settings import get_settings

logger = logging.getLogger(__name__)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--company-customer-number", required=True)
    parser.add_argument("--gsm", required=True, help="GSM number, any usual Belgian format")
    parser.add_argument("--email", required=True)
    parser.add_argument("--first-name", default="")
    parser.add_argument("--last-name", default="")
    parser.add_argument(
        "--language",
        choices=[language.value for language in Language],
        help="language of the e-mail (default: the company's)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    settings = get_settings()
    with get_sessionmaker(settings.database_url)() as session:
        try:
            account = invite_fleet_manager(
                session,
                settings=settings,
                company_customer_number=args.company_customer_number,
                gsm=args.gsm,
                email=args.email,
                language=Language(args.language) if args.language else None,
                first_name=args.first_name,
                last_name=args.last_name,
            )
        except AppError as error:
            logger.error("Invitation refused: %s (%s)", error.message, error.code)
            return 1
    logger.info("Invited account %s (%s); registration e-mail sent", account.id, account.gsm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
