"""The sweep's request checks: chasing every kind of request to an agency that is overdue.

One check per kind ("trawl chasers", "imr chasers"), each running the one engine,
``service.requests.chasing``: each chaser and escalation exactly once, on working days, none
after the first answer. What a kind's chasers say is the kind's own configuration
(``service.trawls.sending.TRAWL``, ``service.imrs.requesting.IMR``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from service.imrs import requesting
from service.requests import chasing
from service.requests.kinds import RequestKind
from service.trawls import sending
from workers.sweep import Check, deadline_check

#: Every kind the sweep chases, in the order its report lists them.
KINDS: tuple[RequestKind, ...] = (sending.TRAWL, requesting.IMR)


def chaser_check(kind: RequestKind) -> Check:
    """The sweep's check for ``kind``: chase every request past its next chaser time with no
    answer yet; the chasers sent."""

    def send_chasers(session: Session, now: datetime) -> int:
        return chasing.send_due(kind, session, now)

    return deadline_check(kind.check_name)(send_chasers)


CHASER_CHECKS: dict[str, Check] = {kind.name: chaser_check(kind) for kind in KINDS}
