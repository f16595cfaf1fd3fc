"""Natural-dialogue evaluation (``make eval-dialogues``): play every task of a set against the real
stack and judge it by the backend's state and the bot's replies.

Run with the app venv from the repo root::

    PYTHONPATH=. .venv-app/bin/python bench/eval_dialogues.py --set set1
    PYTHONPATH=. .venv-app/bin/python bench/eval_dialogues.py --set /tmp/devset --only fr-001

The task format is ``bench/dialogues/FORMAT.md``. The three services start once
(``tests.stack_fixtures.fresh_stack``: free ports, a temporary SQLite database migrated and seeded,
a tracker store of their own). Before each task the database is restored from a pristine copy
made right after seeding (SQLite's backup API into the live file, then compared with the copy
table by table); each task logs in as its user through the portal's login form and talks through
the backend's web chat gateway, in the new conversation that login opens (``--via rest``: the API
login, ``POST /chat/sessions`` and Rasa's REST channel, as in the README). After each bot turn the
tracker (Rasa's HTTP API) says what the bot asks (``bench/dialogues_tasks.py``); the task's answer
of that kind is sent, or its interjection at that kind first; a side question whose step never
came (a confirmation the bot does not ask) is asked at the end. ``bench/dialogues_judge.py``
judges the outcome. Results: ``bench/results/eval_dialogues_<set>.md`` (+ ``.json``) and
``eval_dialogues_<set>_failures.md`` (the transcript of every failed task).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import yaml
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

import backend.models  # noqa: F401 - every model registered, for the relationships
from backend.accounts.models import Account, AccountStatus
from backend.chat.models import ChatSession
from backend.companies.models import Company
from backend.fleet.models import Line
from backend.portal.models import PortalSession
from backend.repairs.models import Repair
from backend.shop.models import Device, DeviceVariant, Order
from bench import dialogues_judge as judge
from bench.dialogues_tasks import Ask, Task, last_turn_utterances, load_set, what_is_asked
from bench.model_cache import cached_model
from scripts.chat_session import open_session
from scripts.stack import DEMO_LOGINS, Stack
from tests.stack_fixtures import fresh_stack

logger = logging.getLogger("bench.eval_dialogues")

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "bench" / "dialogues"
RESULTS = ROOT / "bench" / "results"
# Sets nobody tuning the bot may read: their transcripts stay out of git.
SEALED_SETS = frozenset(
    {
        "set2",
        "set3",
        "set4",
        "set6",
        "set10",
        "set13",
        "set15",
        "set16",
        "set19",
        "set22",
        "set24",
        "set26",
        "set28",
        "set29",
    }
)
SEALED_TRANSCRIPTS = ROOT / "var" / "eval-dialogues"
MAX_USER_MESSAGES = 25
# The same question answered this many times with the same text: the answer is not understood.
MAX_SAME_ANSWER = 3
USER_GSM = {
    "acme_fleet_manager": "+32470000001",
    "acme_end_user": "+32470000002",
    "brugge_fleet_manager": "+32470000051",
}
PASSWORDS = {gsm: password for _, gsm, password in DEMO_LOGINS}


# --------------------------------------------------------------------------- database state


def readonly_engine(path: Path) -> Engine:
    """The backend's database read with its own models, never written (``mode=ro``)."""
    return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")


