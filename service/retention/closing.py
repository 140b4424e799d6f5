"""Closing a case: the officer records how the review ended (the overview report published, or
the review ended without one) and on what date. The retention schedule counts from that date:
the case's personal data is deleted ``case_years`` after it, the DHR officer inbox told 30 days
before. A closed case gets no more chasers, summaries or reminders (they all skip closed cases).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from service import audit, clock
from service.models import Case, CaseClosure, CaseOutcome, CaseStatus, Partnership
from service.retention import schedule

OUTCOME_LABELS = {
    CaseOutcome.PUBLISHED: "The overview report was published",
    CaseOutcome.ENDED: "The review ended without a published report",
}


class CloseRefused(ValueError):
    """Why the case cannot be closed; safe to show to the officer."""


def close(
    session: Session, case: Case, *, outcome: CaseOutcome, ended_on: dt.date,
    user_id: int | None, actor: str, client_address: str | None = None,
) -> CaseClosure:  # fmt: skip
    """Close an open case as ending on ``ended_on``; its deletion deadlines are set."""
    today = clock.london_date(clock.now())
    if ended_on > today:
        raise CloseRefused("The date the review ended must be today or in the past")
    if ended_on < case.created_at.date() - dt.timedelta(days=366 * 20):
        raise CloseRefused("Enter the date the report was published or the review ended")
    # Only one officer closes it: the other finds it closed already.
    closed = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.status == CaseStatus.OPEN)
        .values(status=CaseStatus.CLOSED, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        raise CloseRefused("This case is already closed")
    session.refresh(case)
    partnership = session.get(Partnership, case.partnership_id)
    rules = schedule.of(session, case.partnership_id)
    # Never sooner than 30 days from now: the DHR officer inbox is always told first.
    delete_at = max(
        schedule.deletion_moment(partnership, rules, ended_on), clock.now() + schedule.NOTICE_BEFORE
    )
    closure = CaseClosure(
        case_id=case.id, partnership_id=case.partnership_id, outcome=outcome, ended_on=ended_on,
        closed_by=user_id, closed_at=clock.now(), delete_at=delete_at,
        notice_at=delete_at - schedule.NOTICE_BEFORE,
    )  # fmt: skip
    session.add(closure)
    session.flush()
    audit.record(
        session, "case.closed", actor=actor, partnership_id=case.partnership_id,
        object_type="case", object_id=case.id, case_id=case.id, client_address=client_address,
        outcome=outcome.value, ended_on=ended_on.isoformat(), delete_at=delete_at.isoformat(),
    )  # fmt: skip
    return closure
