"""Send e-mails: always recorded in ``outbox_emails``; with MAIL_BACKEND=smtp also sent."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy.orm import Session

from backend.core.models import Language, utcnow
from backend.core.settings import Settings
from backend.mail.models import OutboxAttachment, OutboxEmail

logger = logging.getLogger(__name__)

_SMTP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Attachment:
    """A file to attach."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Mail:
    """A rendered e-mail ready to send."""

    to: str
    subject: str
    language: Language
    body_text: str
    body_html: str | None = None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


def _to_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="business-mobile.example")
    message["Content-Language"] = mail.language.value
    message.set_content(mail.body_text)
    if mail.body_html is not None:
        message.add_alternative(mail.body_html, subtype="html")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


def _send_smtp(message: EmailMessage, settings: Settings) -> None:
    with smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, timeout=_SMTP_TIMEOUT_SECONDS
    ) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        smtp.send_message(message)


def send_mail(session: Session, *, settings: Settings, mail: Mail) -> OutboxEmail:
    """Record ``mail`` in the outbox and, with the SMTP backend, send it now.

    The caller commits. SMTP errors propagate so that the business operation that wanted the
    mail (e.g. an invitation) is rolled back rather than silently losing the e-mail.
    """
    record = OutboxEmail(
        to=mail.to,
        subject=mail.subject,
        language=mail.language,
        body_text=mail.body_text,
        body_html=mail.body_html,
        backend=settings.mail_backend,
        attachments=[
            OutboxAttachment(filename=a.filename, content_type=a.content_type, content=a.content)
            for a in mail.attachments
        ],
    )
    session.add(record)
    session.flush()
    if settings.mail_backend == "smtp":
        _send_smtp(_to_message(mail, settings.smtp_from), settings)
        record.sent_at = utcnow()
        logger.info("Sent e-mail %s by SMTP", record.id)
    else:
        logger.info("Stored e-mail %s in the outbox", record.id)
    return record