def fingerprint(path: Path) -> dict[str, str]:
    """Table → hash of all its rows in rowid order: equal fingerprints, equal content."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        tables = [row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]  # fmt: skip
        prints = {}
        for table in tables:
            digest = hashlib.sha256()
            for row in db.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):  # noqa: S608
                digest.update(repr(row).encode())
            prints[table] = digest.hexdigest()
        return prints


def copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup of ``source`` into ``target`` (the live file, under the backend's
    open connections: the copy is one write transaction that they see as such)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


class ResetError(Exception):
    """The database could not be brought back to the seeded state: the run stops."""


@dataclass
class SeededState:
    """The live database of the stack and the pristine copy it is restored from."""

    live: Path
    pristine: Path
    expected: dict[str, str] = field(default_factory=dict)

    def keep(self) -> None:
        copy_database(self.live, self.pristine)
        self.expected = fingerprint(self.pristine)

    def restore(self) -> None:
        copy_database(self.pristine, self.live)
        now = fingerprint(self.live)
        if now != self.expected:
            changed = sorted(t for t in self.expected.keys() | now.keys()
                             if now.get(t) != self.expected.get(t))  # fmt: skip
            raise ResetError(f"database not reset, tables differ: {changed}")


def check_reset(stack: Stack, state: SeededState) -> None:
    """A change made through the backend is gone, for the backend, after a restore."""
    gsm = USER_GSM["acme_fleet_manager"]
    token, _ = open_session(stack.backend_url, gsm, PASSWORDS[gsm])
    auth = {"Authorization": f"Bearer {token}"}
    url = f"{stack.backend_url}/api/v1/me"
    httpx.put(f"{url}/active-role", json={"role": "end_user"}, headers=auth).raise_for_status()
    if httpx.get(url, headers=auth).json()["active_role"] != "end_user":
        raise ResetError("the role switch of the reset check did not happen")
    state.restore()
    token, _ = open_session(stack.backend_url, gsm, PASSWORDS[gsm])
    role = httpx.get(url, headers={"Authorization": f"Bearer {token}"}).json()["active_role"]
    if role != "fleet_manager":
        raise ResetError(f"the backend still sees the change after a restore ({role})")
    state.restore()


# --------------------------------------------------------------------------- conversations


@dataclass
class Reply:
    texts: list[str]
    unavailable: bool = False  # the gateway's "assistant not answering" system message


class Channel(Protocol):
    sender_id: str
    token: str

    def say(self, text: str) -> Reply: ...

    def close(self) -> None: ...


class WebChat:
    """The portal's login form and web chat gateway, as the widget uses them (cookie + CSRF)."""

    def __init__(self, stack: Stack, engine: Engine, gsm: str, password: str) -> None:
        self.client = httpx.Client(base_url=stack.backend_url, timeout=60.0)
        login = self.client.post("/portal/login", data={"gsm": gsm, "password": password})
        if login.status_code != 303:
            raise RuntimeError(f"portal login of {gsm} failed: {login.status_code}")
        self.csrf = self.client.get("/portal/session").json()["csrf_token"]
        # The cookie names the portal session (its payload is ours to read); the sender id stays
        # on the server, so it is read from the database for the tracker.
        payload = self.client.cookies["bm_portal"].split(".")[1]
        portal_id = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sid"]
        with Session(engine) as session:
            portal = session.get(PortalSession, int(portal_id))
            if portal is None:
                raise RuntimeError("portal session not found")
            chat = session.get(ChatSession, portal.chat_session_id)
            if chat is None:
                raise RuntimeError("chat session not found")
            self.sender_id = chat.sender_id
        self.token = api_token(stack, gsm, password)

    def close(self) -> None:
        self.client.close()

    def say(self, text: str) -> Reply:
        response = self.client.post(
            "/portal/chat/messages", json={"text": text}, headers={"X-CSRF-Token": self.csrf}
        )
        response.raise_for_status()
        messages = response.json()["messages"][1:]  # the first one is the user's
        return Reply(
            texts=[m["text"] for m in messages if m["author"] == "bot" and m["text"]],
            unavailable=any(m["author"] == "system" for m in messages),
        )


def api_token(stack: Stack, gsm: str, password: str) -> str:
    """A Bearer token of the API login, to read the true figures as the task's user."""
    login = httpx.post(
        f"{stack.backend_url}/api/v1/auth/login", json={"gsm": gsm, "password": password}
    )
    login.raise_for_status()
    return str(login.json()["access_token"])


class RestChat:
    """The README's way: API login, a chat session, Rasa's REST channel."""

    def __init__(self, stack: Stack, gsm: str, password: str) -> None:
        self.url = f"{stack.rasa_url}/webhooks/rest/webhook"
        self.token, self.sender_id = open_session(stack.backend_url, gsm, password)

    def close(self) -> None:
        pass

    def say(self, text: str) -> Reply:
        response = httpx.post(
            self.url, json={"sender": self.sender_id, "message": text}, timeout=60
        )
        response.raise_for_status()
        return Reply(texts=[r["text"] for r in response.json() if r.get("text")])


