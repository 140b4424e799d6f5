"""What makes one kind of request to an agency: a ``RequestKind``, and the registry of them.

A feature that asks agencies for something by a date (the trawl, the IMR) describes its
request once, with ``register(RequestKind(...))``: the model (an ``AgencyRequest``), its link,
its message purposes, what its emails say, its chaser intervals and its tracker. The kernel's
engines (``delivery``, ``chasing``) take the kind and do the rest, so a new kind of request
needs only its configuration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from mail import outbox, routing
from service import tokens
from service.models import Agency, Case, Partnership
from service.requests import schedule
from service.workdays import london_date


@dataclass(frozen=True)
class Letter:
    """The request email's context and attachments."""

    context: dict[str, Any]
    attachments: Sequence[outbox.Attachment] = ()
    #: The email's purpose when it is not the kind's ``request`` (a trawl's initial
    #: information request has its own subject).
    purpose: routing.Purpose | None = None


def _agency_of(session: Session, request: Any) -> Agency:
    return session.get(Agency, request.agency_id)


def _case_of(session: Session, request: Any) -> Any:
    return session.get(Case, request.case_id)


def _as_long_again(partnership: Partnership, request: Any, now: dt.datetime) -> dt.date:
    """The due date of a request sent again today: as long after today as it first was after
    the day it was sent (a day at least)."""
    given = (request.due_date - london_date(request.sent_at)).days
    return london_date(now) + dt.timedelta(days=max(given, 1))


@dataclass(frozen=True)
class RequestKind:
    """One kind of request to an agency, as the kernel's engines need it."""

    name: str  # "trawl": audit actions "<name>.chaser_sent", "<name>.escalated"
    model: type  # mixes in service.requests.model.AgencyRequest
    object_type: str  # the audit events' object type, like "trawl_request"
    links: tokens.RequestLinks  # the agency's link to answer the request
    request: routing.Purpose  # the request email
    chaser: routing.Purpose
    escalation: routing.Purpose  # to the agency's escalation contact
    escalation_officer: routing.Purpose  # to the DHR officer
    #: (session, request, case, agency, link, **options) → the request email. ``options`` are
    #: the kind's own (the IMR's ``by_chair``), passed through ``delivery.deliver_request``.
    letter: Callable[..., Letter]
    #: (session, request, case, agency, chaser number) → the chaser email's context; it must
    #: hold "link": the agency's working link, or None.
    chaser_context: Callable[[Session, Any, Case, Agency, int], dict[str, Any]]
    #: The console page the officer's escalation email links to.
    tracker_link: Callable[[Any], str]
    first_chaser_at: Callable[[Partnership, dt.date], dt.datetime] = schedule.first_chaser_at
    chaser_after: Callable[[Partnership, dt.datetime], dt.datetime] = schedule.chaser_after
    #: The chaser of each round that also escalates.
    escalate_with: int = schedule.ESCALATE_WITH
    #: Who the request, its chasers and its escalation are about: the agency asked.
    recipient: Callable[[Session, Any], Agency] = field(default=_agency_of)
    #: What the request is about: its case, or what stands for one (``reference``, ``id``)
    #: while a request has no case yet (a trawl's initial information request).
    case_of: Callable[[Session, Any], Any] = field(default=_case_of)
    #: What the officer's pages call one request: "Trawl request".
    title: str = "Request"
    #: (partnership, request, now) → its due date when the officer restarts it, sending it
    #: again after it bounced (``service.requests.resending``).
    restart_due: Callable[[Partnership, Any, dt.datetime], dt.date] = _as_long_again
    #: The console page of one request, as a path.
    page: Callable[[Any], str] = field(default=lambda request: "/console/")

    @property
    def chaser_action(self) -> str:
        return f"{self.name}.chaser_sent"

    @property
    def escalation_action(self) -> str:
        return f"{self.name}.escalated"

    @property
    def check_name(self) -> str:
        """The sweep's name for chasing this kind, as its report prints it."""
        return f"{self.name} chasers"

    @property
    def log_key(self) -> str:
        return f"{self.object_type}_id"


_KINDS: dict[str, RequestKind] = {}


def register(kind: RequestKind) -> RequestKind:
    """Add ``kind`` to the registry; each name (so each set of audit actions) is one model's."""
    known = _KINDS.get(kind.name)
    if known is not None and known.model is not kind.model:
        raise ValueError(f"request kind {kind.name!r} is already {known.model.__name__}")
    _KINDS[kind.name] = kind
    return kind


def registered() -> tuple[RequestKind, ...]:
    """Every kind registered so far, in the order registered."""
    return tuple(_KINDS.values())
