"""Each agency's link to its IMR form.

The token is bound to one ImrRequest (so to one case and one agency), can be revoked, and
expires 180 days after the request's due date: a revised IMR often follows the panel's reading
of the first, months later. A new link revokes the old one. Every refusal looks the same to the
visitor.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import clock, runtime, tokens
from service.models import AccessToken, ImrRequest
from service.workdays import end_of

PURPOSE = "imr-return"
SUBJECT = "imr_request"
#: The path the link opens; the view takes the token from the query string.
PATH = "/imr"
#: How long an agency's link works after its due date.
LIFETIME_AFTER_DUE = dt.timedelta(days=180)


def expires_at(due: dt.date) -> dt.datetime:
    return end_of(due) + LIFETIME_AFTER_DUE


def url_for_token(token: str) -> str:
    return f"{runtime.settings().SERVICE_URL.rstrip('/')}{PATH}?token={token}"


def issue(session: Session, request: ImrRequest) -> str:
    """A new link for ``request`` (any earlier one stops working); the URL."""
    tokens.revoke_all(session, purpose=PURPOSE, subject_type=SUBJECT, subject_id=request.id)
    _row, token = tokens.issue(
        session,
        purpose=PURPOSE,
        subject_type=SUBJECT,
        subject_id=request.id,
        partnership_id=request.partnership_id,
        expires_at=expires_at(request.due_date),
    )
    return url_for_token(token)


def current(session: Session, request: ImrRequest) -> AccessToken | None:
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


def current_url(session: Session, request: ImrRequest) -> str | None:
    row = current(session, request)
    return url_for_token(tokens.token_for(row)) if row else None


def revoke(session: Session, request: ImrRequest) -> None:
    tokens.revoke_all(session, purpose=PURPOSE, subject_type=SUBJECT, subject_id=request.id)


def check(session: Session, token: str) -> ImrRequest:
    """The request ``token`` opens; ``tokens.TokenRefused`` otherwise (whatever the reason,
    the caller shows the same page)."""
    try:
        row = tokens.check(session, token, purpose=PURPOSE)
    except tokens.TokenRefused as refused:
        if refused.token is None:
            # An unknown or altered token costs the same database round trip as a known one,
            # so the response time does not tell them apart.
            session.get(ImrRequest, -1)
        raise
    request = None
    if row.subject_type == SUBJECT and row.subject_id.isdigit():
        request = session.get(ImrRequest, int(row.subject_id))
    if request is None or request.partnership_id != row.partnership_id:
        raise tokens.TokenRefused(tokens.TokenProblem.INVALID)
    return request
