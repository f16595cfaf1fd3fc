"""Judging a natural-dialogue task (``bench/dialogues/FORMAT.md``) after the conversation.

- What the task *did*: :func:`effects` compares the backend database after the task with a
  :class:`Snapshot` taken before it (the backend's own SQLAlchemy models on the live SQLite file,
  read-only): operations executed (status ``done``), tickets, comments, repairs, orders, payment
  links, eSIM mails re-sent, handoffs, a role switch of the conversation, password-reset and
  registration e-mails in the outbox.
- Each ``operation:`` entry claims the effect it describes; ``operation: none`` passes when no
  effect is left unclaimed, and any unclaimed effect fails the task ("unexpected").
- ``answer:`` entries read the true figures through the backend's portal API as the task's user
  and look for them in the bot's replies, formatted with babel for the task's locale
  (:class:`Figures`: whitespace variants, GB/Go/MB, the precision the bot shows).
- ``mentions``: at least one of the words appears in the replies (case-insensitive).
- The language of every reply long enough to tell (:func:`wrong_language`, lingua).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import httpx
from babel.dates import format_date
from babel.numbers import format_decimal
from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import Account
from backend.billing.models import Invoice, InvoiceLink, LinkKind
from backend.chat.models import ChatSession
from backend.esim.models import ESimProfile
from backend.fleet.models import LineStatus
from backend.handoff.models import Handoff
from backend.mail.models import OutboxEmail
from backend.operations.models import Operation, OperationStatus
from backend.repairs.models import Repair
from backend.shop.models import Device, Order
from backend.tickets.models import Ticket, TicketComment

# The locales whose number formats a reply may use: Belgium's, and for English also the
# English-separator variant with the euro (en_IE: "3,411", "4.98 GB"), which the bot may prefer.
LOCALES = {"fr": ("fr_BE",), "nl": ("nl_BE",), "en": ("en_BE", "en_IE")}

# Responses that mean "I did not understand" (domain.yml): a read question answered only by one
# of these is not answered.
FALLBACK_UTTERANCES = frozenset(
    {
        "utter_default",
        "utter_ask_rephrase",
        "utter_ask_rephrase_suggestions",
        "utter_fallback_give_up",
        "utter_fallback_give_up_ticket",
        "utter_offer_agent",
    }
)

# Rows whose new ids are what a task did (the e-mails are sorted out below).
TRACKED: dict[str, Any] = {
    "operation": Operation,
    "ticket": Ticket,
    "ticket_comment": TicketComment,
    "repair": Repair,
    "order": Order,
    "invoice_link": InvoiceLink,
    "handoff": Handoff,
    "mail": OutboxEmail,
}

# Outbox e-mails that are an action of their own (the rest follow an operation: order, eSIM…):
# a registration link, or a new-password link. Both mention the password, so the registration
# (its /register/ link, "access" subject) is recognised first.
_REGISTRATION_SUBJECT = re.compile(r"inscri|registr|\bacc[eè]s\b|\baccess\b|toegang", re.I)
_PASSWORD = re.compile(r"password|mot de passe|wachtwoord", re.I)
_RESET = re.compile(
    r"reset|r[ée]initialis|oubli|forgot|vergeten|\bnew\b|nouveau|nieuw|opnieuw", re.I
)


def mail_kind(subject: str, body: str) -> str | None:
    """``registration_mail``, ``password_reset_mail`` or None (any other e-mail)."""
    if "/register/" in body or _REGISTRATION_SUBJECT.search(subject):
        return "registration_mail"
    for text in (subject, body):
        if _PASSWORD.search(text) and _RESET.search(text):
            return "password_reset_mail"
    return None


# --------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class Snapshot:
    """What the database holds before a task: the ids of the tracked rows, eSIM mail counts."""

    ids: dict[str, frozenset[Any]]
    esim_sent: dict[int, int]
    active_roles: dict[int, str]


def snapshot(session: Session) -> Snapshot:
    ids = {
        name: frozenset(session.scalars(select(model.id))) for name, model in TRACKED.items()
    }  # fmt: skip
    esim = {p.id: p.sent_count for p in session.scalars(select(ESimProfile))}
    roles = {a.id: a.active_role.value for a in session.scalars(select(Account))}
    return Snapshot(ids=ids, esim_sent=esim, active_roles=roles)


@dataclass(frozen=True)
class Effect:
    """One thing the task did, with the data an expect entry compares."""

    kind: str  # an operation type, or ticket, ticket_comment, repair, order, payment_link, …
    label: str
    data: dict[str, Any] = field(default_factory=dict)
    counts: bool = True  # False: the trace of a read (a PDF link), never "unexpected"


def _new(session: Session, before: Snapshot, name: str) -> list[Any]:
    model = TRACKED[name]
    rows = session.scalars(select(model).order_by(model.id))
    return [row for row in rows if row.id not in before.ids[name]]


def _operation_effect(op: Operation) -> Effect:
    params = op.params or {}
    shown = ", ".join(f"{k}={v}" for k, v in params.items() if v not in (None, [], {}, ""))
    return Effect(
        op.type.value,
        f"{op.type.value} on {op.msisdn or '-'} ({shown})",
        {"msisdn": op.msisdn, "params": params, "result": op.result or {}},
    )


def _order_items(session: Session, order: Order) -> list[dict[str, Any]]:
    items = []
    for item in order.items or []:
        device = session.get(Device, item.get("device_id"))
        items.append(
            {
                "device": device.code if device else item.get("name"),
                "colour": str(item.get("colour") or ""),
                "storage_gb": item.get("storage_gb"),
                "quantity": item.get("quantity"),
            }
        )
    return items


def _mail_effects(session: Session, before: Snapshot) -> list[Effect]:
    found = []
    for mail in _new(session, before, "mail"):
        kind = mail_kind(mail.subject, mail.body_text)
        if kind is None:
            continue  # an order confirmation, an eSIM QR code…: part of another effect
        found.append(Effect(kind, f"{kind} to {mail.to}: {mail.subject!r}", {"to": mail.to}))
    return found


def effects(session: Session, before: Snapshot, sender_id: str) -> list[Effect]:
    """Everything the task changed, compared with ``before``."""
    found = [
        _operation_effect(op)
        for op in _new(session, before, "operation")
        if op.status == OperationStatus.done
    ]
    for ticket in _new(session, before, "ticket"):
        data = {
            "subject": ticket.subject_code.value,
            "contact": ticket.contact_number,
            "number": ticket.number,
        }
        found.append(Effect("ticket", f"ticket {ticket.number} {data}", data))
    for comment in _new(session, before, "ticket_comment"):
        if comment.account_id is None:
            continue  # the helpdesk's answer, not the user's
        ticket = session.get(Ticket, comment.ticket_id)
        number = ticket.number if ticket else None
        found.append(Effect("ticket_comment", f"comment on {number}", {"reference": number}))
    for repair in _new(session, before, "repair"):
        data = {"msisdn": repair.msisdn, "imei": repair.imei, "number": repair.number}
        found.append(Effect("repair", f"repair {repair.number} {data}", data))
    for order in _new(session, before, "order"):
        items = _order_items(session, order)
        found.append(Effect("order", f"order {order.number} {items}", {"items": items}))
    for link in _new(session, before, "invoice_link"):
        invoice = session.get(Invoice, link.invoice_id)
        number = invoice.number if invoice else None
        payment = link.kind == LinkKind.payment
        found.append(
            Effect(f"{link.kind.value}_link", f"{link.kind.value} link for {number}",
                   {"invoice": number}, counts=payment)
        )  # fmt: skip
    installed_before = {
        p.line_id for p in session.scalars(select(ESimProfile)) if p.id in before.esim_sent
    }
    for profile in session.scalars(select(ESimProfile)):
        first = before.esim_sent.get(profile.id, 1)
        # Sent again, or (an eSIM in use: it cannot be downloaded twice) a fresh one mailed for
        # a line that had an eSIM before and is still running on it; a SIM replacement's new
        # eSIM leaves the line waiting for its confirmation instead.
        fresh = (
            profile.id not in before.esim_sent
            and profile.line_id in installed_before
            and profile.line is not None
            and profile.line.status == LineStatus.active
        )
        if profile.sent_count > first or fresh:
            msisdn = profile.line.msisdn if profile.line else None
            found.append(
                Effect("esim_resend", f"eSIM mail re-sent for {msisdn}", {"msisdn": msisdn})
            )
    for handoff in _new(session, before, "handoff"):
        data = {"sender": handoff.sender_id, "status": handoff.status.value}
        found.append(Effect("handoff", f"handoff ({handoff.status.value})", data))
    chat = session.scalar(select(ChatSession).where(ChatSession.sender_id == sender_id))
    if chat is not None and chat.active_role is not None:
        role = chat.active_role.value
        found.append(Effect("role_switch", f"conversation switched to {role}", {"to": role}))
    for account in session.scalars(select(Account)):
        if account.id not in before.active_roles:
            continue  # invited during the task: a new account, not a switch
        if account.active_role.value != before.active_roles[account.id]:
            role = account.active_role.value
            found.append(Effect("role_switch", f"account switched to {role}", {"to": role}))
    return _undone(found) + _mail_effects(session, before)


def _undone(found: list[Effect]) -> list[Effect]:
    """A SIM blocked and unblocked again in the same task ("forget it, she found it") changed
    nothing: neither operation counts."""
    unblocked = {e.data.get("msisdn") for e in found if e.kind == "unblock_sim"}
    return [
        replace(e, counts=False)
        if e.kind in ("block_sim", "unblock_sim") and e.data.get("msisdn") in unblocked
        else e
        for e in found
    ]


# --------------------------------------------------------------------------- expect: operations


def e164(value: Any) -> str:
    """+32470000004 from "+32470000004", "0470 00 00 04", "32470000004"."""
    digits = re.sub(r"\D", "", str(value))
    if digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = "32" + digits[1:]
    return f"+{digits}"


def _plain(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


def _compact(value: Any) -> str:
    return re.sub(r"\s+", "", str(value)).upper()


def _codes(value: Any) -> set[str]:
    if value is None:
        return set()
    return {str(v) for v in (value if isinstance(value, list) else [value])}


Check = tuple[str, Any, Any]  # (name, expected, actual)


def _mismatches(checks: Iterable[Check]) -> list[str]:
    return [f"{name} {actual!r} ≠ {expected!r}" for name, expected, actual in checks
            if expected != actual]  # fmt: skip


def _op_checks(entry: dict[str, Any], effect: Effect) -> list[Check]:
    """(name, expected, actual) for every parameter the entry gives."""
    p, op = effect.data.get("params", {}), entry["operation"]
    checks: list[Check] = []
    if "line" in entry:
        checks.append(("line", e164(entry["line"]), effect.data.get("msisdn")))
    if op in ("activate_line", "replace_sim"):
        if "sim_type" in entry:
            checks.append(("sim_type", entry["sim_type"], p.get("sim_type")))
        if "reason" in entry:  # FORMAT.md's "other" is the backend's "switch"
            reason = p.get("reason")
            checks.append(("reason", entry["reason"], "other" if reason == "switch" else reason))
        if "iccid" in entry:
            checks.append(("iccid", re.sub(r"\D", "", str(entry["iccid"])), p.get("iccid")))
        if "email" in entry:
            checks.append(("email", _plain(entry["email"]), _plain(p.get("email") or "")))
    if op == "activate_line":
        number = p.get("number") or {}
        if "user_name" in entry:
            checks.append(("user_name", _plain(entry["user_name"]), _plain(p.get("end_user_name"))))
        if "keep_number" in entry:
            kept = e164(number["msisdn"]) if number.get("mode") == "port" else "a new number"
            checks.append(("keep_number", e164(entry["keep_number"]), kept))
        if "number_type" in entry:
            checks.append(("number_type", entry["number_type"], number.get("number_type")))
        if "plan" in entry:
            checks.append(("plan", entry["plan"], p.get("plan_code")))
        if "split_bill" in entry:
            checks.append(("split_bill", bool(entry["split_bill"]), bool(p.get("split_bill"))))
    elif op == "change_plan":
        checks.append(("plan", entry.get("plan"), p.get("plan_code")))
    elif op == "change_options":
        checks.append(("add", _codes(entry.get("add")), _codes(p.get("add"))))
        checks.append(("remove", _codes(entry.get("remove")), _codes(p.get("remove"))))
    elif op == "change_barrings":
        checks.append(("bar", _codes(entry.get("bar")), _codes(p.get("block"))))
        checks.append(("unbar", _codes(entry.get("unbar")), _codes(p.get("unblock"))))
    elif op == "direct_debit" and entry.get("action") == "start":
        if "iban" in entry:
            checks.append(("iban", _compact(entry["iban"]), _compact(p.get("iban") or "")))
        if "holder" in entry:
            checks.append(("holder", _plain(entry["holder"]), _plain(p.get("holder") or "")))
    elif op == "invoice_delivery":
        wanted = (
            "email_sms" if str(entry.get("method")).startswith("email") else entry.get("method")
        )
        checks.append(("method", wanted, p.get("delivery_method")))
    elif op == "repair" and "imei" in entry:
        checks.append(("imei", re.sub(r"\D", "", str(entry["imei"])), effect.data.get("imei")))
    elif op == "ticket":
        if "subject" in entry:
            checks.append(("subject", entry["subject"], effect.data.get("subject")))
        if "contact" in entry:
            checks.append(("contact", e164(entry["contact"]), effect.data.get("contact")))
    elif op == "ticket_comment" and entry.get("reference"):
        wanted, actual = _compact(entry["reference"]), _compact(effect.data.get("reference"))
        checks.append(("reference", wanted, actual))
    elif op == "payment_link":
        checks.append(("invoice", _compact(entry.get("invoice")),
                       _compact(effect.data.get("invoice"))))  # fmt: skip
    elif op == "order":
        wanted, actual = entry.get("items") or [], effect.data["items"]
        checks.append(("items", _shown(wanted), _shown(wanted if _items_match(wanted, actual)
                                                        else actual)))  # fmt: skip
    elif op == "role_switch":
        checks.append(("to", entry.get("to"), effect.data.get("to")))
    return checks


def _item_matches(wanted: dict[str, Any], item: dict[str, Any]) -> bool:
    """An order line as the entry gives it: device, and colour, storage, quantity if given."""
    return (
        str(wanted.get("device")) == str(item.get("device"))
        and ("colour" not in wanted or _plain(wanted["colour"]) == _plain(item.get("colour")))
        and ("storage_gb" not in wanted or int(wanted["storage_gb"]) == item.get("storage_gb"))
        and int(wanted.get("quantity") or 1) == int(item.get("quantity") or 1)
    )


def _by_variant(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order lines of the same device, colour and storage added up: two lines of one phone,
    each for an employee's line, are the "2 ×" an entry asks for (entries name no line)."""
    merged: dict[tuple[str, str, Any], dict[str, Any]] = {}
    for item in items:
        key = (str(item.get("device")), _plain(item.get("colour")), item.get("storage_gb"))
        if key in merged:
            merged[key]["quantity"] += int(item.get("quantity") or 1)
        else:
            merged[key] = {**item, "quantity": int(item.get("quantity") or 1)}
    return list(merged.values())


