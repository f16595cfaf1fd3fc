"""Proof: personal data typed in chat reaches no log file and is not in clear in the tracker store.

The real three services (Rasa at debug level, which logs every message, parse result and slot),
one scripted conversation per kind of personal data, then a byte search of the tracker database
and of every log file of the run for each value in the usual ways of writing it. The operations
themselves must have happened (checked in the backend), or the test would prove nothing.

Then erase-my-data: asked in chat, confirmed, and the bot-side job removes that person's
conversations from the tracker store, not another person's.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts.stack import RASA_PYTHON, ROOT, Stack
from tests.e2e.conftest import Chat, open_chat
from tests.e2e.test_fleet_activation import (
    attachment_bytes,
    decode_qr,
    free_acme_iccid,
    outbox,
    plan_named,
)
from tests.privacy.conftest import QUIET_SECONDS

pytestmark = pytest.mark.e2e

IBAN = "BE71 0961 2345 6769"
IMEI = "490154203237518"
# Typed by the user: an eSIM activation code and a card number (test card, Luhn-valid).
TYPED_LPA = "LPA:1$smdp.example-operator.be$7QX2-K9PL-4MZ8-RT35"
TYPED_CARD = "4111 1111 1111 1111"


def grouped(digits: str, sizes: list[int], separator: str) -> str:
    parts, start = [], 0
    for size in sizes:
        parts.append(digits[start : start + size])
        start += size
    return separator.join(part for part in parts if part)


def forms_of(kind: str, value: str) -> set[str]:
    """``value`` as people and programs write it (compact, grouped, national, URL-encoded)."""
    compact = re.sub(r"[\s\-./]", "", value)
    if kind == "phone":  # E.164 +324XXXXXXXX
        national = "0" + compact[3:]
        return {
            compact,
            compact.replace("+", "%2B"),
            "00" + compact[1:],
            national,
            grouped(national, [4, 2, 2, 2], " "),
            grouped(national, [4, 2, 2, 2], "."),
            "+32 " + grouped(compact[3:], [3, 2, 2, 2], " "),
        }
    if kind == "iban":
        return {compact, compact.lower(), grouped(compact, [4] * 8, " ")}
    if kind in ("iccid", "card"):
        return {compact, grouped(compact, [4] * 5, " "), grouped(compact, [4] * 5, "-")}
    if kind == "imei":
        return {compact, grouped(compact, [2, 6, 6, 1], "-"), grouped(compact, [2, 6, 6, 1], " ")}
    if kind == "email":
        return {value, value.replace("@", "%40")}
    if kind == "esim_code":  # the whole code, and its matching id alone
        return {value, value.replace("$", "%24"), value.split("$")[-1]}
    raise AssertionError(kind)


def files_of_the_run(stack: Stack) -> list[Path]:
    """The tracker database (and any journal of it) and every log file of the run."""
    tracker = Path(stack.env["TRACKER_DB"])
    files = [path for path in tracker.parent.glob(tracker.name + "*") if path.is_file()]
    return files + sorted(path for path in stack.log_dir.rglob("*") if path.is_file())


def found_in(files: list[Path], needles: dict[str, set[str]]) -> list[str]:
    """``kind: form in file`` for every form found (case-insensitive)."""
    hits = []
    for path in files:
        content = path.read_bytes().lower()
        for kind, forms in needles.items():
            hits += [
                f"{kind}: {form} in {path.name}"
                for form in forms
                if form.lower().encode() in content
            ]
    return hits


def tracker_rows(stack: Stack, *senders: str) -> int:
    with sqlite3.connect(stack.env["TRACKER_DB"]) as db:
        marks = ",".join("?" * len(senders))
        (count,) = db.execute(
            f"SELECT COUNT(*) FROM events WHERE sender_id IN ({marks})",  # noqa: S608 - only ?s
            senders,
        ).fetchone()
    return int(count)


def new_lines(chat: Chat, before: dict[int, Any]) -> list[dict[str, Any]]:
    return [line for line in chat.api("/lines") if line["id"] not in before]


def test_personal_data_typed_in_chat_is_in_no_log_and_never_in_clear_in_the_tracker(
    privacy_stack: Stack,
) -> None:
    manager = open_chat(privacy_stack, "0470 00 00 01", "acme-fleet-demo")
    employee = open_chat(privacy_stack, "+32 470 00 00 02", "acme-user-demo")
    # The e-mail has the form of a real address; the other values are read from the seed.
    email = "marie.dubois.privacy@acme-logistics.example"
    phone = next(line["msisdn"] for line in manager.api("/lines") if line["msisdn"][-1] == "3")
    iccid = free_acme_iccid(manager)
    lines_before = {line["id"]: line for line in manager.api("/lines")}
    mails_before = {mail["id"] for mail in outbox(manager)}

    # IBAN, in the direct debit form.
    manager.say("je voudrais payer par domiciliation")
    manager.say(IBAN)
    manager.say("Acme Logistics")
    manager.say("oui")
    # A phone number, in a consumption question (the bot looks the number up in the backend).
    national = grouped("0" + phone[3:], [4, 2, 2, 2], " ")
    assert national in manager.say(f"combien a consommé le {national} ce mois-ci ?")
    # An ICCID, in the physical SIM activation form.
    plan = plan_named(manager, "pro_start")
    manager.say("Je voudrais activer une nouvelle carte SIM physique")
    manager.say(iccid)
    manager.say("Marie Dubois")
    manager.say("un nouveau numéro")
    manager.say("non")
    assert iccid in manager.say(f"le forfait {plan['names']['fr']}")  # read back to the user
    manager.say("oui")
    # An e-mail address, in the eSIM activation form.
    manager.say(f"Ik wil een eSIM activeren voor {email}")
    manager.say("Lotte Verstraete")
    manager.say("een nieuw nummer")
    manager.say("nee")
    manager.say(plan["names"]["nl"])
    manager.say("ja")
    # An IMEI, in the repair form (end user).
    employee.say("mon téléphone est cassé")
    employee.say(IMEI)
    employee.say("l'écran est fissuré et le tactile ne répond plus")
    employee.say("au travail")
    employee.say("oui")
    # An eSIM activation code and a card number, typed for no good reason.
    employee.say(f"voici mon code d'activation {TYPED_LPA}")
    employee.say(f"ma carte de crédit est {TYPED_CARD}")

    # The operations happened: the values reached the backend.
    settings = manager.api("/billing/settings")
    assert settings["payment_method"] == "direct_debit"
    assert settings["mandate"]["iban_masked"].endswith("6769")
    created = new_lines(manager, lines_before)
    assert sorted(line["sim_type"] for line in created) == ["esim", "physical"]
    assert iccid in [line["iccid"] for line in created]
    [repair] = employee.api("/repairs")
    assert repair["imei_masked"] == f"{IMEI[:8]}****{IMEI[-3:]}"
    [mail] = [m for m in outbox(manager) if m["id"] not in mails_before and m["to"] == email]
    generated_code = decode_qr(attachment_bytes(manager, mail["id"], "esim-qr.png"))
    assert generated_code.startswith("LPA:1$")

    needles = {
        "iban": forms_of("iban", IBAN),
        "phone": forms_of("phone", phone),
        "iccid": forms_of("iccid", iccid),
        "email": forms_of("email", email),
        "imei": forms_of("imei", IMEI),
        "esim_code": forms_of("esim_code", TYPED_LPA) | forms_of("esim_code", generated_code),
        "card": forms_of("card", TYPED_CARD),
    }
    files = files_of_the_run(privacy_stack)
    assert {path.name for path in files} >= {"tracker.db", "backend.log", "actions.log", "rasa.log"}
    assert found_in(files, needles) == []

    # Not absent by accident: the tracker holds the conversation, masked and encrypted, and the
    # debug log of Rasa shows the masks where the values were.
    tracker = Path(privacy_stack.env["TRACKER_DB"]).read_bytes()
    for mask in (
        b"[IBAN]",
        b"[PHONE]",
        b"[ICCID]",
        b"[EMAIL]",
        b"[IMEI]",
        b"[ESIM-CODE]",
        b"[CARD]",
    ):
        assert mask in tracker, mask
    assert b"__encrypted__" in tracker
    rasa_log = (privacy_stack.log_dir / "rasa.log").read_bytes()
    assert b"[IBAN]" in rasa_log and b"[IMEI]" in rasa_log
    # The same search finds the values where they belong: the backend's own database.
    backend_db = Path(privacy_stack.env["DATABASE_URL"].removeprefix("sqlite:///"))
    backend_files = list(backend_db.parent.glob(backend_db.name + "*"))  # with its WAL
    assert len(found_in(backend_files, {"imei": {IMEI}, "email": {email}})) >= 2
    report = {kind: len(forms) for kind, forms in needles.items()}
    print(f"searched {sum(report.values())} forms of 7 kinds in {len(files)} files: {report}")


def run_privacy_jobs(stack: Stack) -> str:
    done = subprocess.run(
        [str(RASA_PYTHON), "-m", "bot.retention"],
        cwd=ROOT,
        env=stack.base_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return done.stderr


def pending_erasures(stack: Stack) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{stack.backend_url}/api/v1/privacy/erasure-requests/pending",
        headers={"X-Service-Key": "dev-action-service-key"},
        timeout=10.0,
    )
    response.raise_for_status()
    return list(response.json())


def test_erase_my_data_in_chat_removes_that_persons_conversations_only(
    privacy_stack: Stack,
) -> None:
    employee = open_chat(privacy_stack, "+32 470 00 00 02", "acme-user-demo")
    earlier = open_chat(privacy_stack, "+32 470 00 00 02", "acme-user-demo")  # another session
    manager = open_chat(privacy_stack, "0470 00 00 01", "acme-fleet-demo")
    earlier.say("hallo")
    manager.say("toon mijn lijnen")
    employee.say("in English please")

    assert "Do you confirm?" in employee.say("erase my data")
    assert "Done: your transcripts" in employee.say("yes")
    [request] = pending_erasures(privacy_stack)
    assert {s["sender_id"] for s in request["senders"]} >= {employee.sender_id, earlier.sender_id}
    assert manager.sender_id not in {s["sender_id"] for s in request["senders"]}
    assert tracker_rows(privacy_stack, employee.sender_id, earlier.sender_id) > 0

    # The job deletes once the conversations are quiet, and completes on a run finding nothing.
    for _ in range(4):
        time.sleep(QUIET_SECONDS + 1)
        log = run_privacy_jobs(privacy_stack)
        if not pending_erasures(privacy_stack):
            break
    assert pending_erasures(privacy_stack) == [], log
    assert tracker_rows(privacy_stack, employee.sender_id, earlier.sender_id) == 0
    assert tracker_rows(privacy_stack, manager.sender_id) > 0
    # The chat still works afterwards, from a fresh conversation.
    assert employee.say("hello").strip()
