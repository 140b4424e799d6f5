"""What the console shows of a trawl and does to its requests: each agency's status on the
tracker, the tracker and one request's page, and the officer's actions on a request's link and
its requests for more time. Every row is read through the caller's ``Scope``; no Flask here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, selectinload

from service import clock
from service.auth.scope import Scope
from service.models import (
    Case,
    ExtensionStatus,
    Partnership,
    Trawl,
    TrawlExtension,
    TrawlPerson,
    TrawlRequest,
    TrawlReturn,
    TrawlStatus,
)
from service.requests.bounces import Bounced
from service.requests.tracking import waiting_status
from service.trawls import extensions, links, schedule, sending


def request_status(
    req: TrawlRequest, now: dt.datetime | None = None, bounced: Bounced | None = None
) -> dict[str, str]:
    """The tracker's status of one agency's request, as a GOV.UK tag: returned, or a request
    for more time waiting, else as every request waiting for its answer
    (``service.requests.tracking``; ``bounced``: what bounced of it)."""
    latest = req.latest_return
    if latest is not None:
        if latest.involvement:
            return {"text": "Returned: involvement", "classes": "govuk-tag--green"}
        return {"text": "Returned: no trace", "classes": "govuk-tag--green"}
    if req.pending_extension is not None:
        return {"text": "Extension requested", "classes": "govuk-tag--purple"}
    return waiting_status(req, now, bounced)


def days_taken(req: TrawlRequest) -> int | None:
    """Working days from sending to the first return; None while unanswered."""
    if req.returned_at is None:
        return None
    return schedule.days_taken(clock.as_utc(req.sent_at), clock.as_utc(req.returned_at))


# --- the tracker and one request's page --------------------------------------------------------


@dataclass
class Tracker:
    """Every trawl of a case: the sent ones with each agency's request (by agency name), and
    the drafts, newest first."""

    sent: list[Trawl]
    drafts: list[Trawl]
    requests: dict[int, list[TrawlRequest]] = field(default_factory=dict)


def tracker(session: Session, sc: Scope, case: Case) -> Tracker:
    """The case's tracker."""
    rows = list(
        session.scalars(
            sc.select(Trawl, Trawl.case_id == case.id).order_by(
                Trawl.created_at.desc(), Trawl.id.desc()
            )
        )
    )
    sent = [t for t in rows if t.status is TrawlStatus.SENT]
    drafts = [t for t in rows if t.status is TrawlStatus.DRAFT]
    requests: dict[int, list[TrawlRequest]] = {t.id: [] for t in sent}
    if sent:
        # The agency of each request is the request's own (same partnership, by sending).
        for req in session.scalars(
            sc.select(TrawlRequest, TrawlRequest.trawl_id.in_(requests))
            .options(
                selectinload(TrawlRequest.agency),
                selectinload(TrawlRequest.returns),
                selectinload(TrawlRequest.extensions),
            )
            .order_by(TrawlRequest.id)
        ):
            requests[req.trawl_id].append(req)
        for found in requests.values():
            found.sort(key=lambda r: r.agency.name.casefold())
    return Tracker(sent, drafts, requests)


@dataclass
class RequestDetail:
    """One agency's request: the trawl's people, its returns (newest version first), its
    requests for more time (newest first) and the one still waiting, and when its link expires."""

    trawl: Trawl
    people: list[TrawlPerson]
    returns: list[TrawlReturn]
    extensions: list[TrawlExtension]
    pending: TrawlExtension | None
    link_expires: dt.datetime | None


def request_detail(session: Session, sc: Scope, req: TrawlRequest) -> RequestDetail | None:
    """The request's page; None if the user may not read its trawl."""
    trawl = sc.get(session, Trawl, req.trawl_id)
    if trawl is None:
        return None
    people = list(
        session.scalars(
            sc.select(TrawlPerson, TrawlPerson.trawl_id == trawl.id).order_by(
                TrawlPerson.position, TrawlPerson.id
            )
        )
    )
    returns = list(
        session.scalars(
            sc.select(TrawlReturn, TrawlReturn.request_id == req.id).order_by(
                TrawlReturn.version.desc()
            )
        )
    )
    asked = list(
        session.scalars(
            sc.select(TrawlExtension, TrawlExtension.request_id == req.id).order_by(
                TrawlExtension.id.desc()
            )
        )
    )
    pending = next((e for e in asked if e.status is ExtensionStatus.REQUESTED), None)
    token = links.current(session, req)
    return RequestDetail(
        trawl, people, returns, asked, pending, token.expires_at if token else None
    )


# --- the officer's actions on a request --------------------------------------------------------


def send_link_again(
    session: Session,
    req: TrawlRequest,
    *,
    partnership: Partnership,
    case: Case,
    actor: str,
    new_link: bool,
) -> None:
    """Send the request email again: with its current link, or a new one that replaces it."""
    # The agency may have been given a secure address since the request was sent.
    req.link_withheld = not sending.has_secure_address(partnership, req.agency)
    sending.deliver_request(
        session, req, partnership=partnership, case=case, actor=actor, new_link=new_link
    )
    req.last_activity_at = clock.now()


def revoke_link(session: Session, req: TrawlRequest) -> None:
    """Stop the request's link working."""
    links.revoke(session, req)
    req.last_activity_at = clock.now()


def decide_extension(
    session: Session,
    sc: Scope,
    req: TrawlRequest,
    *,
    approve: bool,
    refusal_reason: str | None,
    actor: str,
    user_id: int | None,
    client_address: str | None,
) -> None:
    """Approve or refuse the request's waiting request for more time
    (``extensions.ExtensionRefused`` if none is waiting or it has been decided)."""
    ext = session.scalar(
        sc.select(
            TrawlExtension,
            TrawlExtension.request_id == req.id,
            TrawlExtension.status == ExtensionStatus.REQUESTED,
        ).order_by(TrawlExtension.id)
    )
    if ext is None:
        raise extensions.ExtensionRefused("There is no request for more time to decide")
    extensions.decide(
        session,
        ext,
        approve=approve,
        refusal_reason=refusal_reason,
        actor=actor,
        user_id=user_id,
        client_address=client_address,
    )