def _items_match(wanted: list[dict[str, Any]], actual: list[dict[str, Any]]) -> bool:
    """The same order lines, whatever their order (each actual line used once)."""
    left = _by_variant(actual)
    for item in wanted:
        found = next((i for i in left if _item_matches(item, i)), None)
        if found is None:
            return False
        left.remove(found)
    return not left


def _shown(items: list[dict[str, Any]]) -> list[str]:
    return sorted(
        f"{i.get('quantity') or 1}× {i.get('device')} {i.get('colour', '')} "
        f"{i.get('storage_gb', '')}".strip()
        for i in items
    )


def _effect_kinds(entry: dict[str, Any]) -> tuple[str, ...]:
    """The effect kinds an ``operation:`` entry is about."""
    op = str(entry["operation"])
    if op == "direct_debit":
        return ("stop_direct_debit",) if entry.get("action") == "stop" else ("setup_direct_debit",)
    return {
        "invoice_delivery": ("change_delivery_method",),
        "order": ("order",),
        "repair": ("repair",),
        "resend_esim": ("esim_resend",),
        "password_reset": ("password_reset_mail",),
        "registration_resend": ("registration_mail",),
    }.get(op, (op,))


def _mail_to(entry: dict[str, Any], accounts: dict[str, str]) -> str | None:
    return accounts.get(e164(entry.get("gsm", "")))