@dataclass
class Turn:
    user: str
    role: str  # opening | answer <kind> | side question at <kind>|the end | change at <kind>
    replies: list[str]
    utterances: list[str]
    asked: Ask | None


@dataclass
class Dialogue:
    turns: list[Turn] = field(default_factory=list)
    failure: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def replies(self) -> list[str]:
        return [reply for turn in self.turns for reply in turn.replies]


def tracker(stack: Stack, sender_id: str) -> dict[str, Any]:
    response = httpx.get(
        f"{stack.rasa_url}/conversations/{sender_id}/tracker",
        params={"token": stack.base_env()["RASA_AUTH_TOKEN"]},
        timeout=30.0,
    )
    response.raise_for_status()
    return dict(response.json())


def play(task: Task, chat: Channel, stack: Stack) -> Dialogue:
    """Talk until the bot asks nothing more (or fails to be answered)."""
    dialogue = Dialogue()
    pending = list(task.interjections)
    text, role = task.opening, "opening"
    same = 0
    last_sent: tuple[Ask, str] | None = None
    while True:
        try:
            reply = chat.say(text)
            state = tracker(stack, chat.sender_id)
        except httpx.HTTPError as error:
            dialogue.turns.append(Turn(text, role, [], [], None))
            dialogue.failure = f"no answer: {type(error).__name__}: {error}"
            break
        asked = what_is_asked(state)
        utterances = last_turn_utterances(state)
        dialogue.turns.append(Turn(text, role, reply.texts, utterances, asked))
        if reply.unavailable:
            dialogue.failure = "the gateway says the assistant did not answer (Rasa down/slow)"
            break
        if asked is None:
            break
        if asked.kind is None:
            dialogue.failure = f"bot asks {asked.source}: no question kind maps to it"
            break
        if len(dialogue.turns) >= MAX_USER_MESSAGES:
            dialogue.failure = f"still asking ({asked.kind}) after {MAX_USER_MESSAGES} messages"
            break
        due = next((i for i in pending if i.at == asked.kind), None)
        if due is not None:
            pending.remove(due)
            text, role = due.text, f"{due.kind.replace('_', ' ')} at {asked.kind}"
            same, last_sent = 0, None
            continue
        answer = task.answers.get(asked.kind)
        if answer is None:
            dialogue.failure = f"bot asks {asked.kind} ({asked.source}): the task has no answer"
            break
        same = same + 1 if last_sent == (asked, answer) else 1
        last_sent = (asked, answer)
        if same > MAX_SAME_ANSWER:
            dialogue.failure = f"bot asks {asked.kind} again after {MAX_SAME_ANSWER} answers"
            break
        text, role = answer, f"answer {asked.kind}"
    # A side question written for a step the bot skipped (a confirmation it does not ask) is
    # still what this user wants to know: they ask it once the task is done. A change of mind
    # about a step that never came has nothing left to change.
    for late in [i for i in pending if i.kind == "side_question" and dialogue.failure is None]:
        pending.remove(late)
        try:
            reply = chat.say(late.text)
            state = tracker(stack, chat.sender_id)
        except httpx.HTTPError as error:
            dialogue.failure = f"no answer: {type(error).__name__}: {error}"
            break
        dialogue.turns.append(
            Turn(late.text, "side question at the end", reply.texts,
                 last_turn_utterances(state), what_is_asked(state))
        )  # fmt: skip
    dialogue.notes += [f"interjection at {i.at} never used (never asked)" for i in pending]
    dialogue.notes += [
        f"side question {turn.user!r} got no answer (only a fallback or the question again)"
        for turn in dialogue.turns
        if turn.role.startswith("side question")
        and not any(
            u not in judge.FALLBACK_UTTERANCES and not u.startswith("utter_ask")
            for u in turn.utterances
        )
    ]
    return dialogue


# --------------------------------------------------------------------------- one task


