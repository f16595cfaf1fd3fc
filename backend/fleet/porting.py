"""Number porting outcomes, and when a new line becomes active.

A new line may wait for two things: the end user's eSIM confirmation (eSIM lines) and the move
of its number from the other operator (ported numbers). It becomes active when the last of them
is done, in whichever order they come: an eSIM confirmed while its porting is still
``requested`` is recorded, and the line stays ``pending_activation`` until the porting completes
(issue #15). The operator's number-portability system reports the outcomes; in the demo an
operator does it by hand:

    python -m backend.fleet.porting <porting request id> accepted|completed|rejected
"""

from __future__ import annotations

import argparse
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.db import get_sessionmaker
from backend.core.errors import AppError
from backend.core.settings import get_settings
from backend.esim.models import ESimProfile, ESimStatus
from backend.fleet.exceptions import PortingRequestNotFound
from backend.fleet.models import Line, LineStatus, PortingRequest, PortingStatus

logger = logging.getLogger(__name__)

# Where a porting may go from each status (completed and rejected are final).
_NEXT = {
    PortingStatus.requested: {
        PortingStatus.accepted,
        PortingStatus.completed,
        PortingStatus.rejected,
    },
    PortingStatus.accepted: {PortingStatus.completed, PortingStatus.rejected},
}


class PortingAlreadySettled(AppError):
    status_code = 409
    code = "porting_settled"
    message = "This porting request is already completed or rejected."


def lock_line(session: Session, line_id: int) -> Line:
    """The line, locked until commit and read afresh: the eSIM confirmation and the end of the
    porting may come at the same moment, and each must see the other once it has the line."""
    return session.execute(
        select(Line)
        .where(Line.id == line_id)
        .with_for_update(of=Line)  # not the eagerly joined plan (outer join)
        .execution_options(populate_existing=True)
    ).scalar_one()


def latest_porting(session: Session, line: Line) -> PortingRequest | None:
    """The line's most recent porting request, if its number was ported."""
    return session.scalar(
        select(PortingRequest)
        .where(PortingRequest.line_id == line.id)
        .order_by(PortingRequest.id.desc())
        .limit(1)
    )


def activate_when_ready(session: Session, line: Line) -> bool:
    """Make a pending line active once nothing is left to wait for; whether it is active now.

    The caller holds the line's lock (:func:`lock_line`) and commits.
    """
    if line.status != LineStatus.pending_activation:
        return line.status == LineStatus.active
    esim_waiting = session.scalar(
        select(ESimProfile.id).where(
            ESimProfile.line_id == line.id, ESimProfile.status == ESimStatus.pending
        )
    )
    porting = latest_porting(session, line)
    if esim_waiting is not None or (porting and porting.status != PortingStatus.completed):
        return False
    line.status = LineStatus.active
    session.flush()
    logger.info("Line %s active", line.id)
    return True


def record_outcome(session: Session, *, request_id: int, status: PortingStatus) -> PortingRequest:
    """Record what became of a porting request; a completed one activates its line if the line
    waits for nothing else (an eSIM confirmation). The caller commits."""
    request = session.get(PortingRequest, request_id)
    if request is None:
        raise PortingRequestNotFound
    lock_line(session, request.line_id)
    session.refresh(request)  # another outcome may have been recorded while we waited
    if status not in _NEXT.get(request.status, set()):
        raise PortingAlreadySettled
    request.status = status
    session.flush()
    logger.info("Porting request %s is now %s", request.id, status.value)
    if status == PortingStatus.completed:
        activate_when_ready(session, request.line)
    return request


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Record a porting outcome (operator stand-in).")
    parser.add_argument("request_id", type=int)
    parser.add_argument("status", choices=[s.value for s in _NEXT[PortingStatus.requested]])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    with get_sessionmaker(get_settings().database_url)() as session:
        try:
            request = record_outcome(
                session, request_id=args.request_id, status=PortingStatus(args.status)
            )
        except AppError as exc:
            print(f"error: {exc.message}")
            return 2
        session.commit()
        line = request.line
        print(f"porting request {request.id}: {request.status.value}; line {line.status.value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