def judge_operation(
    entry: dict[str, Any],
    found: list[Effect],
    claimed: set[int],
    accounts: dict[str, str],
    unregistered: frozenset[str] = frozenset(),
) -> str | None:
    """Claim the effect ``entry`` describes; None when it is there, else why not.

    ``accounts`` maps the GSM numbers of accounts to their e-mail address after the task;
    ``unregistered`` holds those whose account was never registered (invited, with no password
    yet): for them a password reset is the registration e-mail, the only way to choose one.
    """
    op = str(entry["operation"])
    kinds = _effect_kinds(entry)
    if op == "password_reset" and e164(entry.get("gsm", "")) in unregistered:
        kinds = ("registration_mail",)
    candidates = [i for i, e in enumerate(found) if e.kind in kinds and i not in claimed]
    if op in ("password_reset", "registration_resend"):
        address = _mail_to(entry, accounts)
        if address is None:
            return f"{op}: no account with GSM {entry.get('gsm')!r} or no e-mail address"
        candidates = [i for i in candidates if _plain(found[i].data["to"]) == _plain(address)]
        if not candidates:
            return f"{op}: no {kinds[0].replace('_', ' ')} to {address} in the outbox"
    if op == "handoff":
        candidates = [i for i in candidates if found[i].data["status"] in ("waiting", "active")]
    if not candidates:
        return f"{op}: not done"
    mismatches: list[str] = []
    for index in candidates:
        wrong = _mismatches(_op_checks(entry, found[index]))
        if not wrong:
            claimed.add(index)
            _claim_companions(op, found, claimed, found[index])
            return None
        mismatches.append("; ".join(wrong))
    return f"{op}: done with other parameters ({' | '.join(mismatches)})"