@dataclass
class Result:
    task: Task
    dialogue: Dialogue
    reasons: list[str]
    effects: list[str]
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.reasons


def api_reader(stack: Stack, token: str) -> judge.Api:
    def api(path: str, **query: str) -> Any:
        response = httpx.get(
            f"{stack.backend_url}/api/v1{path}",
            params=query,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30.0,
        )
        response.raise_for_status()
        return response.json()

    return api


def proper_names(session: Session) -> list[str]:
    """Names that say nothing about a reply's language (users, labels, companies and their
    streets and towns, devices and their colours, the addresses users gave for deliveries and
    repairs: an order summary is mostly those)."""
    names = {n for line in session.scalars(select(Line)) for n in (line.user_name, line.label)}
    for company in session.scalars(select(Company)):
        names |= {company.name, company.street, company.city}
    for device in session.scalars(select(Device)):
        names |= {device.name, device.brand, device.model}
    names |= {variant.colour for variant in session.scalars(select(DeviceVariant))}
    given = [order.delivery_address for order in session.scalars(select(Order))]
    given += [repair.address for repair in session.scalars(select(Repair))]
    for address in given:
        if isinstance(address, dict):
            names |= {str(address.get("street") or ""), str(address.get("city") or "")}
    return sorted((n for n in names if n), key=len, reverse=True)


def judge_task(
    task: Task, dialogue: Dialogue, found: list[judge.Effect], api: judge.Api, session: Session
) -> list[str]:
    reasons = [dialogue.failure] if dialogue.failure else []
    text = "\n".join(dialogue.replies)
    figures = judge.Figures(task.language, tuple(dialogue.replies))
    utterances = [u for turn in dialogue.turns for u in turn.utterances]
    everyone = list(session.scalars(select(Account)))
    accounts = {a.gsm: a.email or "" for a in everyone if a.email}
    unregistered = frozenset(a.gsm for a in everyone if a.status == AccountStatus.pending)
    claimed: set[int] = set()
    expects_none = False
    for entry in task.expect:
        if entry.get("operation") == "none":
            expects_none = True
        elif "operation" in entry:
            reasons.append(
                judge.judge_operation(entry, found, claimed, accounts, unregistered) or ""
            )
        elif "answer" in entry:
            reasons.append(judge.judge_answer(entry, api, figures, utterances) or "")
        else:
            reasons.append(f"expect entry not understood: {entry}")
        reasons.append(judge.judge_mentions(entry, text) or "")
    unexpected = [e.label for i, e in enumerate(found) if e.counts and i not in claimed]
    if unexpected:
        what = "nothing expected" if expects_none else "unexpected"
        reasons.append(f"{what}, but done: {'; '.join(unexpected)}")
    wrong = judge.wrong_language(dialogue.replies, task.language, proper_names(session))
    if wrong:
        reasons.append(f"{len(wrong)} replies not in {task.language}: {' | '.join(wrong[:2])}")
    return [reason for reason in reasons if reason]


def run_task(task: Task, stack: Stack, state: SeededState, engine: Engine, via: str) -> Result:
    """Play and judge one task from the seeded state; an error of the runner fails only it."""
    started = time.perf_counter()
    state.restore()  # raises ResetError: no result of the run could be trusted then
    try:
        return _run_task(task, stack, engine, via, started)
    except (httpx.HTTPError, RuntimeError, KeyError, ValueError) as error:
        seconds = time.perf_counter() - started
        reason = f"runner error: {type(error).__name__}: {error}"
        return Result(task, Dialogue(failure=reason), [reason], [], seconds)


def _run_task(task: Task, stack: Stack, engine: Engine, via: str, started: float) -> Result:
    gsm = USER_GSM[task.user]
    chat: Channel
    if via == "rest":
        chat = RestChat(stack, gsm, PASSWORDS[gsm])
    else:
        chat = WebChat(stack, engine, gsm, PASSWORDS[gsm])
    with Session(engine) as session:
        before = judge.snapshot(session)
    try:
        dialogue = play(task, chat, stack)
    finally:
        chat.close()
    with Session(engine) as session:
        found = judge.effects(session, before, chat.sender_id)
        reasons = judge_task(task, dialogue, found, api_reader(stack, chat.token), session)
    seconds = time.perf_counter() - started
    return Result(task, dialogue, reasons, [e.label for e in found], seconds)


