"""Each agency's link to its trawl-return form.

The token is bound to one TrawlRequest (so to one trawl and one agency), can be revoked, and
expires 90 days after the request's due date; an approved extension moves that expiry with the
due date. A new link revokes the old one. Every refusal looks the same to the visitor.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from service import tokens
from service.models import TrawlRequest
from service.trawls import schedule

PURPOSE = "trawl-return"
SUBJECT = "trawl_request"
#: The path the link opens; the view takes the token from the query string.
PATH = "/return"

LINKS = tokens.RequestLinks(
    purpose=PURPOSE,
    subject=SUBJECT,
    path=PATH,
    model=TrawlRequest,
    expires=lambda request: schedule.link_expires_at(request.due_date),
)
url_for_token = LINKS.url_for_token
issue = LINKS.issue
current = LINKS.current
current_url = LINKS.current_url
revoke = LINKS.revoke
check = LINKS.check


def extend(session: Session, request: TrawlRequest) -> None:
    """The due date moved: the working link lives on to 90 days after the new date."""
    row = current(session, request)
    if row is not None:
        row.expires_at = schedule.link_expires_at(request.due_date)
