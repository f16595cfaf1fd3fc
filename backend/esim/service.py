"""eSIM profiles: issue, e-mail the QR code, resend, confirm.

The activation code only ever exists in memory while the e-mail is rendered; it is never logged
and never returned by the API.
"""

from __future__ import annotations

import io
import logging
import secrets
from datetime import timedelta

import qrcode
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.models import Language, utcnow
from backend.core.security import hash_secret
from backend.core.settings import Settings
from backend.esim.exceptions import ESimNotPending, ESimTokenInvalid
from backend.esim.models import ESimProfile, ESimStatus
from backend.fleet.models import Line, LineStatus, SimType
from backend.fleet.porting import activate_when_ready, lock_line
from backend.mail.service import Attachment, Mail, send_mail
from backend.mail.templates import render_email
from validation import OUR_ICCID_PREFIX, complete_iccid

logger = logging.getLogger(__name__)

SMDP_ADDRESS = "smdp.business-mobile.example"
CONFIRMATION_LIFETIME = timedelta(days=7)
QR_FILENAME = "esim-qr.png"
# eSIM profiles get ICCIDs from their own operator range.
_ESIM_ICCID_PREFIX = OUR_ICCID_PREFIX + "99"
_MATCHING_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


def activation_code(profile: ESimProfile) -> str:
    """The LPA activation code (a bearer secret: only for the e-mail)."""
    return f"LPA:1${profile.smdp_address}${profile.matching_id}"


def new_matching_id() -> str:
    """An unguessable matching id like ``7K2D-QX9M-4TNP-8WRA``."""
    raw = "".join(secrets.choice(_MATCHING_ID_ALPHABET) for _ in range(16))
    return "-".join(raw[index : index + 4] for index in range(0, 16, 4))


def new_esim_iccid(session: Session) -> str:
    """A free 19-digit ICCID of the operator's eSIM range (prefix 893203, Luhn check digit)."""
    while True:
        iccid = complete_iccid(
            _ESIM_ICCID_PREFIX + "".join(secrets.choice("0123456789") for _ in range(10))
        )
        taken = session.scalar(select(Line.id).where(Line.iccid == iccid)) or session.scalar(
            select(ESimProfile.id).where(ESimProfile.iccid == iccid)
        )
        if not taken:
            return iccid


def mask_email(email: str) -> str:
    """``jan.peeters@acme.be`` → ``j***@acme.be``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def qr_png(text: str) -> bytes:
    """A PNG QR code of ``text``."""
    image = qrcode.make(text)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def pending_profile(session: Session, line: Line) -> ESimProfile | None:
    """The line's eSIM profile waiting for confirmation, if any."""
    return session.scalar(
        select(ESimProfile)
        .where(ESimProfile.line_id == line.id, ESimProfile.status == ESimStatus.pending)
        .order_by(ESimProfile.id.desc())
    )


def cancel_pending(session: Session, line: Line) -> None:
    """Cancel the line's pending eSIM profiles (their links stop working)."""
    for old in session.scalars(
        select(ESimProfile).where(
            ESimProfile.line_id == line.id, ESimProfile.status == ESimStatus.pending
        )
    ):
        old.status = ESimStatus.cancelled


def issue_profile(
    session: Session,
    *,
    settings: Settings,
    line: Line,
    iccid: str,
    email: str,
    language: Language,
    send: bool = True,
) -> ESimProfile:
    """A new pending eSIM profile for ``line`` (older pending ones are cancelled), mailed."""
    cancel_pending(session, line)
    profile = ESimProfile(
        line_id=line.id,
        iccid=iccid,
        matching_id=new_matching_id(),
        smdp_address=SMDP_ADDRESS,
        email=email,
        language=language,
        # Replaced by the real token when the mail is sent; nobody knows this one.
        confirmation_token_hash=hash_secret(secrets.token_urlsafe(32)),
        token_expires_at=utcnow() + CONFIRMATION_LIFETIME,
        status=ESimStatus.pending,
        sent_count=0,
    )
    session.add(profile)
    session.flush()
    if send:
        send_profile_mail(session, settings=settings, profile=profile, line=line)
    return profile


