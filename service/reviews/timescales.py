"""The review's timescales, counted from the right day.

- The decision is due ``decision_days`` after the death came to the partnership's attention:
  the referral's "date the referral was received", which the officer can correct; correcting
  it moves the deadline, and reminders already sent for the old one go again for the new.
- Notifications of the decision are due within the month of it (004 paragraph 29).
- A held review's overview report is due ``report_months`` (six) after the decision (003 4.18),
  with reminders to the DHR officer inbox 8 and 4 weeks before and once it is overdue; the
  officer can record an agreed new date with the reason, which moves the reminders.
"""

from __future__ import annotations

import calendar
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from mail import routing
from service import audit, clock
from service.models import Partnership, Referral, ReviewProgress
from service.workdays import at_hour

#: The report reminders: (column, how long before the deadline, which email).
REPORT_DUE_8W = routing.purpose(
    "review.report_due_8_weeks",
    title="Overview report due in 8 weeks",
    template="review_report_due",
    audience="inbox:dhr_officer",
)
REPORT_DUE_4W = routing.purpose(
    "review.report_due_4_weeks",
    title="Overview report due in 4 weeks",
    template="review_report_due",
    audience="inbox:dhr_officer",
)
REPORT_OVERDUE = routing.purpose(
    "review.report_overdue",
    title="Overview report overdue",
    template="review_report_overdue",
    audience="inbox:dhr_officer",
)
REPORT_REMINDERS = (
    ("report_8w_sent_at", dt.timedelta(weeks=8), REPORT_DUE_8W),
    ("report_4w_sent_at", dt.timedelta(weeks=4), REPORT_DUE_4W),
)
REASON_MAX = 2000


class TimescaleRefused(ValueError):
    """The date cannot be recorded; the reason is safe to show."""


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def notifications_due(decided_on: dt.date) -> dt.date:
    """Within the month of the decision."""
    return add_months(decided_on, 1)


def report_due(partnership: Partnership, decided_on: dt.date) -> dt.date:
    return add_months(decided_on, partnership.report_months or 6)


def reminder_moments(partnership: Partnership, due_on: dt.date) -> dict[str, dt.datetime]:
    """When each report reminder goes: the dispatch hour 8 and 4 weeks before the deadline, and
    the dispatch hour of the day after it (the whole of the due day is the author's)."""
    hour = partnership.dispatch_hour
    moments = {column: at_hour(due_on - before, hour) for column, before, _ in REPORT_REMINDERS}
    moments["report_overdue_sent_at"] = at_hour(due_on + dt.timedelta(days=1), hour)
    return moments


def _reset_future_reminders(progress: ReviewProgress, partnership: Partnership) -> None:
    """A reminder whose moment, for the current deadline, is still ahead goes again."""
    if progress.report_due_on is None:
        return
    now = clock.now()
    for column, moment in reminder_moments(partnership, progress.report_due_on).items():
        if moment > now:
            setattr(progress, column, None)


def progress_of(session: Session, referral_id: int) -> ReviewProgress | None:
    return session.scalar(select(ReviewProgress).where(ReviewProgress.referral_id == referral_id))


def set_decision(
    session: Session, referral: Referral, partnership: Partnership, decided_on: dt.date
) -> ReviewProgress:
    """The referral's progress row for its (new or corrected) decision: the report deadline
    from the decision when a review is held, unless a date has been agreed since."""
    progress = progress_of(session, referral.id)
    outcome = referral.meets_criteria or ""
    if progress is None:
        progress = ReviewProgress(
            partnership_id=referral.partnership_id,
            referral_id=referral.id,
            case_id=referral.case_id,
            outcome=outcome,
            decided_on=decided_on,
            notices_reminders_sent=0,
        )
        session.add(progress)
    progress.outcome, progress.decided_on = outcome, decided_on
    if outcome == "yes":
        if progress.report_due_reason is None:
            progress.report_due_on = report_due(partnership, decided_on)
            _reset_future_reminders(progress, partnership)
    else:
        progress.report_due_on = progress.report_due_reason = None
    return progress


def record_report_date(
    session: Session,
    progress: ReviewProgress,
    partnership: Partnership,
    *,
    due_on: dt.date | None,
    reason: str | None,
    actor: str,
    client_address: str | None = None,
) -> None:
    """An agreed new date for the overview report, with the reason (audited, without it)."""
    reason = (reason or "").strip()
    if progress.outcome != "yes":
        raise TimescaleRefused("Only a review that is being held has a report deadline")
    if due_on is None:
        raise TimescaleRefused("Enter the new date for the overview report")
    if due_on <= progress.decided_on:
        raise TimescaleRefused("The new date must be after the decision")
    if not reason:
        raise TimescaleRefused("Enter why the date has changed")
    if len(reason) > REASON_MAX:
        raise TimescaleRefused(f"The reason must be {REASON_MAX:,} characters or fewer")
    previous = progress.report_due_on
    progress.report_due_on, progress.report_due_reason = due_on, reason
    _reset_future_reminders(progress, partnership)
    audit.record(
        session,
        "review.report_date_moved",
        actor=actor,
        partnership_id=progress.partnership_id,
        object_type="referral",
        object_id=progress.referral_id,
        case_id=progress.case_id,
        client_address=client_address,
        previous=previous.isoformat() if previous else None,
        due_on=due_on.isoformat(),
    )


# --- the one-month decision -------------------------------------------------------------------


def decision_basis(referral: Referral) -> dt.date | None:
    """The day the decision's month runs from: the date received, or the day it was sent."""
    if referral.date_received is not None:
        return referral.date_received
    moment = clock.as_utc(referral.submitted_at)
    return clock.london_date(moment) if moment else None


def move_decision_deadline(
    referral: Referral, partnership: Partnership, received: dt.date | None
) -> bool:
    """Correcting the date the referral was received moves the decision's deadline by as many
    days, and reminders not yet due for the new deadline go again. True if it moved."""
    old = decision_basis(referral)
    due = clock.as_utc(referral.decision_due_at)
    if received is None or old is None or received == old:
        return False
    if due is None:
        due = at_hour(received, partnership.dispatch_hour) + dt.timedelta(
            days=partnership.decision_days
        )
    else:
        due = due + (received - old)
    referral.decision_due_at = due
    now = clock.now()
    if due > now:
        referral.overdue_sent_at = None
    if due - dt.timedelta(days=7) > now:
        referral.reminder_sent_at = None
    return True


def report_state(progress: ReviewProgress | None, now: dt.datetime | None = None) -> str | None:
    """``due``, ``soon`` (within 8 weeks), ``overdue`` or ``done``; None with no deadline."""
    if progress is None or progress.report_due_on is None:
        return None
    if progress.report_sent_at is not None or progress.closed_on is not None:
        return "done"
    today = clock.london_date(now or clock.now())
    if today > progress.report_due_on:
        return "overdue"
    if progress.report_due_on - today <= dt.timedelta(weeks=8):
        return "soon"
    return "due"


def report_criteria(state: str, today: dt.date) -> tuple:
    """Held reviews whose report is ``overdue`` or due ``soon`` (within 8 weeks), not yet sent
    (for the dashboard's count)."""
    open_ = (
        ReviewProgress.outcome == "yes",
        ReviewProgress.report_sent_at.is_(None),
        ~ReviewProgress.closure.has(),
        ReviewProgress.report_due_on.is_not(None),
    )
    if state == "overdue":
        return (*open_, ReviewProgress.report_due_on < today)
    return (
        *open_,
        ReviewProgress.report_due_on >= today,
        ReviewProgress.report_due_on <= today + dt.timedelta(weeks=8),
    )
