"""Every email a draft for comment sends: the subject is fixed wording and the draft's
reference (the case reference and the draft's number), never a name or the draft's title."""

from __future__ import annotations

from mail import routing

REQUEST = routing.purpose(
    "feedback.request",
    title="Draft for comment",
    template="feedback_request",
    audience="direct",
)
REMINDER = routing.purpose(
    "feedback.reminder",
    title="Reminder: comments on a draft",
    template="feedback_reminder",
    audience="direct",
)
#: To the DHR officer once every member has answered: no comments in it, only where to read
#: them.
ALL_ANSWERED = routing.purpose(
    "feedback.all_answered",
    title="Draft for comment: every member has answered",
    template="feedback_all_answered",
    audience="inbox:dhr_officer",
    sensitive=False,
)
#: Every purpose above: a member's messages about a draft are found by these and its reference.
MEMBER_PURPOSES = (REQUEST.name, REMINDER.name)
