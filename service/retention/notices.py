"""Before a case's personal data is deleted: the DHR officer inbox is told 30 days before (once
for each deletion date), the dashboard lists the cases due, and an officer may defer the
deletion once, with a reason.

The notice is claimed with a conditional update on ``notice_sent_at`` in the transaction that
queues it, so it goes once however many sweeps run. A notice that goes late (the service was
off) moves the deletion to 30 days after it: nobody loses their 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mail import queueing, routing
from service import audit, clock, runtime
from service.models import Case, CaseClosure, Partnership
from service.retention import holds, schedule

NOTICE = routing.purpose(
    "case.deletion_notice",
    title="Case due for deletion in 30 days",
    template="retention_deletion_notice",
    audience="inbox:dhr_officer",
)
REASON_MAX = 2000
#: A notice this late moves the deletion (so the full 30 days are given).
LATE_BY = schedule.NOTICE_BEFORE / 30


class DeferralRefused(ValueError):
    """Why the deletion cannot be deferred; safe to show to the officer."""


def _case_link(case: Case) -> str:
    return f"{runtime.settings().SERVICE_URL.rstrip('/')}/console/cases/{case.id}"


def send_due_notices(session: Session, now: datetime, *, limit: int = 100) -> int:
    """Tell the DHR officer inbox of each case whose deletion is 30 days away; how many."""
    due = session.scalars(
        select(CaseClosure)
        .where(
            CaseClosure.deleted_at.is_(None),
            CaseClosure.notice_sent_at.is_(None),
            CaseClosure.notice_at <= now,
            ~holds.held(CaseClosure.case_id),
        )
        .order_by(CaseClosure.notice_at)
        .limit(limit)
    ).all()
    sent = 0
    for closure in due:
        values = {"notice_sent_at": now}
        if now - clock.as_utc(closure.notice_at) > LATE_BY:
            values["delete_at"] = max(clock.as_utc(closure.delete_at), now + schedule.NOTICE_BEFORE)
        claimed = session.execute(
            update(CaseClosure)
            .where(CaseClosure.case_id == closure.case_id, CaseClosure.notice_sent_at.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue  # another sweep sent it
        session.refresh(closure)
        case = session.get(Case, closure.case_id)
        partnership = session.get(Partnership, case.partnership_id)
        queueing.queue_if_addressed(
            session,
            partnership=partnership,
            purpose=NOTICE.name,
            reference=case.reference,
            case_id=case.id,
            context={
                "delete_on": clock.long_date(closure.delete_at),
                "link": _case_link(case),
                "can_defer": closure.deferred_at is None,
                "deferral_months": schedule.of(session, case.partnership_id).deferral_months,
            },
        )
        audit.record(
            session, "case.deletion_notice_sent", partnership_id=case.partnership_id,
            object_type="case", object_id=case.id, case_id=case.id,
            delete_at=clock.as_utc(closure.delete_at).isoformat(),
        )  # fmt: skip
        sent += 1
    return sent


def defer(
    session: Session, case: Case, *, reason: str, user_id: int | None, actor: str,
    client_address: str | None = None,
) -> CaseClosure:  # fmt: skip
    """Move the case's deletion ``deferral_months`` later, once; a new notice goes 30 days
    before the new date."""
    reason = (reason or "").strip()
    if not reason:
        raise DeferralRefused("Enter why the deletion is being deferred")
    if len(reason) > REASON_MAX:
        raise DeferralRefused(f"The reason must be {REASON_MAX:,} characters or fewer")
    closure = session.get(CaseClosure, case.id, populate_existing=True)
    if closure is None:
        raise DeferralRefused("This case is not closed, so it is not due for deletion")
    if closure.deleted_at is not None:
        raise DeferralRefused("This case's personal data has already been deleted")
    if closure.deferred_at is not None:
        raise DeferralRefused("The deletion of this case has already been deferred once")
    was = clock.as_utc(closure.delete_at)
    new = schedule.deferred_moment(schedule.of(session, case.partnership_id), was)
    now = clock.now()
    moved = session.execute(
        update(CaseClosure)
        .where(
            CaseClosure.case_id == case.id,
            CaseClosure.deferred_at.is_(None),
            CaseClosure.deleted_at.is_(None),
        )
        .values(
            deferred_at=now,
            deferred_by=user_id,
            deferral_reason=reason,
            deferred_from=was,
            delete_at=new,
            notice_at=new - schedule.NOTICE_BEFORE,
            notice_sent_at=None,
        )  # fmt: skip
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise DeferralRefused("The deletion of this case has already been deferred once")
    session.refresh(closure)
    audit.record(
        session, "case.deletion_deferred", actor=actor, partnership_id=case.partnership_id,
        object_type="case", object_id=case.id, case_id=case.id, client_address=client_address,
        deferred_from=was.isoformat(), delete_at=new.isoformat(),
    )  # fmt: skip
    return closure


@dataclass(frozen=True)
class Due:
    case_id: int
    reference: str
    delete_at: datetime
    held: bool
    deferred: bool


def due_within(session: Session, case_ids_select, now: datetime) -> list[Due]:  # noqa: ANN001
    """The cases (among ``case_ids_select``, the caller's Scope) whose personal data is to be
    deleted within 30 days, soonest first, held ones included (they wait for the hold)."""
    rows = session.execute(
        select(
            Case.id,
            Case.reference,
            CaseClosure.delete_at,
            CaseClosure.deferred_at,
            holds.held(CaseClosure.case_id),
        )  # fmt: skip
        .join(CaseClosure, CaseClosure.case_id == Case.id)
        .where(
            Case.id.in_(case_ids_select),
            CaseClosure.deleted_at.is_(None),
            CaseClosure.delete_at <= now + schedule.NOTICE_BEFORE,
        )
        .order_by(CaseClosure.delete_at, Case.id)
    ).all()
    return [
        Due(case_id, reference, clock.as_utc(at), bool(held), deferred is not None)
        for case_id, reference, at, deferred, held in rows
    ]
