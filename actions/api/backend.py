"""Typed async client for the backend HTTP API (docs/api.md), used on behalf of a chat user.

The client owns the base URL, the service credential, the timeouts and the mapping of every
failure to a small set of exception types, so that actions catch them in one place:

- ``IdentityUnknownError``: the chat identity is not bound to a portal account (anonymous user);
- ``ForbiddenError``: the account's role may not do this (403);
- ``NotFoundError``: unknown object, or another company's (404 — never tells which);
- ``InvalidRequestError``: the backend refused a value (422), with its specific ``code``/``field``;
- ``ConflictError``: the object is not in a state that allows this (409, e.g. expired operation);
- ``BackendUnavailableError``: timeout, connection failure, 5xx, malformed answer or any other
  status the bot cannot act on (including a wrong service key, which is a deployment error).

Faults (design.md §5, README "Reliability"): a request that never got an answer (connection
refused, reset, or dropped after the backend committed) is retried, but only when that is safe —
a GET, or a mutation carrying its ``Idempotency-Key``, which the backend replays instead of
executing twice. A mutation without a key is never retried. All the backend calls made for one
user message share one time budget (``timeout_seconds``), so however many actions and retries
a message triggers, the user hears back within it plus Rasa's own processing time.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from actions.settings import ActionSettings, get_settings

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

T = TypeVar("T")


# --- errors -----------------------------------------------------------------------------------


class BackendError(Exception):
    """Base class of every error raised by ``BackendClient``."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class IdentityUnknownError(BackendError):
    """The channel identity is not linked to a portal account (401 ``chat_identity_unknown``)."""


class ForbiddenError(BackendError):
    """The caller's role does not allow the operation (403)."""


class NotFoundError(BackendError):
    """The object does not exist or belongs to someone else (404)."""


class InvalidRequestError(BackendError):
    """The backend refused a value (422); ``field`` and ``details`` say which and why."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ):
        super().__init__(message, status=status, code=code)
        self.field = field
        self.details = details or {}


class ConflictError(BackendError):
    """The object's state forbids the request (409: expired, cancelled, in progress...)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ):
        super().__init__(message, status=status, code=code)
        # e.g. ``alternatives`` of an out-of-stock device
        self.details = details or {}


class BackendUnavailableError(BackendError):
    """The backend could not give a usable answer (timeout, network, 5xx, malformed body...)."""


class RateLimitedError(BackendError):
    """Too many costly requests of this account or company (429 ``rate_limited``)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after  # seconds, from the Retry-After header


# --- identity and payloads --------------------------------------------------------------------


@dataclass(frozen=True)
class ChatIdentity:
    """Who is talking, as Rasa knows it; the backend maps it to an account (design.md §4)."""

    channel: str
    sender_id: str
    # Rasa's id of the user message being answered: the backend calls of one message share
    # one time budget (None: each call has a budget of its own).
    turn: str | None = None


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Company(_Model):
    """The caller's company."""

    id: int
    name: str
    customer_number: str | None = None
    language: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None


class Me(_Model):
    """The account behind the chat identity (``GET /me``)."""

    id: int
    first_name: str
    last_name: str = ""
    gsm: str | None = None
    email: str | None = None
    language: str | None = None
    role: str
    active_role: str
    can_switch_role: bool = False
    company: Company | None = None
    line_id: int | None = None


class Plan(_Model):
    """A tariff plan as embedded in a line."""

    code: str
    name: str
    names: dict[str, str] = Field(default_factory=dict)
    monthly_price: Decimal | None = None


class CatalogItem(_Model):
    """A plan, option or barrable service of the catalogue (names per language)."""

    code: str
    name: str
    names: dict[str, str] = Field(default_factory=dict)
    monthly_price: Decimal | None = None

    def label(self, language: str) -> str:
        """The name in the conversation language, else the account-language name."""
        return self.names.get(language) or self.name


class CatalogPlan(CatalogItem):
    """A tariff plan of the catalogue (``GET /plans``) with its allowances.

    ``None`` in an allowance means unlimited; a field the answer left out is not known
    (``allowances_known``), so nothing is said about it rather than "unlimited".
    """

    data_gb: int | None = None
    voice_minutes: int | None = None
    sms: int | None = None

    @property
    def allowances_known(self) -> bool:
        """Whether the backend said what the plan includes."""
        return {"data_gb", "voice_minutes", "sms"} <= self.model_fields_set


class Line(_Model):
    """A mobile line (``GET /lines``)."""

    id: int
    msisdn: str
    label: str | None = None
    user_name: str | None = None
    status: str
    sim_type: str | None = None
    split_bill: bool = False
    plan: Plan | None = None
    options: list[CatalogItem] = Field(default_factory=list)
    barrings: list[CatalogItem] = Field(default_factory=list)


