"""Drafts for comment: reminders 3 working days before the deadline and on it.

When each goes is ``service.panels.feedback``'s business; ``feedback_reminders`` takes every
member's reminder that is due, each with a compare-and-set on ``reminders_sent`` and
``next_reminder_at`` (and still no answer), so two sweeps at once or an emptied Redis send each
reminder exactly once, and an answer or the draft's closing that lands meanwhile wins.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from service.panels import feedback_reminders
from workers.sweep import deadline_check


@deadline_check("feedback reminders")
def send_reminders(session: Session, now: datetime) -> int:
    """Remind every member whose reminder is due and who has not answered; the reminders sent."""
    return feedback_reminders.send_due_reminders(session, now)
