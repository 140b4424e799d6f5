"""Each lead officer's link to update their action.

The token is bound to one ActionItem (so it updates that action and nothing else), can be
revoked, and expires a year after the target date. Every refusal looks the same to the visitor.
"""

from __future__ import annotations

import datetime as dt

from service import clock, tokens
from service.models import ActionItem
from service.workdays import end_of

PURPOSE = "action-update"
SUBJECT = "action_item"
PATH = "/action"
LIFETIME_AFTER_TARGET = dt.timedelta(days=365)


def expires_at(action: ActionItem) -> dt.datetime:
    if action.target_date is None:
        return clock.now() + LIFETIME_AFTER_TARGET
    return end_of(action.target_date) + LIFETIME_AFTER_TARGET


LINKS = tokens.RequestLinks(
    purpose=PURPOSE, subject=SUBJECT, path=PATH, model=ActionItem, expires=expires_at
)
issue = LINKS.issue
current = LINKS.current
current_url = LINKS.current_url
check = LINKS.check
revoke = LINKS.revoke


def url_for_action(session, action: ActionItem) -> str:  # noqa: ANN001
    """The action's working link, or a new one if it has none."""
    return current_url(session, action) or issue(session, action)
