"""Each agency's link to its trawl-return form.

The token is bound to one TrawlRequest (so to one trawl and one agency), can be revoked, and
expires 90 days after the request's due date; an approved extension moves that expiry with the
due date. A new link revokes the old one. Every refusal looks the same to the visitor.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import clock, runtime, tokens
from service.models import AccessToken, TrawlRequest
from service.trawls import schedule

PURPOSE = "trawl-return"
SUBJECT = "trawl_request"
#: The path the link opens; the view takes the token from the query string.
PATH = "/return"


def url_for_token(token: str) -> str:
    return f"{runtime.settings().SERVICE_URL.rstrip('/')}{PATH}?token={token}"


def issue(session: Session, request: TrawlRequest) -> str:
    """A new link for ``request`` (any earlier one stops working); the URL."""
    tokens.revoke_all(session, purpose=PURPOSE, subject_type=SUBJECT, subject_id=request.id)
    _row, token = tokens.issue(
        session,
        purpose=PURPOSE,
        subject_type=SUBJECT,
        subject_id=request.id,
        partnership_id=request.partnership_id,
        expires_at=schedule.link_expires_at(request.due_date),
    )
    return url_for_token(token)


def current(session: Session, request: TrawlRequest) -> AccessToken | None:
    """The request's working token, if it has one."""
    return session.scalar(
        select(AccessToken)
        .where(
            AccessToken.purpose == PURPOSE,
            AccessToken.subject_type == SUBJECT,
            AccessToken.subject_id == str(request.id),
            AccessToken.revoked_at.is_(None),
            AccessToken.expires_at > clock.now(),
        )
        .order_by(AccessToken.created_at.desc())
        .limit(1)
    )


def current_url(session: Session, request: TrawlRequest) -> str | None:
    row = current(session, request)
    return url_for_token(tokens.token_for(row)) if row else None


def revoke(session: Session, request: TrawlRequest) -> None:
    tokens.revoke_all(session, purpose=PURPOSE, subject_type=SUBJECT, subject_id=request.id)


def extend(session: Session, request: TrawlRequest) -> None:
    """The due date moved: the working link lives on to 90 days after the new date."""
    row = current(session, request)
    if row is not None:
        row.expires_at = schedule.link_expires_at(request.due_date)


def check(session: Session, token: str) -> TrawlRequest:
    """The request ``token`` opens; ``tokens.TokenRefused`` otherwise (whatever the reason,
    the caller shows the same page)."""
    try:
        row = tokens.check(session, token, purpose=PURPOSE)
    except tokens.TokenRefused as refused:
        if refused.token is None:
            # An unknown or altered token costs the same database round trip as a known one,
            # so the response time does not tell them apart.
            session.get(TrawlRequest, -1)
        raise
    request = None
    if row.subject_type == SUBJECT and row.subject_id.isdigit():
        request = session.get(TrawlRequest, int(row.subject_id))
    if request is None or request.partnership_id != row.partnership_id:
        raise tokens.TokenRefused(tokens.TokenProblem.INVALID)
    return request
