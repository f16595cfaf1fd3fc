"""Every model, imported in one place so that ``Base.metadata`` is complete (alembic, tests)."""

from backend.accounts.models import Account, PasswordResetToken, RegistrationToken
from backend.billing.models import BillingSettings, Invoice, InvoiceLink, Payment
from backend.chat.models import ChatSession, LinkCode, PlatformLink
from backend.companies.models import Company
from backend.core.db import Base
from backend.core.idempotency import IdempotencyRecord
from backend.esim.models import ESimProfile
from backend.fleet.models import (
    BarrableService,
    Consumption,
    Line,
    Option,
    Plan,
    PortingRequest,
    SimCard,
)
from backend.handoff.models import Handoff, HandoffMessage
from backend.mail.models import OutboxAttachment, OutboxEmail
from backend.operations.models import Operation
from backend.portal.models import PortalSession
from backend.privacy.models import ErasureRequest
from backend.repairs.models import Repair
from backend.shop.models import CartItem, Device, DeviceVariant, Order
from backend.tickets.models import Ticket, TicketComment
from backend.webchat.models import WebMessage, WebTurn

__all__ = [
    "Account",
    "BarrableService",
    "Base",
    "BillingSettings",
    "CartItem",
    "ChatSession",
    "Company",
    "Consumption",
    "Device",
    "DeviceVariant",
    "ESimProfile",
    "ErasureRequest",
    "Handoff",
    "HandoffMessage",
    "IdempotencyRecord",
    "Invoice",
    "InvoiceLink",
    "Line",
    "LinkCode",
    "Operation",
    "Option",
    "Order",
    "OutboxAttachment",
    "OutboxEmail",
    "PasswordResetToken",
    "Payment",
    "Plan",
    "PlatformLink",
    "PortalSession",
    "PortingRequest",
    "RegistrationToken",
    "Repair",
    "SimCard",
    "Ticket",
    "TicketComment",
    "WebMessage",
    "WebTurn",
]
