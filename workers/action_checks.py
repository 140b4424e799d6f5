"""The action plan: each lead officer's reminders a week before the target date and on it.

When each goes is ``service.actions.plan``'s business; ``service.actions.reminders`` claims
each with a compare-and-set on its own column, so each reminder goes exactly once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from service.actions import reminders
from workers.sweep import deadline_check


@deadline_check("action plan reminders")
def send_reminders(session: Session, now: datetime) -> int:
    """Remind every lead officer whose reminder is due; the reminders sent."""
    return reminders.send_due(session, now)
