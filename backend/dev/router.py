"""Routes: the local outbox (mounted only when MAIL_BACKEND=outbox)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from backend.core.db import SessionDep
from backend.core.errors import NotFound
from backend.dev.schemas import OutboxItem, OutboxMessage
from backend.mail.models import OutboxEmail

router = APIRouter(prefix="/dev", tags=["dev"])


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
def list_outbox(session: SessionDep) -> list[OutboxItem]:
    """E-mails produced by the backend, newest first."""
    emails = session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()))
    return [OutboxItem.model_validate(_item(email)) for email in emails]


@router.get("/outbox/{email_id}")
def read_outbox_message(email_id: int, session: SessionDep) -> OutboxMessage:
    """One e-mail with its text and HTML bodies."""
    email = session.get(OutboxEmail, email_id)
    if email is None:
        raise NotFound("No such e-mail.")
    return OutboxMessage.model_validate(
        {**_item(email), "body_text": email.body_text, "body_html": email.body_html}
    )