def _claim_companions(op: str, found: list[Effect], claimed: set[int], main: Effect) -> None:
    """Effects that are part of the main one: the old SIM blocked with a SIM replacement, the
    request_repair / place_order operation behind a repair / order row."""
    companions = {
        "replace_sim": "block_sim",
        "repair": "request_repair",
        "order": "place_order",
    }
    kind = companions.get(op)
    for index, effect in enumerate(found):
        if effect.kind != kind or index in claimed:
            continue
        if op == "replace_sim" and effect.data.get("msisdn") != main.data.get("msisdn"):
            continue
        claimed.add(index)
        if op != "replace_sim":
            return


# --------------------------------------------------------------------------- expect: answers


def fold(text: str) -> str:
    """No-break and thin spaces as plain spaces, case folded."""
    return re.sub(r"[\u00a0\u202f\u2009\u2007]", " ", text).casefold()


def digits_joined(text: str) -> str:
    """Phone numbers written with spaces, dots or slashes as bare digits: "0470000003"."""
    return re.sub(r"(?<=\d)[ ./\u00a0\u202f]+(?=\d)", "", text)


@dataclass(frozen=True)
class Figures:
    """Numbers as the bot may write them in the task's locales, looked for in the replies."""

    language: str
    replies: tuple[str, ...]  # every bot reply of the task

    @property
    def text(self) -> str:
        return "\n".join(self.replies)

    @property
    def locales(self) -> tuple[str, ...]:
        return LOCALES[self.language]

    def replies_with(self, code: str) -> list[str]:
        """The replies that name ``code`` (an invoice number…), whatever its spacing."""
        return [r for r in self.replies if _compact(code) in _compact(r)]

    def _present(self, forms: Iterable[str]) -> bool:
        haystack = fold(self.text)
        for form in {fold(f) for f in forms}:
            if re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d]|[.,]\d)", haystack):
                return True
        return False

    def _formats(self, value: Any, *patterns: str | None) -> list[str]:
        """``value`` written with each pattern (None: the locale's own) in each locale."""
        return [
            format_decimal(value, format=pattern, locale=locale)
            for locale in self.locales
            for pattern in patterns
        ]

    def count(self, value: Any) -> bool:
        n = int(value)
        return self._present([*self._formats(n, None), str(n)])

    def money(self, value: Any) -> bool:
        amount = Decimal(str(value))
        forms = self._formats(amount, "#,##0.00", "0.00")
        if amount == amount.to_integral_value():
            forms += self._formats(amount, "#,##0")
        return self._present(forms)

    def data(self, megabytes: Any) -> bool:
        """Any of MB, or GB (1024 or 1000 MB) with 0-2 decimals; units are not required."""
        mb = float(megabytes)
        if mb <= 0:
            return self._present(["0"])
        forms = [*self._formats(round(mb), None), str(round(mb))]
        for decimals in (0, 1, 2):
            for divisor in (1024, 1000):
                gb = round(mb / divisor, decimals)
                forms += self._formats(gb, "#,##0" + ("." + "#" * decimals if decimals else ""))
        return self._present(forms)

    def day(self, iso_day: str) -> bool:
        day = date.fromisoformat(iso_day[:10])
        patterns = ("d MMMM yyyy", "dd MMMM yyyy", "d MMM yyyy", "dd MMM yyyy", "d MMMM",
                    "dd/MM/yyyy", "d/MM/yyyy")  # fmt: skip
        forms = [format_date(day, p, locale=loc) for p in patterns for loc in self.locales]
        return any(fold(form) in fold(self.text) for form in [*forms, day.isoformat()])

    def line(self, line: dict[str, Any], text: str | None = None) -> bool:
        """The line's number (any spacing) or its user's name, in ``text`` or any reply."""
        text = self.text if text is None else text
        national = "0" + str(line["msisdn"]).removeprefix("+32")
        joined = digits_joined(text)
        names = [n for n in (line.get("user_name"), line.get("label")) if n]
        return (
            national in joined
            or str(line["msisdn"]) in joined
            or any(fold(str(n)) in fold(text) for n in names)
        )


