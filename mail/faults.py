"""When the mail system refuses the service itself: every message kept, officers told, and the
mail system asked again once a minute rather than once per message.

A refusal (``CredentialsRefused``: a wrong secret, an expired certificate, no right to send as
the mailbox) is no message's fault. The message goes back to the queue without counting against
its retry window, the fault is recorded (one row), and while it is fresh other deliveries wait
for the next probe instead of each being refused in turn. The first delivery that succeeds
clears the fault and makes every waiting message due at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from service.models import Message, MessageStatus
from service.models.message import MailSystemFault

log = logging.getLogger(__name__)

#: While a refusal is this recent, deliveries wait for the next probe instead of trying.
PROBE_INTERVAL = timedelta(minutes=1)
#: How a waiting message's last error begins, so the all-clear can find them.
WAITING = "waiting: the mail system refused the service's sign-in"


def current(session: Session) -> MailSystemFault | None:
    return session.scalars(select(MailSystemFault).order_by(MailSystemFault.id)).first()


def record(session: Session, setting: str, reason: str, now: datetime) -> None:
    """Note (or refresh) the refusal, and log it once per probe, naming the setting to check."""
    fault = current(session)
    if fault is None:
        session.add(MailSystemFault(setting=setting, reason=reason, first_seen=now, last_seen=now))
    else:
        fault.setting, fault.reason, fault.last_seen = setting, reason, now
    session.flush()
    log.error(
        "the mail system refused the service's sign-in: every email is kept queued until "
        "%s is fixed",
        setting,
        extra={"setting": setting, "error": reason},
    )


def wait_until(session: Session, now: datetime) -> datetime | None:
    """When the next probe may go, if a refusal is too recent to ask again yet."""
    fault = current(session)
    if fault is None or now - fault.last_seen >= PROBE_INTERVAL:
        return None
    return fault.last_seen + PROBE_INTERVAL


def clear(session: Session) -> bool:
    """A delivery succeeded: forget the fault and make every waiting message due now."""
    if current(session) is None:
        return False
    session.execute(delete(MailSystemFault).execution_options(synchronize_session=False))
    session.execute(
        update(Message)
        .where(Message.status == MessageStatus.QUEUED, Message.last_error.startswith(WAITING))
        .values(next_attempt_at=None, enqueued_at=None)
        .execution_options(synchronize_session=False)
    )
    log.info("the mail system accepted the service's sign-in again; waiting emails are due")
    return True
