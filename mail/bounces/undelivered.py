"""Emails that could not be delivered, until the DHR officer has dealt with each.

The dashboard lists every bounce (``MessageBounce`` of kind ``bounced``) not yet marked as dealt
with; marking one is a guarded update, audited, and changes nothing else.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from service import audit, clock
from service.models import BounceKind, MessageBounce


class NotWaiting(LookupError):
    """No such bounce waiting to be dealt with (another officer marked it, say)."""


def waiting(session: Session, *criteria: Any, limit: int = 50) -> list[MessageBounce]:
    """Bounces not dealt with yet, newest first; ``criteria`` scope them (the user's)."""
    return list(
        session.scalars(
            select(MessageBounce)
            .where(
                MessageBounce.kind == BounceKind.BOUNCED,
                MessageBounce.dealt_with_at.is_(None),
                *criteria,
            )
            .options(joinedload(MessageBounce.message))
            .order_by(MessageBounce.reported_at.desc(), MessageBounce.id.desc())
            .limit(limit)
        )
    )


def deal_with(
    session: Session, bounce: MessageBounce, *, actor: str, client_address: str | None = None
) -> None:
    """Mark ``bounce`` as dealt with: it leaves the dashboard."""
    now = clock.now()
    done = session.execute(
        update(MessageBounce)
        .where(MessageBounce.id == bounce.id, MessageBounce.dealt_with_at.is_(None))
        .values(dealt_with_at=now, dealt_with_by=actor[:128])
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise NotWaiting(bounce.id)
    audit.record(
        session,
        "message.bounce_dealt_with",
        actor=actor,
        partnership_id=bounce.partnership_id,
        object_type="message",
        object_id=bounce.message_id,
        client_address=client_address,
    )
