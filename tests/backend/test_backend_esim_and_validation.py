"""eSIM by e-mail (QR, confirmation page, resend), ICCID/e-mail/IBAN/number validation."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.esim.models import ESimProfile
from backend.fleet.models import LineStatus, SimType
from backend.mail.models import OutboxEmail
from tests.backend.ops_helpers import (
    ACME_BLOCKED_SIM,
    ACME_FREE_SIMS,
    BRUGGE_FREE_SIM,
    OPS,
    confirm,
    error_code,
    line_by_msisdn,
    new_key,
    prepare,
)

ESIM_ACTIVATION = {
    "sim_type": "esim",
    "email": "jan.peeters@acme.example",
    "end_user_name": "Jan Peeters",
    "end_user_language": "fr",
    "number": {"mode": "new"},
    "plan_code": "pro_smart",
}


def _latest_mail(session: Session) -> OutboxEmail:
    mail = session.scalar(select(OutboxEmail).order_by(OutboxEmail.id.desc()))
    assert mail is not None
    return mail


def _decode_qr(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert results, "no QR code found"
    text: str = results[0].text
    return text


def _link_path(mail: OutboxEmail) -> str:
    match = re.search(r"http://testserver(/esim/confirm/[\w-]+)", mail.body_text)
    assert match is not None
    return match.group(1)


def _assert_no_activation_code(answers: list[Any], profile: ESimProfile) -> None:
    for answer in answers:
        text = answer.text if isinstance(answer, httpx.Response) else str(answer)
        assert "LPA:1" not in text
        assert profile.matching_id not in text


async def test_esim_activation_mails_a_qr_code_and_waits_for_confirmation(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    prepared = await prepare(client, fleet_manager, "activate_line", params=ESIM_ACTIVATION)
    done = await confirm(client, fleet_manager, prepared.json()["id"])

    result = done.json()["result"]
    assert result["status"] == "pending_esim_confirmation"
    assert prepared.json()["summary"]["esim_confirmation_required"] is True
    line = line_by_msisdn(db_session, result["msisdn"])
    assert (line.status, line.sim_type) == (LineStatus.pending_activation, SimType.esim)
    mail = _latest_mail(db_session)
    assert mail.to == "jan.peeters@acme.example"
    assert mail.language.value == "fr" and "Votre eSIM" in mail.subject
    (attachment,) = mail.attachments
    assert (attachment.filename, attachment.content_type) == ("esim-qr.png", "image/png")
    code = _decode_qr(attachment.content)
    profile = db_session.scalar(select(ESimProfile).where(ESimProfile.line_id == line.id))
    assert profile is not None
    assert code == f"LPA:1$smdp.business-mobile.example${profile.matching_id}"

    answers = [
        prepared,
        done,
        await client.get(f"{OPS}/{prepared.json()['id']}", headers=fleet_manager),
        await client.get(f"/api/v1/lines/{line.id}", headers=fleet_manager),
        await client.get("/api/v1/lines", headers=fleet_manager),
        await client.get("/api/v1/activations", headers=fleet_manager),
    ]
    _assert_no_activation_code(answers, profile)

    path = _link_path(mail)
    page = await client.get(path)
    assert page.status_code == 200 and "<form" in page.text and "Confirmer" in page.text
    assert line_by_msisdn(db_session, result["msisdn"]).status == LineStatus.pending_activation

    confirmed = await client.post(path)
    reused = await client.post(path)
    page_after = await client.get(path)

    assert confirmed.status_code == 200 and 'id="done"' in confirmed.text
    assert line_by_msisdn(db_session, result["msisdn"]).status == LineStatus.active
    assert reused.status_code == 400 and 'id="invalid"' in reused.text
    assert page_after.status_code == 400


async def test_esim_mail_uses_the_company_language_by_default(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    params = {**ESIM_ACTIVATION, "end_user_language": None}
    prepared = await prepare(client, fleet_manager, "activate_line", params=params)
    await confirm(client, fleet_manager, prepared.json()["id"])

    mail = _latest_mail(db_session)
    assert mail.language.value == "nl" and "Uw eSIM" in mail.subject


async def test_esim_sim_replacement_by_the_end_user_mails_a_new_code(
    client: httpx.AsyncClient, end_user: dict[str, str], db_session: Session
) -> None:
    own = line_by_msisdn(db_session, "+32470000002")
    prepared = await prepare(
        client,
        end_user,
        "replace_sim",
        line_id=own.id,
        params={"reason": "switch", "sim_type": "esim", "email": "julie@acme.example"},
    )
    done = await confirm(client, end_user, prepared.json()["id"])

    assert done.json()["result"]["status"] == "pending_activation"
    mail = _latest_mail(db_session)
    assert mail.to == "julie@acme.example" and mail.language.value == "fr"  # Julie's language
    profile = db_session.scalar(select(ESimProfile).where(ESimProfile.line_id == own.id))
    assert profile is not None
    _assert_no_activation_code([prepared, done], profile)
    assert _decode_qr(mail.attachments[0].content).startswith("LPA:1$")


async def test_resend_sends_a_new_mail_for_a_pending_esim_only(
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
    end_user: dict[str, str],
    brugge_manager: dict[str, str],
    db_session: Session,
) -> None:
    pending = line_by_msisdn(db_session, "+32470000023")
    active = line_by_msisdn(db_session, "+32470000004")  # a physical SIM: no eSIM to send

    def resend(line_id: int, headers: dict[str, str]) -> Any:
        return client.post(
            f"/api/v1/lines/{line_id}/esim/resend",
            headers={**headers, "Idempotency-Key": new_key()},
        )

    sent = await resend(pending.id, fleet_manager)
    mail = _latest_mail(db_session)
    path = _link_path(mail)
    sent_again = await resend(pending.id, fleet_manager)
    not_pending = await resend(active.id, fleet_manager)
    by_end_user = await resend(pending.id, end_user)
    by_brugge = await resend(pending.id, brugge_manager)

    assert sent.status_code == 202 and sent.json() == {"sent_to": "a***@acme-logistics.example"}
    assert mail.to == "arne.declercq@acme-logistics.example" and mail.language.value == "nl"
    assert _decode_qr(mail.attachments[0].content).startswith("LPA:1$smdp.")
    assert sent_again.status_code == 202 and _latest_mail(db_session).id == mail.id + 1
    assert (not_pending.status_code, error_code(not_pending)) == (409, "esim_not_pending")
    assert by_end_user.status_code == 404 and by_brugge.status_code == 404
    # Each mail carries a new link; the older one no longer works.
    assert (await client.get(path)).status_code == 400
    assert (await client.post(_link_path(_latest_mail(db_session)))).status_code == 200
    assert line_by_msisdn(db_session, "+32470000023").status == LineStatus.active


async def test_resend_for_an_esim_in_use_mails_a_fresh_one_and_the_line_keeps_running(
    client: httpx.AsyncClient, fleet_manager: dict[str, str], db_session: Session
) -> None:
    # Jan changed phones: his installed eSIM cannot be downloaded again.
    jan = line_by_msisdn(db_session, "+32470000003")
    old_iccid = jan.iccid

    sent = await client.post(
        f"/api/v1/lines/{jan.id}/esim/resend",
        headers={**fleet_manager, "Idempotency-Key": new_key()},
    )

    assert sent.status_code == 202 and sent.json() == {"sent_to": "j***@acme-logistics.example"}
    mail = _latest_mail(db_session)
    assert mail.to == "jan.peeters@acme-logistics.example"
    assert _decode_qr(mail.attachments[0].content).startswith("LPA:1$smdp.")
    db_session.expire_all()
    assert line_by_msisdn(db_session, "+32470000003").status == LineStatus.active
    assert line_by_msisdn(db_session, "+32470000003").iccid == old_iccid
    # Confirmed on the new phone: the line runs on the new eSIM, still active.
    assert (await client.post(_link_path(mail))).status_code == 200
    db_session.expire_all()
    after = line_by_msisdn(db_session, "+32470000003")
    assert after.status == LineStatus.active and after.iccid != old_iccid


async def test_unknown_confirmation_token_shows_a_clear_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/esim/confirm/not-a-token")

    assert response.status_code == 400 and 'id="invalid"' in response.text


@pytest.mark.parametrize(
    ("iccid", "code", "details"),
    [
        ("89320311000000000AB", "iccid_not_numeric", None),
        ("893203110000000", "iccid_wrong_length", {"length": 15}),
        ("8944110000000000015", "iccid_not_ours", {"prefix": "894411"}),
        (
            "8932031100000000016",
            "iccid_check_digit",
            {"check_digit": "6", "expected_check_digit": "5"},
        ),
        (BRUGGE_FREE_SIM, "iccid_unknown", None),
        ("8932032024700000043", "iccid_in_use", None),  # Lotte Maes's SIM (+32470000004)
        (ACME_BLOCKED_SIM, "iccid_blocked", None),
    ],
)
async def test_sim_check_explains_what_is_wrong(
    iccid: str,
    code: str,
    details: dict[str, Any] | None,
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
    db_session: Session,
) -> None:
    if code == "iccid_in_use":
        assert line_by_msisdn(db_session, "+32470000004").iccid == iccid
    checked = await client.get("/api/v1/sims/check", params={"iccid": iccid}, headers=fleet_manager)
    activation = await prepare(
        client,
        fleet_manager,
        "activate_line",
        params={
            "sim_type": "physical",
            "iccid": iccid,
            "end_user_name": "X",
            "plan_code": "pro_start",
        },
    )

    for response in (checked, activation):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert (error["code"], error["field"]) == (code, "iccid")
        assert error.get("details") == details


async def test_sim_check_accepts_a_sim_of_our_stock(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    response = await client.get(
        "/api/v1/sims/check", params={"iccid": ACME_FREE_SIMS[0]}, headers=fleet_manager
    )

    assert response.json() == {"valid": True}


BASE = {
    "sim_type": "physical",
    "iccid": ACME_FREE_SIMS[0],
    "end_user_name": "Nina Claes",
    "plan_code": "pro_smart",
}
BILLING = {
    "name": "Nina Claes",
    "street": "Veldstraat 1",
    "postal_code": "9000",
    "city": "Gent",
    "email": "nina@example.com",
    "iban": "BE71096123456769",
}


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({**BASE, "sim_type": "esim", "email": "not-an-address"}, "email_invalid", "email"),
        (
            {
                **BASE,
                "number": {
                    "mode": "port",
                    "msisdn": "02 123 45 67",
                    "number_type": "professional",
                    "current_customer_number": "1234567",
                },
            },
            "msisdn_invalid",
            "number.msisdn",
        ),
        (
            {
                **BASE,
                "number": {
                    "mode": "port",
                    "msisdn": "+32470000005",
                    "number_type": "professional",
                    "current_customer_number": "1234567",
                },
            },
            "msisdn_already_ours",
            "number.msisdn",
        ),
        (
            {
                **BASE,
                "number": {
                    "mode": "port",
                    "msisdn": "0478 12 34 56",
                    "number_type": "residential",
                    "current_sim_number": "12345",
                },
            },
            "current_sim_number_invalid",
            "number.current_sim_number",
        ),
        (
            {
                **BASE,
                "number": {
                    "mode": "port",
                    "msisdn": "0478 12 34 56",
                    "number_type": "professional",
                    "current_customer_number": "AB",
                },
            },
            "current_customer_number_invalid",
            "number.current_customer_number",
        ),
        ({**BASE, "split_bill": True}, "billing_required", "billing"),
        (
            {**BASE, "split_bill": True, "billing": {**BILLING, "iban": "BE71096123456768"}},
            "iban_invalid",
            "billing.iban",
        ),
        (
            {**BASE, "split_bill": True, "billing": {**BILLING, "email": "x@"}},
            "email_invalid",
            "billing.email",
        ),
        ({**BASE, "plan_code": "gold"}, "plan_unknown", "plan_code"),
        ({**BASE, "option_codes": ["gold"]}, "option_unknown", "option_codes"),
        (
            {k: v for k, v in BASE.items() if k != "end_user_name"},
            "params_invalid",
            "end_user_name",
        ),
    ],
)
async def test_activation_rejects_invalid_input(
    params: dict[str, Any],
    code: str,
    field: str,
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
) -> None:
    response = await prepare(client, fleet_manager, "activate_line", params=params)

    assert response.status_code == 422, response.text
    assert (error_code(response), response.json()["error"]["field"]) == (code, field)


async def test_split_bill_activation_shows_masked_iban_and_bank(
    client: httpx.AsyncClient, fleet_manager: dict[str, str]
) -> None:
    response = await prepare(
        client,
        fleet_manager,
        "activate_line",
        params={**BASE, "split_bill": True, "billing": BILLING},
    )

    billing = response.json()["summary"]["billing"]
    assert billing["iban"] == "BE71 **** **** 6769"
    assert billing["bank"] == "BELFIUS BANQUE"


@pytest.mark.parametrize(
    ("number", "number_type"),
    [
        (
            {
                "msisdn": "0478 12 34 56",
                "number_type": "residential",
                "current_sim_number": "8932101234567890123",
            },
            "residential",
        ),
        (
            {
                "msisdn": "+32 478 12 34 57",
                "number_type": "professional",
                "current_customer_number": "1234567",
            },
            "professional",
        ),
    ],
)
async def test_porting_activation_creates_a_readable_porting_request(
    number: dict[str, str],
    number_type: str,
    client: httpx.AsyncClient,
    fleet_manager: dict[str, str],
    brugge_manager: dict[str, str],
    db_session: Session,
) -> None:
    prepared = await prepare(
        client,
        fleet_manager,
        "activate_line",
        params={**BASE, "number": {"mode": "port", **number}},
    )
    assert prepared.status_code == 201, prepared.text
    done = await confirm(client, fleet_manager, prepared.json()["id"])

    result = done.json()["result"]
    assert result["status"] == "pending_porting"
    request = await client.get(
        f"/api/v1/porting-requests/{result['porting_request_id']}", headers=fleet_manager
    )
    assert request.json()["status"] == "requested"
    assert request.json()["number_type"] == number_type
    assert request.json()["msisdn"] == result["msisdn"]
    hidden = await client.get(
        f"/api/v1/porting-requests/{result['porting_request_id']}", headers=brugge_manager
    )
    assert hidden.status_code == 404
