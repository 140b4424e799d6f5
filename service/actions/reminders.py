"""The lead officer's reminders: a week before the target date and on it, each exactly once.

The sweep takes every reminder that is due, each with a compare-and-set on its own column
(``week_reminder_at``, ``day_reminder_at``) while the action is not done, so two sweeps at once
or an emptied Redis send it once, and "done" landing meanwhile wins. A sweep that comes back
after the target date has arrived sends the day's reminder, not a late week-before one.
Reminders go to secure addresses only: an action whose lead officer has none is not reminded,
and the audit trail says so.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from mail import outbox, policy, routing
from service import audit, clock
from service.actions import links, messages
from service.models import ActionItem, ActionStatus, Agency, Case, CaseStatus, Partnership

log = logging.getLogger(__name__)

WEEK, DAY = "week", "day"


def due(session: Session, now: datetime) -> list[ActionItem]:
    """Actions with a reminder due at ``now``, not done, on open cases."""
    return list(
        session.scalars(
            select(ActionItem)
            .join(Case, Case.id == ActionItem.case_id)
            .where(
                ActionItem.status != ActionStatus.DONE,
                Case.status == CaseStatus.OPEN,
                or_(ActionItem.week_reminder_at <= now, ActionItem.day_reminder_at <= now),
            )
            .order_by(ActionItem.id)
        )
    )


def _claim(session: Session, action: ActionItem, which: str, now: datetime) -> bool:
    column = ActionItem.week_reminder_at if which == WEEK else ActionItem.day_reminder_at
    values = {f"{which}_reminder_at": None, f"{which}_reminded_at": now}
    taken = session.execute(
        update(ActionItem)
        .where(
            ActionItem.id == action.id,
            column == getattr(action, f"{which}_reminder_at"),
            ActionItem.status != ActionStatus.DONE,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def _secure(partnership: Partnership, address: str | None) -> bool:
    if not address:
        return False
    try:
        return policy.is_secure(partnership, address)
    except policy.InvalidAddress:
        return False


def remind(session: Session, action: ActionItem, now: datetime) -> bool:
    """Send the action's due reminder if this sweep wins it; True if one was sent."""
    day_due = action.day_reminder_at is not None and action.day_reminder_at <= now
    if day_due and action.week_reminder_at is not None:
        _claim(session, action, WEEK, now)  # too late for the week-before reminder: dropped
    which = DAY if day_due else WEEK
    partnership = session.get(Partnership, action.partnership_id)
    with session.begin_nested() as savepoint:
        if not _claim(session, action, which, now):
            return False
        if not _secure(partnership, action.lead_officer_email):
            audit.record(
                session, "action_plan.reminder_not_sent", partnership_id=action.partnership_id,
                object_type="action_item", object_id=action.id, case_id=action.case_id,
                reminder=which, reason="no secure address for the lead officer",
            )  # fmt: skip
            return False
        case = session.get(Case, action.case_id)
        agency = session.get(Agency, action.agency_id) if action.agency_id else None
        language = messages.language(partnership, agency)
        context = {
            "case_reference": case.reference,
            "on_the_day": which == DAY,
            "recommendation": action.recommendation,
            "key_actions": action.key_actions,
            "owner": agency.name if agency else None,
            "lead_officer": action.lead_officer,
            "target_date": clock.long_date(action.target_date, language),
            "link": links.url_for_action(session, action),
        }
        try:
            outbox.queue_message(
                session, partnership=partnership, purpose=messages.REMINDER.name,
                reference=case.reference, to=[action.lead_officer_email], context=context,
                language=language,
            )  # fmt: skip
        except (routing.RoutingError, outbox.MessageRefused):
            savepoint.rollback()
            log.warning("action reminder not queued", extra={"action_item_id": action.id})
            return False
        audit.record(
            session, "action_plan.reminder_sent", partnership_id=action.partnership_id,
            object_type="action_item", object_id=action.id, case_id=action.case_id,
            reminder=which,
        )  # fmt: skip
    return True


def send_due(session: Session, now: datetime) -> int:
    """Every reminder due at ``now``; how many were sent."""
    return sum(1 for action in due(session, now) if remind(session, action, now))
