"""Each agency's link to its IMR form.

The token is bound to one ImrRequest (so to one case and one agency), can be revoked, and
expires 180 days after the request's due date: a revised IMR often follows the panel's reading
of the first, months later. A new link revokes the old one. Every refusal looks the same to the
visitor.
"""

from __future__ import annotations

import datetime as dt

from service import tokens
from service.models import ImrRequest
from service.workdays import end_of

PURPOSE = "imr-return"
SUBJECT = "imr_request"
#: The path the link opens; the view takes the token from the query string.
PATH = "/imr"
#: How long an agency's link works after its due date.
LIFETIME_AFTER_DUE = dt.timedelta(days=180)


def expires_at(due: dt.date) -> dt.datetime:
    return end_of(due) + LIFETIME_AFTER_DUE


LINKS = tokens.RequestLinks(
    purpose=PURPOSE,
    subject=SUBJECT,
    path=PATH,
    model=ImrRequest,
    expires=lambda request: expires_at(request.due_date),
)
url_for_token = LINKS.url_for_token
issue = LINKS.issue
current = LINKS.current
current_url = LINKS.current_url
revoke = LINKS.revoke
check = LINKS.check
