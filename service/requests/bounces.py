"""When a request's email or a chaser bounces: which of the agency's addresses are dead for it,
whether the agency ever got it, and the chasers that skip a dead address.

Every message the kernel queues for a request (its email, each chaser) is recorded as one of
its deliveries (``RequestDelivery``); ``mail.bounces`` marks a message ``bounced`` when a report
of permanent failure arrives. From those two facts, and nothing a guess could add:

- an address is *dead* for a request when the latest of the request's messages to it bounced;
- a request is *undelivered* when one of its messages bounced and none queued at the same time
  or later is still on its way or was sent (queued, sending, sent or held): the agency never
  got it, or no longer gets it. Its tracker says "Email bounced", its chasers pause, and its
  due date is not treated as missed;
- a chaser goes to the agency's addresses that are not dead for the request; when every one
  is, it waits (``service.requests.chasing``).

Sending the request again to a corrected address (``service.requests.resending``) queues a new
delivery, so the request is delivered again and its chasers resume, to the new address only.
An address's bounces are also the agency's (``address_bounces``): its page and the trawl's
check page say when each of its addresses last bounced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session, aliased

from service.models import (
    Agency,
    BounceKind,
    Message,
    MessageBounce,
    MessageStatus,
    RequestDelivery,
)
from service.requests.kinds import RequestKind

#: A message in one of these states may still reach the agency, or did.
LIVE = (MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.HELD)


def _key(address: str) -> str:
    return address.strip().lower()


def record(session: Session, kind: RequestKind, request: Any, messages: Iterable[Message]) -> None:
    """The messages just queued carry ``request``: its email or a chaser."""
    for message in messages:
        session.add(
            RequestDelivery(
                kind=kind.name,
                request_id=request.id,
                message_id=message.id,
                queued_at=message.created_at,
            )
        )


@dataclass(frozen=True)
class Bounced:
    """What bounced of one request: its dead addresses (each with when the report came) and
    whether the agency has no delivery of it left on its way or sent."""

    dead: dict[str, dt.datetime] = field(default_factory=dict)  # lower-case address → when
    undelivered: bool = False

    @property
    def on(self) -> dt.datetime:
        """When the last of its bounces was reported."""
        return max(self.dead.values())


def states(session: Session, kind: RequestKind, requests: Sequence[Any]) -> dict[int, Bounced]:
    """The bounces of each of ``requests`` that has a dead address, by request id."""
    ids = [r.id for r in requests]
    if not ids:
        return {}
    rows = session.execute(
        select(
            RequestDelivery.request_id,
            RequestDelivery.queued_at,
            RequestDelivery.id,
            Message.id,
            Message.recipient,
            Message.status,
        )
        .join(Message, Message.id == RequestDelivery.message_id)
        .where(RequestDelivery.kind == kind.name, RequestDelivery.request_id.in_(ids))
        .order_by(RequestDelivery.queued_at, RequestDelivery.id)
    ).all()
    bounced_ids = [r[3] for r in rows if r[5] is MessageStatus.BOUNCED]
    reported = _reported(session, bounced_ids)
    by_request: dict[int, list[Any]] = {}
    for row in rows:
        by_request.setdefault(row[0], []).append(row)
    found = {}
    for request_id, deliveries in by_request.items():
        latest: dict[str, Any] = {}
        for row in deliveries:  # in the order queued: the last one to each address wins
            latest[_key(row[4])] = row
        dead = {
            address: reported.get(row[3], row[1])
            for address, row in latest.items()
            if row[5] is MessageStatus.BOUNCED
        }
        if not dead:
            continue
        last_bounce = max(r[1] for r in deliveries if r[5] is MessageStatus.BOUNCED)
        last_live = max((r[1] for r in deliveries if r[5] in LIVE), default=None)
        found[request_id] = Bounced(dead, last_live is None or last_live < last_bounce)
    return found


def of(session: Session, kind: RequestKind, request: Any) -> Bounced | None:
    """The bounces of one request, or None if none of its addresses is dead."""
    return states(session, kind, [request]).get(request.id)


def _reported(session: Session, message_ids: list[str]) -> dict[str, dt.datetime]:
    if not message_ids:
        return {}
    return dict(
        session.execute(
            select(MessageBounce.message_id, func.max(MessageBounce.reported_at))
            .where(
                MessageBounce.message_id.in_(message_ids),
                MessageBounce.kind == BounceKind.BOUNCED,
            )
            .group_by(MessageBounce.message_id)
        ).all()
    )


def standing(bounced: Bounced | None, agency: Agency) -> Bounced | None:
    """What the officer still needs to know of ``bounced``: all of it while the request is
    undelivered; else only the dead addresses the agency still has (None if it has none)."""
    if bounced is None or bounced.undelivered:
        return bounced
    current = {_key(a) for a in agency.secure_addresses or ()}
    dead = {a: when for a, when in bounced.dead.items() if a in current}
    return Bounced(dead, False) if dead else None


def undelivered(kind: RequestKind) -> ColumnElement[bool]:
    """A clause true of the rows of ``kind.model`` that are undelivered (as ``Bounced``)."""
    model = kind.model
    b, mb = aliased(RequestDelivery), aliased(Message)
    d, md = aliased(RequestDelivery), aliased(Message)
    live_since = (
        select(d.id)
        .join(md, md.id == d.message_id)
        .where(
            d.kind == kind.name,
            d.request_id == b.request_id,
            md.status.in_(LIVE),
            d.queued_at >= b.queued_at,
        )
    )
    return exists(
        select(b.id)
        .join(mb, mb.id == b.message_id)
        .where(
            b.kind == kind.name,
            b.request_id == model.id,
            mb.status == MessageStatus.BOUNCED,
            ~exists(live_since),
        )
    )


def tried(session: Session, kind: RequestKind, request: Any) -> set[str]:
    """Every address (lower case) the request or one of its chasers was queued for."""
    return {
        _key(address)
        for address in session.scalars(
            select(Message.recipient)
            .join(RequestDelivery, RequestDelivery.message_id == Message.id)
            .where(RequestDelivery.kind == kind.name, RequestDelivery.request_id == request.id)
        )
    }


def waiting_bounces(session: Session, kind: RequestKind, request: Any) -> list[MessageBounce]:
    """The bounces of the request's messages still on the dashboard (not dealt with yet)."""
    return list(
        session.scalars(
            select(MessageBounce)
            .join(RequestDelivery, RequestDelivery.message_id == MessageBounce.message_id)
            .where(
                RequestDelivery.kind == kind.name,
                RequestDelivery.request_id == request.id,
                MessageBounce.kind == BounceKind.BOUNCED,
                MessageBounce.dealt_with_at.is_(None),
            )
            .order_by(MessageBounce.id)
        )
    )


