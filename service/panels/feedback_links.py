"""Each member's link to answer on a draft.

The token is bound to one FeedbackRecipient (so to one draft and one member), can be revoked,
and expires 90 days after the draft's deadline, so a late answer can still come in. A new link
revokes the old one; closing the draft revokes them all, and a closed draft's link is refused
even before that. Every refusal looks the same to the visitor.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from service import tokens
from service.models import FeedbackRecipient, FeedbackRequest
from service.workdays import end_of

PURPOSE = "draft-comments"
SUBJECT = "feedback_recipient"
#: The path the link opens; the view takes the token from the query string.
PATH = "/comments"
#: How long a member's link works after the deadline (late answers are still welcome).
LIFETIME_AFTER_DEADLINE = dt.timedelta(days=90)


def expires_at(deadline: dt.date) -> dt.datetime:
    return end_of(deadline) + LIFETIME_AFTER_DEADLINE


class Linked:
    """What a member's link opens: their part in one draft. It has the ``id``,
    ``partnership_id`` and ``case_id`` the linked pages need."""

    def __init__(self, recipient: FeedbackRecipient) -> None:
        self.recipient = recipient
        self.request: FeedbackRequest = recipient.request
        self.id = recipient.id
        self.member_id = recipient.member_id
        self.partnership_id = self.request.partnership_id
        self.case_id = self.request.case_id


class RecipientLinks(tokens.RequestLinks):
    """``RequestLinks`` for a row that holds its partnership and case through its draft."""

    def issue(self, session: Session, row: Any) -> str:
        self.revoke(session, row)
        _token_row, token = tokens.issue(
            session,
            purpose=self.purpose,
            subject_type=self.subject,
            subject_id=row.id,
            partnership_id=row.request.partnership_id,
            expires_at=self.expires(row),
        )
        return self.url_for_token(token)

    def check(self, session: Session, token: str) -> Linked:
        try:
            token_row = tokens.check(session, token, purpose=self.purpose)
        except tokens.TokenRefused as refused:
            if refused.token is None:
                # The same database round trip as a known token: the timing tells nothing.
                session.get(self.model, -1)
            raise
        row = None
        if token_row.subject_type == self.subject and token_row.subject_id.isdigit():
            row = session.get(self.model, int(token_row.subject_id))
        if (
            row is None
            or row.request.partnership_id != token_row.partnership_id
            or row.request.closed_at is not None
        ):
            raise tokens.TokenRefused(tokens.TokenProblem.INVALID)
        return Linked(row)


LINKS = RecipientLinks(
    purpose=PURPOSE,
    subject=SUBJECT,
    path=PATH,
    model=FeedbackRecipient,
    expires=lambda recipient: expires_at(recipient.request.deadline),
)
url_for_token = LINKS.url_for_token
issue = LINKS.issue
current = LINKS.current
current_url = LINKS.current_url
revoke = LINKS.revoke
check = LINKS.check
