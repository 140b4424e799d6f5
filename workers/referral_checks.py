"""The sweep's referral checks: reminding the officer of decisions due and overdue, and deleting
drafts nobody came back to.

Each reminder is claimed with ``claim_once`` on its own column before the email is queued, in
the same transaction, so two sweeps at once (or a sweep after Redis was emptied) send each one
exactly once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from mail import outbox, routing
from service import audit, clock, runtime
from service.models import AccessToken, Partnership, Referral, ReferralStatus
from service.referrals import decisions, drafts
from workers.sweep import claim_once, deadline_check

log = logging.getLogger(__name__)


def _console_link(referral: Referral) -> str:
    return f"{runtime.settings().SERVICE_URL.rstrip('/')}/console/referrals/{referral.id}"


def _due_date(referral: Referral) -> str:
    """The day the decision is due, as the console writes it: 14 November 2026."""
    return clock.long_date(referral.decision_due_at)


def _queue(session: Session, referral: Referral, purpose: routing.Purpose) -> bool:
    """Queue one reminder; False (and nothing queued) if the partnership has no DHR officer
    inbox configured."""
    partnership = session.get(Partnership, referral.partnership_id)
    try:
        outbox.queue_message(
            session,
            partnership=partnership,
            purpose=purpose.name,
            reference=referral.reference,
            context={"due_date": _due_date(referral), "link": _console_link(referral)},
        )
    except (routing.RoutingError, outbox.MessageRefused):
        log.warning(
            "referral reminder not sent: no DHR officer inbox",
            extra={"referral_id": referral.id, "purpose": purpose.name},
        )
        return False
    return True


@deadline_check("referral decision reminders")
def send_decision_reminders(session: Session, now: datetime) -> int:
    """A "due in 7 days" email a week before a decision is due, and an "overdue" one when it
    is due; a referral first seen already overdue gets only the overdue one."""
    due_soon = now + decisions.REMINDER_BEFORE
    rows = session.scalars(
        select(Referral)
        .where(
            Referral.status == ReferralStatus.SUBMITTED,
            Referral.decided_at.is_(None),
            Referral.reference.is_not(None),
            Referral.decision_due_at.is_not(None),
            Referral.decision_due_at <= due_soon,
            or_(Referral.reminder_sent_at.is_(None), Referral.overdue_sent_at.is_(None)),
        )
        .order_by(Referral.decision_due_at, Referral.id)
    ).all()
    sent = 0
    for referral in rows:
        overdue = clock.as_utc(referral.decision_due_at) <= now
        column, purpose = (
            ("overdue_sent_at", decisions.OVERDUE_MESSAGE)
            if overdue
            else ("reminder_sent_at", decisions.DUE_MESSAGE)
        )
        if overdue and referral.overdue_sent_at is not None:
            continue
        if not overdue and referral.reminder_sent_at is not None:
            continue
        # A savepoint per referral: without an inbox to send to, the claim is given back.
        with session.begin_nested() as savepoint:
            if not claim_once(session, Referral, referral.id, column, now):
                continue  # another sweep has sent it
            if overdue:
                # Never a stale "due in 7 days" after the overdue one.
                claim_once(session, Referral, referral.id, "reminder_sent_at", now)
            if _queue(session, referral, purpose):
                sent += 1
            else:
                savepoint.rollback()
    return sent


@deadline_check("expired referral drafts deleted")
def delete_expired_drafts(session: Session, now: datetime) -> int:
    """Drafts not saved for 28 days are deleted, with their "come back later" links."""
    expired = session.execute(
        select(Referral.id, Referral.partnership_id).where(
            Referral.status == ReferralStatus.DRAFT,
            Referral.expires_at.is_not(None),
            Referral.expires_at <= now,
        )
    ).all()
    deleted = 0
    for referral_id, partnership_id in expired:
        # Conditional, like claim_once: a draft saved again meanwhile, or deleted by another
        # sweep, is left alone.
        gone = session.execute(
            delete(Referral)
            .where(
                Referral.id == referral_id,
                Referral.status == ReferralStatus.DRAFT,
                Referral.expires_at <= now,
            )
            .execution_options(synchronize_session=False)
        )
        if gone.rowcount != 1:
            continue
        session.execute(
            delete(AccessToken)
            .where(
                AccessToken.purpose == drafts.RESUME,
                AccessToken.subject_type == "referral",
                AccessToken.subject_id == str(referral_id),
            )
            .execution_options(synchronize_session=False)
        )
        audit.record(
            session,
            "referral.draft_deleted",
            partnership_id=partnership_id,
            object_type="referral",
            object_id=referral_id,
        )
        deleted += 1
    return deleted