@dataclass(frozen=True)
class Addressed:
    """An agency as the outbox's routing reads it, with only some of its addresses."""

    id: int
    partnership_id: int
    name: str
    secure_addresses: list[str]
    escalation_contact: str | None
    language: str | None = None  # the language its emails are written in (mail.routing)


def only(agency: Agency, addresses: Iterable[str]) -> Addressed:
    """``agency`` with only those of its addresses in ``addresses`` (compared in lower case)."""
    keep = {_key(a) for a in addresses}
    return Addressed(
        id=agency.id,
        partnership_id=agency.partnership_id,
        name=agency.name,
        secure_addresses=[a for a in agency.secure_addresses or () if _key(a) in keep],
        escalation_contact=agency.escalation_contact,
        language=agency.language,
    )


def without_dead(agency: Agency, bounced: Bounced | None) -> Agency | Addressed:
    """``agency`` without the addresses dead for the request (itself when none is)."""
    if bounced is None:
        return agency
    return only(agency, [a for a in agency.secure_addresses or () if _key(a) not in bounced.dead])


def address_bounces(
    session: Session, partnership_id: int, addresses: Iterable[str]
) -> dict[str, dt.datetime]:
    """When each of ``addresses`` (lower case) last bounced, of those that ever did."""
    keys = sorted({_key(a) for a in addresses})
    if not keys:
        return {}
    return {
        address: when
        for address, when in session.execute(
            select(func.lower(MessageBounce.recipient), func.max(MessageBounce.reported_at))
            .where(
                MessageBounce.partnership_id == partnership_id,
                MessageBounce.kind == BounceKind.BOUNCED,
                func.lower(MessageBounce.recipient).in_(keys),
            )
            .group_by(func.lower(MessageBounce.recipient))
        ).all()
    }


def agency_bounces(session: Session, agencies: Iterable[Agency]) -> dict[int, dict[str, Any]]:
    """For each agency with an address that ever bounced: that address (lower case) → when it
    last did, by agency id."""
    agencies = list(agencies)
    if not agencies:
        return {}
    found: dict[int, dict[str, Any]] = {}
    by_partnership: dict[int, list[Agency]] = {}
    for agency in agencies:
        by_partnership.setdefault(agency.partnership_id, []).append(agency)
    for partnership_id, group in by_partnership.items():
        when = address_bounces(
            session, partnership_id, [a for agency in group for a in agency.secure_addresses or ()]
        )
        for agency in group:
            mine = {
                _key(a): when[_key(a)] for a in agency.secure_addresses or () if _key(a) in when
            }
            if mine:
                found[agency.id] = mine
    return found