Api = Callable[..., Any]  # api(path, **query) → JSON, as the task's user


def _month(entry: dict[str, Any]) -> dict[str, str]:
    return {"month": str(entry["month"])} if entry.get("month") else {}


def _find_line(api: Api, value: Any) -> dict[str, Any]:
    lines = api("/lines", msisdn=e164(value))
    if not lines:
        raise LookupError(f"line {value} is not visible to this user")
    return dict(lines[0])


def _invoice(api: Api, number: Any) -> dict[str, Any]:
    for invoice in api("/invoices"):
        if _compact(invoice["number"]) == _compact(number):
            return dict(api(f"/invoices/{invoice['id']}"))
    raise LookupError(f"invoice {number} is not visible to this user")


def _missing(checks: Iterable[tuple[str, bool]]) -> list[str]:
    return [name for name, ok in checks if not ok]


def _usage_checks(f: Figures, usage: dict[str, Any]) -> list[tuple[str, bool]]:
    return [
        (f"calls {usage['voice_minutes']} min", f.count(usage["voice_minutes"])),
        (f"SMS {usage['sms']}", f.count(usage["sms"])),
        (f"data {usage['data_mb']} MB", f.data(usage["data_mb"])),
    ]


# Whether an invoice is paid, as the replies say it ("not paid" is checked first).
_UNPAID = {
    "fr": r"pas (encore )?(été )?pay|non pay|impay|ouverte|à payer",
    "nl": r"niet betaald|nog niet|onbetaald|openstaand|\bopen\b",
    "en": r"(?:not|n['’]t) (?:been )?(?:yet )?paid|unpaid|\bopen\b|outstanding",
}
_PAID = {"fr": r"pay[ée]", "nl": r"betaald", "en": r"\bpaid\b"}
# A line waiting for its activation or number transfer, as the replies say it.
_PENDING = {
    "fr": r"en attente|en cours|pas encore (été )?activ|portage|transfert",
    "nl": r"wacht|nog niet (geactiveerd|actief)|overdracht|overzetting|overgezet|overgedragen",
    "en": r"pending|waiting|not (yet )?active|transfer|porting",
}