# --------------------------------------------------------------------------- reports


def _rate(results: list[Result]) -> str:
    ok = sum(r.ok for r in results)
    return f"{ok}/{len(results)} ({100 * ok / len(results):.0f} %)" if results else "—"


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows),
    ]


def summary_lines(results: list[Result], languages: list[str]) -> list[str]:
    by_lang = [[lang, _rate([r for r in results if r.task.language == lang])] for lang in languages]
    lines = table(["language", "success"], [*by_lang, ["all", _rate(results)]])
    capabilities = sorted({r.task.capability for r in results})
    rows = [
        [cap]
        + [_rate([r for r in results if r.task.capability == cap and r.task.language == lang])
           for lang in languages]
        + [_rate([r for r in results if r.task.capability == cap])]
        for cap in capabilities
    ]  # fmt: skip
    return [*lines, "", *table(["capability", *languages, "all"], rows)]


@dataclass(frozen=True)
class RunInfo:
    set_name: str
    started: str
    commit: str
    model: Path
    via: str

    @property
    def model_hash(self) -> str:
        name = self.model.name
        if name.startswith("model-") and name.endswith(".tar.gz"):
            return name.removeprefix("model-").removesuffix(".tar.gz")
        return hashlib.sha256(self.model.read_bytes()).hexdigest()[:16]


