"""Legal holds: while a hold is in force on a case (criminal proceedings, a claim, an inquest),
nothing of the case is deleted: not its personal data, not its files, not its emails' content.

An officer places a hold with a reason and lifts it; both are audited (the reason is not copied
into the audit trail, which holds no personal data). Lifting a hold from a case whose deletion
is less than 30 days away moves the deletion to 30 days from then, so the DHR officer inbox is
told before it happens, as for any case.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from service import audit, clock
from service.models import Case, CaseClosure, LegalHold
from service.retention import schedule

REASON_MAX = 2000


class HoldRefused(ValueError):
    """Why the hold cannot be placed or lifted; safe to show to the officer."""


def held(case_id_column) -> ColumnElement[bool]:  # noqa: ANN001
    """True where the case in ``case_id_column`` has a hold in force (for queries)."""
    return exists().where(LegalHold.case_id == case_id_column, LegalHold.lifted_at.is_(None))


def current(session: Session, case_id: int) -> LegalHold | None:
    return session.scalar(
        select(LegalHold)
        .where(LegalHold.case_id == case_id, LegalHold.lifted_at.is_(None))
        .order_by(LegalHold.id.desc())
        .limit(1)
    )


def place(
    session: Session, case: Case, *, reason: str, user_id: int | None, actor: str,
    client_address: str | None = None,
) -> LegalHold:  # fmt: skip
    reason = (reason or "").strip()
    if not reason:
        raise HoldRefused("Enter why the case is under a legal hold")
    if len(reason) > REASON_MAX:
        raise HoldRefused(f"The reason must be {REASON_MAX:,} characters or fewer")
    closure = session.get(CaseClosure, case.id)
    if closure is not None and closure.deleted_at is not None:
        raise HoldRefused("This case's personal data has already been deleted")
    if current(session, case.id) is not None:
        raise HoldRefused("This case is already under a legal hold")
    hold = LegalHold(
        partnership_id=case.partnership_id, case_id=case.id, reason=reason, placed_by=user_id,
        placed_at=clock.now(),
    )  # fmt: skip
    session.add(hold)
    session.flush()
    audit.record(
        session, "case.legal_hold_placed", actor=actor, partnership_id=case.partnership_id,
        object_type="case", object_id=case.id, case_id=case.id, client_address=client_address,
        hold_id=hold.id,
    )  # fmt: skip
    return hold


def lift(
    session: Session, case: Case, *, user_id: int | None, actor: str,
    client_address: str | None = None,
) -> LegalHold:  # fmt: skip
    hold = current(session, case.id)
    if hold is None:
        raise HoldRefused("This case is not under a legal hold")
    now = clock.now()
    hold.lifted_at = now
    hold.lifted_by = user_id
    moved = None
    closure = session.get(CaseClosure, case.id)
    if closure is not None and closure.deleted_at is None:
        earliest = now + schedule.NOTICE_BEFORE
        if clock.as_utc(closure.delete_at) < earliest:
            # The officer is told 30 days before, as for any case: the deletion waits for that.
            closure.delete_at = earliest
            closure.notice_at = now
            closure.notice_sent_at = None
            moved = earliest.isoformat()
    audit.record(
        session, "case.legal_hold_lifted", actor=actor, partnership_id=case.partnership_id,
        object_type="case", object_id=case.id, case_id=case.id, client_address=client_address,
        hold_id=hold.id, deletion_moved_to=moved,
    )  # fmt: skip
    return hold