class Consumption(_Model):
    """One line's usage for one month; money in EUR excluding VAT."""

    line_id: int
    msisdn: str
    user_name: str | None = None
    month: str
    voice_minutes: int = 0
    sms: int = 0
    data_mb: float = 0
    roaming_mb: float = 0
    roaming_minutes: int = 0
    cost: Decimal = Decimal("0")
    split_bill: bool = False
    part: str = "full"


class ConsumptionTotals(_Model):
    """Sum of the (employer part of the) consumption of a whole fleet."""

    voice_minutes: int = 0
    sms: int = 0
    data_mb: float = 0
    roaming_mb: float = 0
    roaming_minutes: int = 0
    cost: Decimal = Decimal("0")


class FleetConsumption(_Model):
    """The fleet manager's overview of a month (``GET /consumption``)."""

    month: str
    lines: list[Consumption] = Field(default_factory=list)
    totals: ConsumptionTotals = Field(default_factory=ConsumptionTotals)
    top_consumers: list[Consumption] = Field(default_factory=list)


class RateLimitStatus(_Model):
    """Whether a rate-limited flow (activation, payment link, order) may start now."""

    flow: str
    allowed: bool
    retry_after: int | None = None


class Operation(_Model):
    """A prepared (pending) or executed two-step operation (docs/api-fleet-operations.md)."""

    id: str
    type: str
    status: str
    line_id: int | None = None
    msisdn: str | None = None
    summary: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] | None = None
    expires_at: str | None = None


# --- activation, SIM and eSIM (engineer B) ---------------------------------------------------


class PortingRequest(_Model):
    """A request to bring a number over from another operator."""

    id: int | str
    msisdn: str
    number_type: str | None = None
    status: str
    requested_at: str | None = None
    expected_date: str | None = None


class PendingActivation(_Model):
    """A line that is not active yet (``GET /activations``)."""

    line_id: int
    msisdn: str
    user_name: str | None = None
    status: str
    sim_type: str | None = None
    created_at: str | None = None
    esim_pending: bool = False
    porting_request: PortingRequest | None = None


class EsimResent(_Model):
    """Answer of ``POST /lines/{id}/esim/resend``: the masked address the mail went to."""

    sent_to: str


class PasswordResetSent(_Model):
    """Answer of ``POST /me/password-reset``: where the link went (masked), how long it lives."""

    sent_to: str
    expires_in_minutes: int = 30


class EmployeeLinkSent(_Model):
    """Which employee of the company got a single-use link by e-mail (address masked)."""

    account_id: int
    first_name: str = ""
    last_name: str = ""
    gsm: str
    sent_to: str


class RegistrationResent(EmployeeLinkSent):
    """Answer of ``POST /lines/{id}/registration-email``: who got it again."""


class LineAccessSent(EmployeeLinkSent):
    """Answer of ``POST /lines/{id}/password-reset``: ``reset_sent`` (registered: a 30-minute
    password-reset link) or ``registration_sent`` (invited, not registered yet: the 7-day
    registration link again); ``expires_at`` is when the link expires."""

    outcome: Literal["reset_sent", "registration_sent"]
    expires_at: datetime


class PortalInvitationSent(EmployeeLinkSent):
    """Answer of ``POST /lines/{id}/portal-invitation``: the employee invited, the registration
    e-mail sent; ``expires_at`` is when the link expires."""

    expires_at: datetime


class Ticket(_Model):
    """A helpdesk ticket (``POST /tickets``)."""

    id: int | str
    number: str
    status: str = "open"


# --- billing: invoices, payments, billing settings (issue #4, bot side of billing) ----------


class InvoiceLine(_Model):
    """One mobile line of an invoice: plan, options, one-off costs, usage."""

    msisdn: str
    user_name: str | None = None
    plan: str | None = None
    plan_amount: Decimal = Decimal("0")
    options: list[dict[str, Any]] = Field(default_factory=list)
    one_off: list[dict[str, Any]] = Field(default_factory=list)
    usage_amount: Decimal = Decimal("0")
    total: Decimal = Decimal("0")


class Invoice(_Model):
    """An invoice (``GET /invoices``); ``scope`` is ``employee`` for a split-bill part."""

    id: int | str
    number: str
    period: str
    issue_date: str | None = None
    due_date: str | None = None
    amount_excl_vat: Decimal = Decimal("0")
    vat: Decimal = Decimal("0")
    amount_incl_vat: Decimal = Decimal("0")
    status: str
    paid_at: str | None = None
    structured_reference: str | None = None
    payment_method_on_invoice: str | None = None
    # The direct debit mandate the invoice is collected with: iban_masked, holder, bank_name.
    mandate: dict[str, Any] | None = None
    scope: str = "company"
    lines: list[InvoiceLine] = Field(default_factory=list)


class DocumentLink(_Model):
    """A single-user link: invoice PDF or payment page."""

    url: str
    expires_at: str | None = None
    amount_incl_vat: Decimal | None = None