def send_profile_mail(
    session: Session, *, settings: Settings, profile: ESimProfile, line: Line
) -> None:
    """E-mail the QR code and a fresh single-use confirmation link (older links stop working)."""
    token = secrets.token_urlsafe(32)
    profile.confirmation_token_hash = hash_secret(token)
    profile.token_expires_at = utcnow() + CONFIRMATION_LIFETIME
    profile.sent_count += 1
    code = activation_code(profile)
    subject, text, html = render_email(
        "esim",
        profile.language,
        user_name=line.user_name,
        msisdn=line.msisdn,
        smdp_address=profile.smdp_address,
        matching_id=profile.matching_id,
        link=f"{settings.base_url}/esim/confirm/{token}",
        expires_on=profile.token_expires_at.date().isoformat(),
    )
    send_mail(
        session,
        settings=settings,
        mail=Mail(
            to=profile.email,
            subject=subject,
            language=profile.language,
            body_text=text,
            body_html=html,
            attachments=(Attachment(QR_FILENAME, "image/png", qr_png(code)),),
        ),
    )
    session.flush()
    logger.info("eSIM mail %s sent for line %s", profile.sent_count, line.id)


def resend(session: Session, *, settings: Settings, line: Line) -> ESimProfile:
    """The manual's "Renvoyer l'e-SIM": the pending eSIM mail again, or for an eSIM in use (a
    new phone, a deleted profile) a fresh eSIM mailed to the address the current one went to.

    An installed eSIM cannot be downloaded a second time, so the fresh one has its own code;
    the line keeps running on the current eSIM until the end user confirms the new one
    (:func:`confirm` moves the line to it). 409 ``esim_not_pending`` for any other line.
    """
    profile = pending_profile(session, line)
    if profile is not None and line.status == LineStatus.pending_activation:
        send_profile_mail(session, settings=settings, profile=profile, line=line)
        return profile
    installed = session.scalars(
        select(ESimProfile)
        .where(ESimProfile.line_id == line.id, ESimProfile.status == ESimStatus.confirmed)
        .order_by(ESimProfile.confirmed_at.desc(), ESimProfile.id.desc())
    ).first()
    if installed is None or line.sim_type != SimType.esim or line.status != LineStatus.active:
        raise ESimNotPending
    return issue_profile(
        session,
        settings=settings,
        line=line,
        iccid=new_esim_iccid(session),
        email=installed.email,
        language=installed.language,
    )


def find_by_token(session: Session, *, token: str) -> ESimProfile:
    """The pending, unexpired profile of a confirmation token, else ESimTokenInvalid."""
    profile = session.scalar(
        select(ESimProfile).where(ESimProfile.confirmation_token_hash == hash_secret(token))
    )
    if (
        profile is None
        or profile.status != ESimStatus.pending
        or profile.token_expires_at < utcnow()
    ):
        raise ESimTokenInvalid
    return profile


def confirm(session: Session, *, token: str) -> ESimProfile:
    """Confirm the eSIM of a token: the line runs on it, and becomes active unless its number
    porting has not completed yet (then it does when the porting completes,
    :mod:`backend.fleet.porting`). Single use. Caller commits."""
    profile = find_by_token(session, token=token)
    line = lock_line(session, profile.line_id)
    session.refresh(profile)  # a twin request may have confirmed it while we waited
    if profile.status != ESimStatus.pending:
        raise ESimTokenInvalid
    profile.status = ESimStatus.confirmed
    profile.confirmed_at = utcnow()
    line.sim_type = SimType.esim
    line.iccid = profile.iccid
    session.flush()
    active = activate_when_ready(session, line)
    logger.info(
        "eSIM profile %s confirmed, line %s %s",
        profile.id,
        line.id,
        "active" if active else "waiting for its porting",
    )
    return profile
