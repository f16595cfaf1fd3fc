"""Every model, imported in one place so that ``Base.metadata`` is complete (alembic, tests)."""

from backend.accounts.models import Account, RegistrationToken
from backend.chat.models import ChatSession, LinkCode, PlatformLink
from backend.companies.models import Company
from backend.core.db import Base
from backend.fleet.models import BarrableService, Consumption, Line, Option, Plan
from backend.mail.models import OutboxAttachment, OutboxEmail

__all__ = [
    "Account",
    "BarrableService",
    "Base",
    "ChatSession",
    "Company",
    "Consumption",
    "Line",
    "LinkCode",
    "Option",
    "OutboxAttachment",
    "OutboxEmail",
    "Plan",
    "PlatformLink",
    "RegistrationToken",
]