class BillingSettings(_Model):
    """``GET /billing/settings``: payment method, mandate, delivery method."""

    payment_method: str = "transfer"
    mandate: dict[str, Any] | None = None
    delivery_method: str = "email_sms"
    delivery_email: str | None = None
    delivery_address: Any = None


# --- tickets, repairs, hardware shop (issue #4, helpdesk/repairs/shop engineer) -------------


class TicketSubject(_Model):
    """A helpdesk subject (``GET /tickets/subjects``), named per language."""

    code: str
    names: dict[str, str] = Field(default_factory=dict)

    def label(self, language: str) -> str:
        """The name in ``language``, else any name, else the code."""
        return self.names.get(language) or next(iter(self.names.values()), self.code)


class TicketComment(_Model):
    """A comment on a ticket."""

    author: str | None = None
    # "agent" for the operator's helpdesk, "customer" for an account of the company.
    author_role: str = "customer"
    body: str
    created_at: str | None = None


class TicketDetail(_Model):
    """A ticket as listed or read back (``GET /tickets``, ``GET /tickets/{id}``)."""

    id: int | str
    number: str
    status: str = "open"
    subject_code: str | None = None
    description: str | None = None
    created_at: str | None = None
    comments: list[TicketComment] = Field(default_factory=list)


class Repair(_Model):
    """A repair request (``GET /repairs``)."""

    id: int | str
    number: str
    status: str
    imei_masked: str | None = None
    problem: str | None = None
    pickup: str | None = None
    created_at: str | None = None
    msisdn: str | None = None


class DeviceVariant(_Model):
    """One colour/capacity of a device, with its price and stock."""

    colour: str
    storage_gb: int
    price_excl_vat: Decimal
    stock: int = 0


class Device(_Model):
    """A device of the hardware shop catalogue."""

    id: int | str
    brand: str = ""
    model: str = ""
    name: str
    rugged: bool = False
    variants: list[DeviceVariant] = Field(default_factory=list)
    min_price: Decimal | None = None


class CartItem(_Model):
    """One line of the cart."""

    id: int | str
    device_id: int | str
    name: str
    colour: str
    storage_gb: int
    quantity: int
    unit_price: Decimal
    for_line_id: int | None = None
    for_msisdn: str | None = None


class Cart(_Model):
    """The account's cart (``GET /cart``)."""

    items: list[CartItem] = Field(default_factory=list)
    total_excl_vat: Decimal = Decimal("0")
    total_incl_vat: Decimal = Decimal("0")


class Order(_Model):
    """A hardware order (``GET /orders``)."""

    id: int | str
    number: str
    status: str
    items: list[dict[str, Any]] = Field(default_factory=list)
    total_incl_vat: Decimal | None = None
    delivery_address: dict[str, Any] | None = None
    created_at: str | None = None
    tracking: str | None = None


# --- the client -------------------------------------------------------------------------------

# Attempts of a request that got no answer at all, and the pauses between them.
_MAX_ATTEMPTS = 3
_RETRY_PAUSES = (0.1, 0.3)


class _Budget:
    """Seconds one user message may still spend waiting for the backend."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.spent = 0.0

    def remaining(self) -> float:
        return self.seconds - self.spent

    def spend(self, seconds: float) -> None:
        self.spent += seconds

    def __str__(self) -> str:
        return f"{self.seconds:g}"


class _TurnBudgets:
    """The budget of each recent user message, shared by every action answering it.

    One message runs several actions (language detection, then the action itself), each one
    a separate request to the action server; without a shared budget a hanging backend would
    cost each of them a full timeout. Kept per process, bounded to the most recent messages.
    """

    _KEPT = 4096

    def __init__(self) -> None:
        self._budgets: OrderedDict[str, _Budget] = OrderedDict()

    def for_identity(self, identity: ChatIdentity, seconds: float) -> _Budget:
        if identity.turn is None:
            return _Budget(seconds)
        turn = f"{identity.channel}:{identity.sender_id}:{identity.turn}"
        budget = self._budgets.get(turn)
        if budget is None:
            budget = self._budgets[turn] = _Budget(seconds)
            while len(self._budgets) > self._KEPT:
                self._budgets.popitem(last=False)
        return budget


_TURN_BUDGETS = _TurnBudgets()


# --- live handoff (issue #5) ----------------------------------------------------------------


class HandoffState(_Model):
    """The conversation's handoff: ``waiting`` for an agent, ``active`` with one, or over."""

    id: int
    status: str
    queue_position: int = 0


class HandoffAvailability(_Model):
    """Whether the helpdesk answers now (``GET /handoffs/availability``)."""

    open: bool
    support_hours: str


