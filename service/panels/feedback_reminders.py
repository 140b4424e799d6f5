"""The reminder sweep for drafts for comment: when each reminder goes is
``feedback.reminder_moments``; here each due one is claimed (a compare-and-set on
``reminders_sent`` and ``next_reminder_at``) and sent, so a sweep that runs twice sends it once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mail import outbox, policy, routing
from service import audit
from service.models import (
    Case,
    CaseStatus,
    FeedbackRecipient,
    FeedbackRequest,
    PanelMember,
    Partnership,
)
from service.panels import feedback_links as links
from service.panels import feedback_messages as messages
from service.panels import members as panel_members
from service.panels.feedback import (
    deadline_passed,
    message_context,
    next_reminder,
    reference,
    reminder_moments,
)

log = logging.getLogger(__name__)


def _addressable(address: str) -> bool:
    try:
        policy.normalise(address)
    except policy.InvalidAddress:
        return False
    return True


def due_reminders(session: Session, now: datetime) -> list[FeedbackRecipient]:
    """Members past their next reminder with no answer, on open drafts of open cases."""
    return list(
        session.scalars(
            select(FeedbackRecipient)
            .join(FeedbackRequest, FeedbackRequest.id == FeedbackRecipient.request_id)
            .join(Case, Case.id == FeedbackRequest.case_id)
            .join(PanelMember, PanelMember.id == FeedbackRecipient.member_id)
            .where(
                FeedbackRecipient.answered_at.is_(None),
                FeedbackRecipient.next_reminder_at.is_not(None),
                FeedbackRecipient.next_reminder_at <= now,
                FeedbackRequest.closed_at.is_(None),
                Case.status == CaseStatus.OPEN,
                PanelMember.removed_at.is_(None),
            )
            .order_by(FeedbackRecipient.next_reminder_at, FeedbackRecipient.id)
        )
    )


def _claim(session: Session, recipient: FeedbackRecipient, next_at: datetime | None) -> bool:
    """Take reminder ``reminders_sent + 1``; True for the one sweep whose update changed the
    row (nothing answered, closed or sent meanwhile)."""
    taken = session.execute(
        update(FeedbackRecipient)
        .where(
            FeedbackRecipient.id == recipient.id,
            FeedbackRecipient.reminders_sent == recipient.reminders_sent,
            FeedbackRecipient.next_reminder_at == recipient.next_reminder_at,
            FeedbackRecipient.answered_at.is_(None),
        )
        .values(reminders_sent=recipient.reminders_sent + 1, next_reminder_at=next_at)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def remind(session: Session, recipient: FeedbackRecipient, now: datetime) -> bool:
    """Send this member's next reminder if this sweep wins it; True if it did."""
    request = session.get(FeedbackRequest, recipient.request_id)
    partnership = session.get(Partnership, request.partnership_id)
    member = session.get(PanelMember, recipient.member_id)
    if deadline_passed(request, now):
        # The sweep did not run until after the deadline: a reminder now would be too late.
        session.execute(
            update(FeedbackRecipient)
            .where(
                FeedbackRecipient.id == recipient.id,
                FeedbackRecipient.next_reminder_at == recipient.next_reminder_at,
            )
            .values(next_reminder_at=None)
            .execution_options(synchronize_session=False)
        )
        return False
    if not _addressable(member.email):
        log.warning(
            "draft reminder not sent: the member has no usable address",
            extra={"feedback_recipient_id": recipient.id},
        )
        return False
    case = session.get(Case, request.case_id)
    _before, on_day = reminder_moments(partnership, request.deadline)
    last = now >= on_day
    number = recipient.reminders_sent + 1
    with session.begin_nested() as savepoint:
        if not _claim(session, recipient, next_reminder(partnership, request.deadline, now)):
            return False
        language = panel_members.language_of(partnership, member)
        url = links.current_url(session, recipient)
        context = {**message_context(request, case, member, url, language), "last": last}
        try:
            outbox.queue_message(
                session,
                partnership=partnership,
                purpose=messages.REMINDER.name,
                reference=reference(request, case),
                to=[member.email],
                context=context,
                language=language,
            )
        except (routing.RoutingError, outbox.MessageRefused):
            savepoint.rollback()
            return False
        audit.record(
            session,
            "feedback.reminder_sent",
            partnership_id=request.partnership_id,
            object_type="feedback_request",
            object_id=request.id,
            case_id=request.case_id,
            member_id=member.id,
            reminder=number,
            on_the_day=last,
            with_link=context["link"] is not None,
        )
    return True


def send_due_reminders(session: Session, now: datetime) -> int:
    """Every reminder due at ``now``; how many were sent."""
    return sum(1 for recipient in due_reminders(session, now) if remind(session, recipient, now))
