"""Every email a draft for comment sends: the subject is fixed wording and the draft's
reference (the case reference and the draft's number), never a name or the draft's title.

A member's request and reminders are in their own language where the partnership offers Welsh
and English (``translated``; titles marked for the Welsh catalogue, ``_``); the officer's notice
goes to the partnership's inbox, in English."""

from __future__ import annotations

from mail import routing
from mail.routing import translatable as _

REQUEST = routing.purpose(
    "feedback.request",
    title=_("Draft for comment"),
    template="feedback_request",
    audience="direct",
    translated=True,
)
REMINDER = routing.purpose(
    "feedback.reminder",
    title=_("Reminder: comments on a draft"),
    template="feedback_reminder",
    audience="direct",
    translated=True,
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
