"""The sweep's checks after the decision: the weekly reminder of notifications past their
deadline and not sent, and the overview report's reminders (8 weeks, 4 weeks, overdue).

Each reminder is claimed with a conditional update on its own columns in the transaction that
queues it, so two sweeps at once (or a sweep after Redis was emptied) send each exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from mail import outbox, routing
from service import clock, runtime
from service.models import Case, CaseStatus, Partnership, Referral, ReviewProgress
from service.reviews import drafting, notifications, timescales
from workers.sweep import claim_once, deadline_check

log = logging.getLogger(__name__)


def _link(progress: ReviewProgress) -> str:
    base = runtime.settings().SERVICE_URL.rstrip("/")
    return f"{base}/console/referrals/{progress.referral_id}/after-decision"


def _closed(session: Session, progress: ReviewProgress) -> bool:
    if progress.closed_on is not None:
        return True
    case = session.get(Case, progress.case_id) if progress.case_id else None
    return case is not None and case.status is CaseStatus.CLOSED


def _queue(session: Session, progress: ReviewProgress, purpose: routing.Purpose, **context) -> bool:
    partnership = session.get(Partnership, progress.partnership_id)
    referral = session.get(Referral, progress.referral_id)
    try:
        outbox.queue_message(
            session,
            partnership=partnership,
            purpose=purpose.name,
            reference=notifications.reference_of(session, referral),
            context={"link": _link(progress), **context},
        )
    except (routing.RoutingError, outbox.MessageRefused):
        log.warning(
            "review reminder not sent: no DHR officer inbox",
            extra={"referral_id": progress.referral_id, "purpose": purpose.name},
        )
        return False
    return True


@deadline_check("decision notification reminders")
def remind_of_unsent_notifications(session: Session, now: dt.datetime) -> int:
    """One email a week to the DHR officer inbox while notifications are past their deadline
    and not sent; none once they are all sent (or the decision was withdrawn)."""
    rows = session.scalars(
        select(ReviewProgress)
        .where(
            ReviewProgress.notices_reminder_at.is_not(None),
            ReviewProgress.notices_reminder_at <= now,
        )
        .order_by(ReviewProgress.notices_reminder_at, ReviewProgress.id)
    ).all()
    today = clock.london_date(now)
    sent = 0
    for progress in rows:
        overdue = notifications.overdue_unsent(session, progress.referral_id, today)
        count = progress.notices_reminders_sent
        values = {"notices_reminders_sent": count + 1}
        values["notices_reminder_at"] = now + notifications.REMINDER_EVERY if overdue else None
        with session.begin_nested() as savepoint:
            claimed = session.execute(
                update(ReviewProgress)
                .where(
                    ReviewProgress.id == progress.id,
                    ReviewProgress.notices_reminders_sent == count,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1 or not overdue:
                continue  # another sweep took it, or nothing is overdue any more
            items = [
                {
                    "recipient": drafting.RECIPIENT_NAMES[n.kind],
                    "due_date": clock.long_date(n.due_on),
                }
                for n in overdue
            ]
            if _queue(session, progress, notifications.OVERDUE_REMINDER, overdue=items):
                sent += 1
            else:
                savepoint.rollback()
    return sent


@deadline_check("overview report reminders")
def remind_of_report_deadline(session: Session, now: dt.datetime) -> int:
    """8 and 4 weeks before the overview report is due, and once it is overdue; a deadline
    first seen late sends only the latest of them."""
    horizon = clock.london_date(now) + dt.timedelta(weeks=8)
    rows = session.scalars(
        select(ReviewProgress)
        .where(
            ReviewProgress.outcome == "yes",
            ReviewProgress.report_due_on.is_not(None),
            ReviewProgress.report_due_on <= horizon,
            ReviewProgress.report_sent_at.is_(None),
            ~ReviewProgress.closure.has(),
            or_(
                ReviewProgress.report_8w_sent_at.is_(None),
                ReviewProgress.report_4w_sent_at.is_(None),
                ReviewProgress.report_overdue_sent_at.is_(None),
            ),
        )
        .order_by(ReviewProgress.report_due_on, ReviewProgress.id)
    ).all()
    sent = 0
    for progress in rows:
        if _closed(session, progress):
            continue
        partnership = session.get(Partnership, progress.partnership_id)
        moments = timescales.reminder_moments(partnership, progress.report_due_on)
        # The latest reminder that is due, and it only: the earlier ones are claimed with it.
        order = ["report_overdue_sent_at", "report_4w_sent_at", "report_8w_sent_at"]
        due = [column for column in order if moments[column] <= now]
        if not due or getattr(progress, due[0]) is not None:
            continue
        column = due[0]
        with session.begin_nested() as savepoint:
            if not claim_once(session, ReviewProgress, progress.id, column, now):
                continue
            for earlier in due[1:]:
                claim_once(session, ReviewProgress, progress.id, earlier, now)
            purpose, weeks = {
                "report_overdue_sent_at": (timescales.REPORT_OVERDUE, None),
                "report_4w_sent_at": (timescales.REPORT_DUE_4W, 4),
                "report_8w_sent_at": (timescales.REPORT_DUE_8W, 8),
            }[column]
            if _queue(
                session,
                progress,
                purpose,
                weeks=weeks,
                due_date=clock.long_date(progress.report_due_on),
            ):
                sent += 1
            else:
                savepoint.rollback()
    return sent
