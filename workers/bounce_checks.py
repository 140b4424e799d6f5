"""The sweep's check for bounce reports: every ``MAIL_BOUNCES_MINUTES`` (5), the mailbox of
reports is read once (``mail.bounces.poll``).

The sweep only claims the turn, with a conditional update on ``bounce_poll`` (so two schedulers
read the mailbox once a period), and hands the reading to a worker: the mail system is never
called inside the sweep's transaction. A mailbox that cannot be reached is logged and read
again at the next turn; nothing is recorded or moved meanwhile.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mail import faults
from mail.bounces import poll
from mail.transports import TransportConfigError, TransportError
from service import runtime
from service.models import BouncePoll
from service.queues import DEFAULT, queue
from workers.sweep import deadline_check

log = logging.getLogger(__name__)

READ_TIMEOUT = 600


@deadline_check("bounce mailbox reads")
def read_when_due(session: Session, now: datetime) -> int:
    """Hand a reading of the mailbox of reports to a worker if its turn has come: 1 or 0."""
    settings = runtime.settings()
    name = poll.configured(settings)
    if name is None:
        return 0
    if faults.current(session) is not None:
        # The mail system refuses the service's sign-in: deliveries probe it once a minute, and
        # the first that gets through clears this; reading would only be refused as well.
        return 0
    if not claim_turn(session, name, now, settings.MAIL_BOUNCES_MINUTES):
        return 0
    try:
        queue(DEFAULT).enqueue(
            "workers.bounce_checks.read_reports",
            job_timeout=READ_TIMEOUT,
            result_ttl=3600,
            description=f"read the {name} mailbox of bounce reports",
        )
    except RedisError as exc:
        log.warning(
            "could not enqueue the bounce mailbox read", extra={"error": type(exc).__name__}
        )
        return 0
    return 1


def claim_turn(session: Session, name: str, now: datetime, minutes: int) -> bool:
    """True for the one caller that takes this period's reading of mailbox ``name``."""
    taken = session.execute(
        update(BouncePoll)
        .where(
            BouncePoll.mailbox == name,
            BouncePoll.polled_at <= now - timedelta(minutes=max(minutes, 1)),
        )
        .values(polled_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:
        return True
    if session.scalar(select(BouncePoll.mailbox).where(BouncePoll.mailbox == name)):
        return False
    try:
        with session.begin_nested():
            session.add(BouncePoll(mailbox=name, polled_at=now))
            session.flush()
    except IntegrityError:
        return False  # another scheduler's first turn
    return True


def read_reports() -> dict[str, int]:
    """The worker's job: read the mailbox of reports; what each report gave."""
    runtime.bootstrap()
    settings = runtime.settings()
    try:
        results = poll.run(poll.open_mailbox(settings))
    except (TransportError, TransportConfigError) as exc:
        log.warning(
            "bounce mailbox not read; trying again at the next turn",
            extra={"source": poll.configured(settings), "error": str(exc)},
        )
        return {}
    return dict(results)
