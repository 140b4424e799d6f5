"""The sweep's retention checks (``service.retention``): the 30-day notices, closed cases'
personal data, referrals not taken forward, sent messages' content, past bounce notices'
addresses, and attachments no message uses. Each takes its rows with a conditional update, a
batch at a time, so two sweeps at once do everything once and a sweep stays short; what is
left waits for the next one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mail import attachments
from service.retention import deletion, notices, outbox_purge
from workers.sweep import deadline_check


@deadline_check("case deletion notices")
def send_deletion_notices(session: Session, now: datetime) -> int:
    return notices.send_due_notices(session, now)


@deadline_check("closed cases' personal data deleted")
def delete_closed_cases(session: Session, now: datetime) -> int:
    return deletion.delete_due_cases(session, now)


@deadline_check("referrals not taken forward deleted")
def delete_referrals(session: Session, now: datetime) -> int:
    return deletion.delete_due_referrals(session, now)


@deadline_check("sent messages' content purged")
def purge_sent_messages(session: Session, now: datetime) -> int:
    return outbox_purge.purge_sent(session, now)


@deadline_check("addresses of past bounce notices forgotten")
def forget_bounce_notices(session: Session, now: datetime) -> int:
    return outbox_purge.forget_bounce_notices(session, now)


@deadline_check("unused attachments deleted")
def delete_unused_attachments(session: Session, now: datetime) -> int:
    return attachments.remove_unused(session, now)