class BackendClient:
    """The one way actions reach the backend; inject ``transport`` in tests."""

    def __init__(
        self,
        *,
        base_url: str,
        service_key: str,
        timeout_seconds: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._service_key = service_key
        self._timeout = timeout_seconds
        self._transport = transport

    @classmethod
    def from_settings(
        cls,
        settings: ActionSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> BackendClient:
        """Build a client from the action server's settings."""
        settings = settings or get_settings()
        return cls(
            base_url=settings.backend_url,
            service_key=settings.action_service_key.get_secret_value(),
            timeout_seconds=settings.backend_timeout_seconds,
            transport=transport,
        )

    # -- routes --

    async def get_me(self, identity: ChatIdentity) -> Me:
        """``GET /me``: the account, company and active role behind the chat identity."""
        return _parse(Me, await self._request("GET", "/me", identity))

    async def set_active_role(
        self, identity: ChatIdentity, role: str, *, idempotency_key: str
    ) -> Me:
        """``PUT /me/active-role``: switch a fleet manager between his two portals."""
        data = await self._request(
            "PUT",
            "/me/active-role",
            identity,
            json={"role": role},
            idempotency_key=idempotency_key,
        )
        return _parse(Me, data)

    async def find_lines(
        self, identity: ChatIdentity, *, msisdn: str | None = None, q: str | None = None
    ) -> list[Line]:
        """``GET /lines``: the caller's lines, optionally by E.164 number or free text."""
        params: dict[str, Any] = {}
        if msisdn:
            params["msisdn"] = msisdn
        if q:
            params["q"] = q
        data = await self._request("GET", "/lines", identity, params=params or None)
        return _parse_list(Line, data)

    async def get_line(self, identity: ChatIdentity, line_id: int) -> Line:
        """``GET /lines/{id}``: one line with its plan, options and barrings (404 if not ours)."""
        return _parse(Line, await self._request("GET", f"/lines/{line_id}", identity))

    async def list_plans(self, identity: ChatIdentity) -> list[CatalogPlan]:
        """``GET /plans``: the tariff plans with their monthly price and allowances."""
        return _parse_list(CatalogPlan, await self._request("GET", "/plans", identity))

    async def list_options(self, identity: ChatIdentity) -> list[CatalogItem]:
        """``GET /options``: the options that can be added to a line."""
        return _parse_list(CatalogItem, await self._request("GET", "/options", identity))

    async def list_barrable_services(self, identity: ChatIdentity) -> list[CatalogItem]:
        """``GET /barrable-services``: the services that can be blocked per line."""
        data = await self._request("GET", "/barrable-services", identity)
        return _parse_list(CatalogItem, data)

    async def create_operation(
        self,
        identity: ChatIdentity,
        *,
        op_type: str,
        line_id: int | None,
        params: dict[str, Any],
        idempotency_key: str,
    ) -> Operation:
        """``POST /operations``: prepare an operation; the backend answers with a summary."""
        data = await self._request(
            "POST",
            "/operations",
            identity,
            json={"type": op_type, "line_id": line_id, "params": params},
            idempotency_key=idempotency_key,
        )
        return _parse(Operation, data)

    async def rate_limit_retry_after(self, identity: ChatIdentity, flow: str) -> int | None:
        """``GET /rate-limits/{flow}``: seconds until ``flow`` may start again, ``None`` if now."""
        data = await self._request("GET", f"/rate-limits/{flow}", identity)
        status = _parse(RateLimitStatus, data)
        return None if status.allowed else (status.retry_after or 1)

    async def get_operation(self, identity: ChatIdentity, operation_id: str) -> Operation:
        """``GET /operations/{id}``: an operation of this caller, with its summary."""
        data = await self._request("GET", f"/operations/{operation_id}", identity)
        return _parse(Operation, data)

    async def confirm_operation(
        self, identity: ChatIdentity, operation_id: str, *, idempotency_key: str
    ) -> Operation:
        """``POST /operations/{id}/confirm``: execute a pending operation of this caller."""
        data = await self._request(
            "POST",
            f"/operations/{operation_id}/confirm",
            identity,
            json={},
            idempotency_key=idempotency_key,
        )
        return _parse(Operation, data)

    async def cancel_operation(
        self, identity: ChatIdentity, operation_id: str, *, idempotency_key: str
    ) -> Operation:
        """``POST /operations/{id}/cancel``: drop a pending operation."""
        data = await self._request(
            "POST",
            f"/operations/{operation_id}/cancel",
            identity,
            json={},
            idempotency_key=idempotency_key,
        )
        return _parse(Operation, data)

    async def create_ticket(
        self,
        identity: ChatIdentity,
        *,
        subject_code: str,
        description: str,
        contact_number: str | None,
        line_id: int | None,
        idempotency_key: str,
    ) -> Ticket:
        """``POST /tickets``: a helpdesk ticket (e.g. ``prepaid_conversion``)."""
        body: dict[str, Any] = {
            "subject_code": subject_code,
            "description": description,
            "contact_number": contact_number,
        }
        if line_id is not None:
            body["line_id"] = line_id
        data = await self._request(
            "POST", "/tickets", identity, json=body, idempotency_key=idempotency_key
        )
        return _parse(Ticket, data)

    async def request_erasure(self, identity: ChatIdentity, *, idempotency_key: str) -> None:
        """``POST /privacy/erasure-requests``: erase the caller's conversations (GDPR)."""
        await self._request(
            "POST", "/privacy/erasure-requests", identity, json={}, idempotency_key=idempotency_key
        )

    async def get_line_consumption(
        self, identity: ChatIdentity, line_id: int, *, month: str
    ) -> Consumption:
        """``GET /lines/{id}/consumption``: one line's usage for ``month`` (YYYY-MM)."""
        data = await self._request(
            "GET", f"/lines/{line_id}/consumption", identity, params={"month": month}
        )
        return _parse(Consumption, data)

    async def get_fleet_consumption(
        self, identity: ChatIdentity, *, month: str, top: int = 3
    ) -> FleetConsumption:
        """``GET /consumption``: fleet totals and top consumers (fleet managers only)."""
        data = await self._request(
            "GET", "/consumption", identity, params={"month": month, "top": top}
        )
        return _parse(FleetConsumption, data)

    # -- activation, SIM and eSIM (engineer B) --

    async def check_sim(self, identity: ChatIdentity, iccid: str) -> None:
        """``GET /sims/check``: a new SIM of this company's stock, unused (422 with the reason)."""
        await self._request("GET", "/sims/check", identity, params={"iccid": iccid})

    async def resend_esim(
        self, identity: ChatIdentity, line_id: int, *, idempotency_key: str
    ) -> EsimResent:
        """``POST /lines/{id}/esim/resend``: mail the eSIM QR code again (409 if not pending)."""
        data = await self._request(
            "POST",
            f"/lines/{line_id}/esim/resend",
            identity,
            json={},
            idempotency_key=idempotency_key,
        )
        return _parse(EsimResent, data)

    # -- access: forgotten password, registration e-mail (actions/access.py) --

    async def request_password_reset(self, identity: ChatIdentity, *, gsm: str) -> None:
        """``POST /auth/password-reset``: a reset link for the account of ``gsm``, if any.

        The backend answers the same whether the number has an account or not. No
        Idempotency-Key (there is no account to scope it to), so it is never retried.
        """
        await self._request("POST", "/auth/password-reset", identity, json={"gsm": gsm})

    async def request_own_password_reset(
        self, identity: ChatIdentity, *, idempotency_key: str
    ) -> PasswordResetSent:
        """``POST /me/password-reset``: a reset link for the account bound to this chat.

        Too many links for the account lately: ``RateLimitedError``.
        """
        data = await self._request(
            "POST", "/me/password-reset", identity, json={}, idempotency_key=idempotency_key
        )
        return _parse(PasswordResetSent, data)

    async def resend_registration_email(
        self, identity: ChatIdentity, line_id: int, *, idempotency_key: str
    ) -> RegistrationResent:
        """``POST /lines/{id}/registration-email``: the registration e-mail again, to the
        invited employee of a company line (fleet manager only; 409 ``no_portal_account`` or
        ``account_already_registered``)."""
        data = await self._request(
            "POST",
            f"/lines/{line_id}/registration-email",
            identity,
            json={},
            idempotency_key=idempotency_key,
        )
        return _parse(RegistrationResent, data)

    async def request_line_password_reset(
        self, identity: ChatIdentity, line_id: int, *, idempotency_key: str
    ) -> LineAccessSent:
        """``POST /lines/{id}/password-reset``: the link that lets the employee of a company line
        into the portal (fleet manager only). ``ConflictError`` ``no_portal_account`` (nobody
        invited: offer ``invite_line_user``) or ``no_email_on_account``; ``RateLimitedError``."""
        data = await self._request(
            "POST",
            f"/lines/{line_id}/password-reset",
            identity,
            json={},
            idempotency_key=idempotency_key,
        )
        return _parse(LineAccessSent, data)

    async def invite_line_user(
        self, identity: ChatIdentity, line_id: int, *, email: str, idempotency_key: str
    ) -> PortalInvitationSent:
        """``POST /lines/{id}/portal-invitation``: invite the employee of a company line to the
        portal at ``email`` (fleet manager only). ``InvalidRequestError`` ``email_invalid``;
        ``ConflictError`` ``account_already_registered`` or ``portal_login_taken``;
        ``RateLimitedError``."""
        data = await self._request(
            "POST",
            f"/lines/{line_id}/portal-invitation",
            identity,
            json={"email": email},
            idempotency_key=idempotency_key,
        )
        return _parse(PortalInvitationSent, data)

    async def list_activations(self, identity: ChatIdentity) -> list[PendingActivation]:
        """``GET /activations``: the fleet's lines waiting for eSIM confirmation or porting."""
        return _parse_list(PendingActivation, await self._request("GET", "/activations", identity))

    async def list_porting_requests(self, identity: ChatIdentity) -> list[PortingRequest]:
        """``GET /porting-requests``: the fleet's number transfers."""
        data = await self._request("GET", "/porting-requests", identity)
        return _parse_list(PortingRequest, data)

    # -- billing (issue #4: invoices, payment links, billing settings) --

    async def list_invoices(
        self, identity: ChatIdentity, *, status: str | None = None
    ) -> list[Invoice]:
        """``GET /invoices``: the caller's invoices, newest first (``open`` / ``paid``)."""
        params = {"status": status} if status else None
        data = await self._request("GET", "/invoices", identity, params=params)
        return _parse_list(Invoice, data)

    async def get_invoice(self, identity: ChatIdentity, invoice_id: int | str) -> Invoice:
        """``GET /invoices/{id}``: one invoice with its per-line detail (404 if not ours)."""
        return _parse(Invoice, await self._request("GET", f"/invoices/{invoice_id}", identity))

    async def create_invoice_download_link(
        self, identity: ChatIdentity, invoice_id: int | str, *, idempotency_key: str
    ) -> DocumentLink:
        """``POST /invoices/{id}/download-links``: a PDF link valid for this account only."""
        data = await self._request(
            "POST",
            f"/invoices/{invoice_id}/download-links",
            identity,
            json={},
            idempotency_key=idempotency_key,
        )
        return _parse(DocumentLink, data)

    async def create_invoice_payment_link(
        self, identity: ChatIdentity, invoice_id: int | str, *, idempotency_key: str
    ) -> DocumentLink:
        """``POST /invoices/{id}/payment-links``: the payment page (409 if already paid)."""
        data = await self._request(
            "POST",
            f"/invoices/{invoice_id}/payment-links",
            identity,
            json={},
            idempotency_key=idempotency_key,
        )
        return _parse(DocumentLink, data)

    async def get_billing_settings(self, identity: ChatIdentity) -> BillingSettings:
        """``GET /billing/settings``: payment method, direct-debit mandate, delivery method."""
        return _parse(BillingSettings, await self._request("GET", "/billing/settings", identity))

    # -- tickets, repairs, hardware shop (issue #4, helpdesk/repairs/shop engineer) --

    async def list_ticket_subjects(self, identity: ChatIdentity) -> list[TicketSubject]:
        """``GET /tickets/subjects``: the subjects a ticket can have."""
        data = await self._request("GET", "/tickets/subjects", identity)
        return _parse_list(TicketSubject, data)

    async def list_tickets(
        self, identity: ChatIdentity, *, status: str | None = None
    ) -> list[TicketDetail]:
        """``GET /tickets``: the caller's tickets, optionally only ``open`` ones."""
        params = {"status": status} if status else None
        data = await self._request("GET", "/tickets", identity, params=params)
        return _parse_list(TicketDetail, data)

    async def get_ticket(self, identity: ChatIdentity, ticket_id: int | str) -> TicketDetail:
        """``GET /tickets/{id}``: one ticket with its comments (404 if not the caller's)."""
        return _parse(TicketDetail, await self._request("GET", f"/tickets/{ticket_id}", identity))

    async def add_ticket_comment(
        self, identity: ChatIdentity, ticket_id: int | str, body: str, *, idempotency_key: str
    ) -> TicketComment:
        """``POST /tickets/{id}/comments``: add a comment to one of the caller's tickets."""
        data = await self._request(
            "POST",
            f"/tickets/{ticket_id}/comments",
            identity,
            json={"body": body},
            idempotency_key=idempotency_key,
        )
        return _parse(TicketComment, data)

    async def list_repairs(self, identity: ChatIdentity) -> list[Repair]:
        """``GET /repairs``: the caller's repair requests (fleet manager: the company's)."""
        return _parse_list(Repair, await self._request("GET", "/repairs", identity))

    async def search_devices(self, identity: ChatIdentity, *, q: str) -> list[Device]:
        """``GET /catalog/devices?q=``: devices matching free words (brand, cheap, GB, rugged)."""
        data = await self._request("GET", "/catalog/devices", identity, params={"q": q})
        return _parse_list(Device, data)

    async def get_device(self, identity: ChatIdentity, device_id: int | str) -> Device:
        """``GET /catalog/devices/{id}``: one device with its variants."""
        return _parse(Device, await self._request("GET", f"/catalog/devices/{device_id}", identity))

    async def get_cart(self, identity: ChatIdentity) -> Cart:
        """``GET /cart``: the account's cart."""
        return _parse(Cart, await self._request("GET", "/cart", identity))

    async def add_cart_item(
        self,
        identity: ChatIdentity,
        *,
        device_id: int | str,
        colour: str,
        storage_gb: int,
        quantity: int,
        for_line_id: int | None,
        idempotency_key: str,
    ) -> Cart:
        """``POST /cart/items``: 409 ``out_of_stock`` (``details.alternatives``), 422 variant."""
        body: dict[str, Any] = {
            "device_id": device_id,
            "colour": colour,
            "storage_gb": storage_gb,
            "quantity": quantity,
        }
        if for_line_id is not None:
            body["for_line_id"] = for_line_id
        data = await self._request(
            "POST", "/cart/items", identity, json=body, idempotency_key=idempotency_key
        )
        return _parse(Cart, data)

    async def set_cart_quantity(
        self, identity: ChatIdentity, item_id: int | str, quantity: int, *, idempotency_key: str
    ) -> Cart:
        """``PATCH /cart/items/{id}``: 409 ``out_of_stock`` (``details.alternatives``)."""
        data = await self._request(
            "PATCH",
            f"/cart/items/{item_id}",
            identity,
            json={"quantity": quantity},
            idempotency_key=idempotency_key,
        )
        return _parse(Cart, data)

    async def remove_cart_item(
        self, identity: ChatIdentity, item_id: int | str, *, idempotency_key: str
    ) -> Cart:
        """``DELETE /cart/items/{id}``: the cart without that item."""
        data = await self._request(
            "DELETE", f"/cart/items/{item_id}", identity, idempotency_key=idempotency_key
        )
        return _parse(Cart, data)

    async def list_orders(self, identity: ChatIdentity) -> list[Order]:
        """``GET /orders``: the caller's hardware orders, newest first."""
        return _parse_list(Order, await self._request("GET", "/orders", identity))

    # -- Slack / Teams account linking (issue #5) --

    async def link_platform_account(
        self,
        identity: ChatIdentity,
        *,
        platform: str,
        workspace_id: str,
        user_id: str,
        code: str,
    ) -> int:
        """``POST /chat/links``: bind this Slack/Teams user to the account of a portal code.

        A bad, used or expired code is a 400 ``link_code_invalid``, raised as a
        ``BackendUnavailableError`` with that ``code`` (the caller tells the user).
        """
        data = await self._request(
            "POST",
            "/chat/links",
            identity,
            json={
                "platform": platform,
                "workspace_id": workspace_id,
                "user_id": user_id,
                "code": code,
            },
        )
        account_id = data.get("account_id") if isinstance(data, dict) else None
        if not isinstance(account_id, int):
            raise BackendUnavailableError("malformed answer")
        return account_id

    # -- live handoff (issue #5) --

    async def handoff_availability(self, identity: ChatIdentity) -> HandoffAvailability:
        """``GET /handoffs/availability``: support hours and whether they are now."""
        data = await self._request("GET", "/handoffs/availability", identity)
        return _parse(HandoffAvailability, data)

    async def create_handoff(
        self,
        identity: ChatIdentity,
        *,
        language: str,
        reason: str,
        transcript: list[dict[str, Any]],
        collected: dict[str, Any],
        conversation_ref: dict[str, Any] | None,
    ) -> HandoffState:
        """``POST /handoffs``: queue this conversation for an agent (the backend knows who).

        Outside support hours: ``ConflictError`` with code ``outside_support_hours``.
        """
        data = await self._request(
            "POST",
            "/handoffs",
            identity,
            json={
                "language": language,
                "reason": reason,
                "transcript": transcript,
                "collected": collected,
                "conversation_ref": conversation_ref,
            },
        )
        return _parse(HandoffState, data)

    async def relay_to_agent(self, identity: ChatIdentity, text: str) -> HandoffState:
        """``POST /handoffs/current/messages``: the user's message, for the agent.

        Once the agent handed back or closed: ``ConflictError`` ``handoff_not_active``.
        """
        data = await self._request(
            "POST", "/handoffs/current/messages", identity, json={"text": text}
        )
        return _parse(HandoffState, data)

    async def cancel_handoff(self, identity: ChatIdentity) -> HandoffState:
        """``POST /handoffs/current/cancel``: stop waiting for an agent.

        Once an agent has the conversation: ``ConflictError`` ``handoff_active``.
        """
        data = await self._request("POST", "/handoffs/current/cancel", identity, json={})
        return _parse(HandoffState, data)

    # -- plumbing --

    async def _request(
        self,
        method: str,
        path: str,
        identity: ChatIdentity,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        headers = {
            "X-Service-Key": self._service_key,
            "X-Chat-Channel": identity.channel,
            "X-Chat-Sender": identity.sender_id,
            "Accept": "application/json",
        }
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        # Re-sending is safe for a read, or for a write the backend can recognise by its key.
        retry_safe = method == "GET" or bool(idempotency_key)
        budget = _TURN_BUDGETS.for_identity(identity, self._timeout)
        attempt = 0
        while True:
            attempt += 1
            remaining = budget.remaining()
            if remaining <= 0:
                logger.warning("Backend %s %s: this message's %ss are spent", method, path, budget)
                raise BackendUnavailableError("backend time budget spent")
            started = time.monotonic()
            try:
                # httpx timeouts apply per phase; wait_for bounds the whole exchange.
                response = await asyncio.wait_for(
                    self._send(
                        method, path, headers=headers, params=params, json=json, timeout=remaining
                    ),
                    timeout=remaining,
                )
            except (asyncio.TimeoutError, httpx.TimeoutException) as exc:
                logger.warning("Backend %s %s timed out after %.1fs", method, path, remaining)
                raise BackendUnavailableError("backend timed out") from exc
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                # No answer at all: refused, reset, or closed after the backend may have
                # committed. Only a retry that the backend replays can tell which.
                if not retry_safe or attempt == _MAX_ATTEMPTS:
                    logger.warning("Backend %s %s failed: %r", method, path, exc)
                    raise BackendUnavailableError("backend unreachable") from exc
                logger.info("Backend %s %s: %r, retry %s", method, path, exc, attempt)
            except httpx.HTTPError as exc:
                logger.warning("Backend %s %s failed: %r", method, path, exc)
                raise BackendUnavailableError("backend unreachable") from exc
            else:
                return _decode(method, path, response)
            finally:
                budget.spend(time.monotonic() - started)
            pause = max(0.0, min(_RETRY_PAUSES[attempt - 1], budget.remaining()))
            await asyncio.sleep(pause)
            budget.spend(pause)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str],
        params: dict[str, Any] | None,
        json: Any,
        timeout: float,
    ) -> httpx.Response:
        # A client per call: never bound to a finished event loop. Its TLS context is shared,
        # because building one (loading the CA bundle) cost ~10 ms of CPU per call, the largest
        # item of the action server's CPU per turn (bench/results/turn_profile.md).
        async with httpx.AsyncClient(
            base_url=self._base_url,
            timeout=timeout,
            transport=self._transport,
            verify=_tls_context(),
        ) as client:
            return await client.request(
                method, API_PREFIX + path, headers=headers, params=params, json=json
            )


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """httpx's default verifying TLS context (certifi's CA bundle), built once per process."""
    return httpx.create_ssl_context()


def _decode(method: str, path: str, response: httpx.Response) -> Any:
    """Return the JSON body of a 2xx answer or raise the matching ``BackendError``."""
    status = response.status_code
    if response.is_success:
        try:
            return response.json()
        except ValueError as exc:
            logger.error("Backend %s %s answered %s with a non-JSON body", method, path, status)
            raise BackendUnavailableError("malformed JSON", status=status) from exc

    code = _error_code(response)
    if status == 401 and code == "chat_identity_unknown":
        raise IdentityUnknownError("chat identity unknown", status=status, code=code)
    if status == 403:
        raise ForbiddenError("forbidden", status=status, code=code)
    if status == 404:
        raise NotFoundError("not found", status=status, code=code)
    if status == 422:
        error = _error_body(response)
        field = error.get("field")
        details = error.get("details")
        raise InvalidRequestError(
            "invalid request",
            status=status,
            code=code,
            field=field if isinstance(field, str) else None,
            details=details if isinstance(details, dict) else None,
        )
    if status == 429:
        retry_after = response.headers.get("Retry-After", "")
        raise RateLimitedError(
            "rate limited",
            status=status,
            code=code,
            retry_after=int(retry_after) if retry_after.isdigit() else None,
        )
    if status == 409:
        details = _error_body(response).get("details")
        raise ConflictError(
            "conflict",
            status=status,
            code=code,
            details=details if isinstance(details, dict) else None,
        )
    if status == 401:
        # invalid_service_key: the deployment is misconfigured, not the user's fault.
        logger.error("Backend refused the action server's credentials (%s)", code)
    else:
        logger.error("Backend %s %s answered %s (%s)", method, path, status, code)
    raise BackendUnavailableError("unexpected backend answer", status=status, code=code)


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return dict(error) if isinstance(error, dict) else {}


def _error_code(response: httpx.Response) -> str | None:
    code = _error_body(response).get("code")
    return code if isinstance(code, str) else None


def _parse(model: type[T], data: Any) -> T:
    try:
        return TypeAdapter(model).validate_python(data)
    except ValidationError as exc:
        logger.error("Backend answer does not match %s: %s", model.__name__, exc)
        raise BackendUnavailableError("malformed answer") from exc


def _parse_list(model: type[T], data: Any) -> list[T]:
    try:
        return TypeAdapter(list[model]).validate_python(data)  # type: ignore[valid-type]
    except ValidationError as exc:
        logger.error("Backend answer is not a list of %s: %s", model.__name__, exc)
        raise BackendUnavailableError("malformed answer") from exc