def judge_answer(entry: dict[str, Any], api: Api, f: Figures, utterances: list[str]) -> str | None:
    """None when the replies carry the true answer, else what is missing."""
    key = str(entry["answer"])
    try:
        missing = _answer_missing(key, entry, api, f)
    except LookupError as error:
        return f"answer {key}: {error}"
    except httpx.HTTPStatusError as error:
        return f"answer {key}: the API answered {error.response.status_code} {error.response.text}"
    if missing is None:  # nothing checkable in the data: at least not a fallback
        if utterances and all(u in FALLBACK_UTTERANCES for u in utterances):
            return f"answer {key}: the bot did not understand (only fallback replies)"
        return None
    return f"answer {key}: missing {', '.join(missing)}" if missing else None


def _answer_missing(key: str, entry: dict[str, Any], api: Api, f: Figures) -> list[str] | None:
    """What the replies lack (empty: all there); None when the data has nothing to look for."""
    if key == "consumption_line":
        line = _find_line(api, entry["line"])
        return _missing(_usage_checks(f, api(f"/lines/{line['id']}/consumption", **_month(entry))))
    if key == "consumption_fleet":
        return _missing(_usage_checks(f, api("/consumption", **_month(entry))["totals"]))
    if key == "top_data":
        lines = api("/consumption", **_month(entry))["lines"]
        top = max(lines, key=lambda usage: usage["data_mb"])
        return _missing([(f"top line {top['msisdn']}", f.line(top)),
                         (f"its data {top['data_mb']} MB", f.data(top["data_mb"]))])  # fmt: skip
    if key == "lines_list":
        lines = [ln for ln in api("/lines") if not entry.get("plan")
                 or ln["plan"]["code"] == entry["plan"]]  # fmt: skip
        shown = [ln for ln in lines if f.line(ln)]
        # A long list may stop after the first ones when it says how many there are.
        if len(shown) == len(lines) or (f.count(len(lines)) and len(shown) >= min(10, len(lines))):
            return []
        return [f"{len(lines) - len(shown)} of {len(lines)} lines"]
    if key == "invoices_list":
        invoices = [i for i in api("/invoices") if entry.get("status") in (None, i["status"])]
        return _missing(
            (f"{i['number']} ({i['amount_incl_vat']})",
             i["number"] in f.text and f.money(i["amount_incl_vat"]))
            for i in invoices
        )  # fmt: skip
    if key == "invoice_explain":
        invoice = _invoice(api, entry["invoice"])
        total, net = invoice["amount_incl_vat"], invoice["amount_excl_vat"]
        return _missing([(f"total {total}", f.money(total)), (f"excl. VAT {net}", f.money(net))])
    if key == "invoice_pdf":
        invoice = _invoice(api, entry["invoice"])
        link = re.search(r"https?://\S+/documents/invoices/\S+", f.text)
        return _missing([(f"a PDF link for {invoice['number']}", link is not None)])
    if key == "invoice_paid":
        invoice = _invoice(api, entry["invoice"])
        about = "\n".join(f.replies_with(invoice["number"]))
        unpaid = re.search(_UNPAID[f.language], about, re.I) is not None
        paid = not unpaid and re.search(_PAID[f.language], about, re.I) is not None
        verdict = "paid" if paid else "unpaid" if unpaid else "nothing"
        ok = (invoice["status"] == "paid") == paid and verdict != "nothing"
        return [] if ok else [f"status {invoice['status']} (the replies say: {verdict})"]
    if key == "activation_status":
        line = {"msisdn": e164(entry["line"])}
        pending = [a for a in api("/activations") if a["msisdn"] == line["msisdn"]]
        naming = [r for r in f.replies if f.line(line, r)]
        state = any(re.search(_PENDING[f.language], r, re.I) for r in naming)
        checks = [(f"line {entry['line']}", bool(naming))]
        if pending:
            checks.append(("its pending state, in a reply naming it", state))
        porting = pending[0].get("porting_request") if pending else None
        if porting and porting.get("expected_date"):
            checks.append((f"expected date {porting['expected_date']}",
                           f.day(porting["expected_date"])))  # fmt: skip
        return _missing(checks)
    if key in ("order_status", "repair_status"):
        rows = api("/orders" if key == "order_status" else "/repairs")
        if not rows:
            return None
        latest = max(rows, key=lambda row: row["id"])
        return _missing([(f"number {latest['number']}", _compact(latest["number"])
                          in _compact(f.text))])  # fmt: skip
    if key == "ticket_status":
        tickets = [t for t in api("/tickets") if t["status"] not in ("closed", "resolved")]
        if not tickets:
            return None
        return _missing((t["number"], _compact(t["number"]) in _compact(f.text)) for t in tickets)
    if key == "how_to":
        return None
    raise LookupError(f"unknown answer key {key!r}")


