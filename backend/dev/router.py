"""Routes: the local outbox (mounted only with MAIL_BACKEND=outbox, itself only in local mode).

The outbox holds registration and password-reset links, eSIM activation codes and confirmation
links: a helpdesk agent reads every e-mail, anyone else only those sent to their own address.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import ColumnElement, false, func, select, true

from backend.accounts.models import Account, Role
from backend.core.db import SessionDep
from backend.core.errors import NotFound
from backend.dev.schemas import OutboxItem, OutboxMessage
from backend.mail.models import OutboxEmail
from backend.principal import PersonDep

router = APIRouter(prefix="/dev", tags=["dev"])


def _readable_by(account: Account) -> ColumnElement[bool]:
    if account.role == Role.helpdesk_agent:
        return true()
    if not account.email:
        return false()
    return func.lower(OutboxEmail.to) == account.email.lower()


def _item(email: OutboxEmail) -> dict[str, object]:
    return {
        "id": email.id,
        "to": email.to,
        "subject": email.subject,
        "language": email.language,
        "created_at": email.created_at,
        "attachments": [attachment.filename for attachment in email.attachments],
    }


@router.get("/outbox")
def list_outbox(reader: PersonDep, session: SessionDep) -> list[OutboxItem]:
    """The e-mails the reader may see (an agent: all; anyone else: their own), newest first."""
    emails = session.scalars(
        select(OutboxEmail).where(_readable_by(reader)).order_by(OutboxEmail.id.desc())
    )
    return [OutboxItem.model_validate(_item(email)) for email in emails]


@router.get("/outbox/{email_id}")
def read_outbox_message(email_id: int, reader: PersonDep, session: SessionDep) -> OutboxMessage:
    """One e-mail with its text and HTML bodies (404 for someone else's: nothing is revealed)."""
    email = session.scalar(
        select(OutboxEmail).where(OutboxEmail.id == email_id, _readable_by(reader))
    )
    if email is None:
        raise NotFound("No such e-mail.")
    return OutboxMessage.model_validate(
        {**_item(email), "body_text": email.body_text, "body_html": email.body_html}
    )
