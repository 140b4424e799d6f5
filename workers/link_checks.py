"""The sweep's clean-up of visits through links (``service.link_sessions``) that ended with
nobody coming back: idle too long or past their lifetime. An ended visit opens nothing either
way; deleting it keeps the table to the visits going on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from service import link_sessions
from workers.sweep import deadline_check


@deadline_check("ended link visits deleted")
def delete_ended_visits(session: Session, now: datetime) -> int:
    return link_sessions.delete_ended(session, now)