def judge_mentions(entry: dict[str, Any], text: str) -> str | None:
    words = entry.get("mentions")
    if not words:
        return None
    words = [str(w) for w in (words if isinstance(words, list) else [words])]
    if any(fold(w) in fold(text) for w in words):
        return None
    label = entry.get("answer") or entry.get("operation")
    return f"{label}: none of {words} in the replies"


# --------------------------------------------------------------------------- language

_LINGUA = {Language.FRENCH: "fr", Language.DUTCH: "nl", Language.ENGLISH: "en"}
# Data, not language: e-mail addresses, links, anything with a digit, amounts.
_NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|\S*\d\S*|[€•·—–:;()«»\"'!?.,/+*-]")
MIN_WORDS = 6  # shorter replies ("OK.", a name, a list of numbers) are not judged
MIN_CONFIDENCE = 0.8


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_LINGUA).build()


def _strip_names(text: str, names: Iterable[str]) -> str:
    for name in names:
        text = re.sub(re.escape(name), " ", text, flags=re.I)
    return text


def reply_language(text: str, names: Iterable[str] = ()) -> str | None:
    """The language of one reply when it is long and clear enough, else None."""
    words = _NOT_WORDS.sub(" ", _strip_names(text, names)).split()
    if len(words) < MIN_WORDS:
        return None
    values = _detector().compute_language_confidence_values(" ".join(words))
    if not values or values[0].value < MIN_CONFIDENCE:
        return None
    return _LINGUA.get(values[0].language)


def wrong_language(replies: Iterable[str], language: str, names: Iterable[str] = ()) -> list[str]:
    """The replies clearly written in another language than ``language``."""
    names = list(names)
    wrong = []
    for reply in replies:
        found = reply_language(reply, names)
        if found is not None and found != language:
            wrong.append(f"[{found}] {_shorten(reply)}")
    return wrong


def _shorten(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