def git_commit() -> str:
    done = subprocess.run(
        ["git", "describe", "--always", "--dirty", "--abbrev=7"],  # noqa: S607 - fixed argv
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return done.stdout.strip() or "unknown"


def write_reports(results: list[Result], info: RunInfo, out: Path, languages: list[str]) -> Path:
    """The summary (and, for an open set, the failed tasks) in ``out``; the transcripts of a
    sealed set go to ``var/`` (not in git), so that nobody tuning the bot reads them."""
    out.mkdir(parents=True, exist_ok=True)
    base = out / f"eval_dialogues_{info.set_name}"
    sealed = info.set_name in SEALED_SETS
    transcripts = (SEALED_TRANSCRIPTS if sealed else out) / f"{base.name}_failures.md"
    wall = sum(r.seconds for r in results)
    head = [
        f"# Natural-dialogue evaluation: {info.set_name}",
        "",
        f"Generated by `make eval-dialogues` (`bench/eval_dialogues.py`) on {info.started}, commit "
        f"{info.commit}, model {info.model_hash}, via the {info.via}; {len(results)} tasks in "
        f"{wall:.0f} s. Task format: `bench/dialogues/FORMAT.md`; failed tasks with their "
        f"transcripts: `{transcripts.relative_to(ROOT) if sealed else transcripts.name}`"
        + (" (a sealed set: only its figures are kept in git)." if sealed else "."),
        "",
        *summary_lines(results, languages),
        "",
    ]
    failed = [r for r in results if not r.ok]
    if failed and not sealed:
        head += ["Failed tasks:", ""]
        head += [f"- {r.task.id} ({r.task.capability}): {r.reasons[0]}" for r in failed]
        head.append("")
    base.with_suffix(".md").write_text("\n".join(head), encoding="utf-8")
    record = {
        "set": info.set_name, "started": info.started, "commit": info.commit,
        "model": info.model_hash, "via": info.via, "seconds": round(wall, 1),
        "loadavg": [round(value, 2) for value in os.getloadavg()],
        "tasks": [{"id": r.task.id, "language": r.task.language, "capability": r.task.capability,
                   "ok": r.ok, "reasons": [] if sealed else r.reasons,
                   "seconds": round(r.seconds, 1)}
                  for r in results],
    }  # fmt: skip
    base.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    transcripts.parent.mkdir(parents=True, exist_ok=True)
    transcripts.write_text(failures_text(failed, info), encoding="utf-8")
    return base.with_suffix(".md")


def transcript_lines(result: Result) -> list[str]:
    """One task as markdown: why it failed, what it did, every turn with what the bot asked."""
    task = result.task
    lines = [f"## {task.id} — {task.capability}, as {task.user}, {task.language}", ""]
    lines += [f"- **why**: {reason}" for reason in result.reasons]
    lines += [f"- note: {note}" for note in result.dialogue.notes]
    lines += [f"- done in the backend: {'; '.join(result.effects) or 'nothing'}", ""]
    for turn in result.dialogue.turns:
        lines += [f"**user** ({turn.role}): {turn.user}", ""]
        for reply in turn.replies:
            lines += ["> " + reply.replace("\n", "\n> "), ""]
        shown = ", ".join(turn.utterances) or "—"
        asked = turn.asked
        asks = "nothing" if asked is None else f"`{asked.kind}` ({asked.source})"
        lines += [f"*responses: {shown}; asks: {asks}*", ""]
    expected = yaml.safe_dump(list(task.expect), allow_unicode=True, sort_keys=False).strip()
    return [*lines, "expected:", "", "```yaml", expected, "```", ""]


def failures_text(failed: list[Result], info: RunInfo) -> str:
    lines = [
        f"# Failed tasks of {info.set_name} ({info.started}, commit {info.commit}, model "
        f"{info.model_hash})",
        "",
    ]
    for result in failed:
        lines += transcript_lines(result)
    if not failed:
        lines.append("None.")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


def set_folder(name: str) -> Path:
    named = SETS / name
    return named if named.is_dir() else Path(name).resolve()


@contextmanager
def running_stack(model: Path, keep: bool) -> Iterator[tuple[Stack, SeededState]]:
    workdir = Path(tempfile.mkdtemp(prefix="eval-dialogues-"))
    try:
        stack = fresh_stack(model, workdir)
        live = Path(stack.env["DATABASE_URL"].removeprefix("sqlite:///"))
        state = SeededState(live=live, pristine=workdir / "pristine.db")
        state.keep()
        with stack:
            yield stack, state
    finally:
        if keep:
            logger.info("state kept in %s", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set", default="set1", help="set1, set2, set3 or a folder with <lang>.yml"
    )
    parser.add_argument("--only", default="", help="comma-separated task ids")
    parser.add_argument("--lang", default="fr,nl,en", help="comma-separated languages")
    parser.add_argument("--via", choices=("gateway", "rest"), default="gateway")
    parser.add_argument("--model", type=Path, help="default: scripts/train.sh's cached model")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the reports go")
    parser.add_argument("--keep-state", action="store_true", help="keep the stack's temp dir")
    parser.add_argument("--verbose", action="store_true", help="print every task's transcript")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    folder = set_folder(args.set)
    languages = [lang for lang in args.lang.split(",") if lang]
    tasks = load_set(folder, tuple(languages))
    if args.only:
        wanted = set(args.only.split(","))
        tasks = [task for task in tasks if task.id in wanted]
    if not tasks:
        logger.error("no tasks in %s", folder)
        return 2
    for task in tasks:
        for warning in task.warnings:
            logger.warning("%s: %s", task.id, warning)
    model = args.model or cached_model()
    via = "web chat gateway" if args.via == "gateway" else "REST channel"
    info = RunInfo(folder.name, dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                   git_commit(), model, via)  # fmt: skip
    logger.info("%d tasks of %s, model %s; starting the stack…", len(tasks), folder, model.name)
    results: list[Result] = []
    with running_stack(model, args.keep_state) as (stack, state):
        check_reset(stack, state)
        engine = readonly_engine(state.live)
        for task in tasks:
            result = run_task(task, stack, state, engine, args.via)
            results.append(result)
            verdict = "ok  " if result.ok else "FAIL"
            reason = "" if result.ok else result.reasons[0]
            print(f"{task.id:<10} {verdict} {result.seconds:5.1f}s  {reason}", flush=True)
            if args.verbose:
                print("\n".join(transcript_lines(result)), flush=True)
    report = write_reports(results, info, args.out, languages)
    print("\n".join(["", *summary_lines(results, languages), "", f"report: {report}"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
