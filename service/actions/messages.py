"""Every email the action plan sends: the subject is fixed wording and the case reference."""

from __future__ import annotations

from mail import routing

REMINDER = routing.purpose(
    "action.reminder",
    title="Reminder: action plan target date",
    template="action_reminder",
    audience="direct",
)

LINK = routing.purpose(
    "action.link",
    title="Your link to update an action plan action",
    template="action_link",
    audience="direct",
)
