"""Every email the action plan sends: the subject is fixed wording and the case reference.

Both go to the action's lead officer in their agency's language (the partnership's first
language for a multi-agency action), the language their page opens in too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mail import routing

if TYPE_CHECKING:
    from service.models import Agency, Partnership

REMINDER = routing.purpose(
    "action.reminder",
    title="Reminder: action plan target date",
    template="action_reminder",
    audience="direct",
    translated=True,
)

LINK = routing.purpose(
    "action.link",
    title="Your link to update an action plan action",
    template="action_link",
    audience="direct",
    translated=True,
)


def language(partnership: Partnership, agency: Agency | None) -> str:
    """The language of the lead officer's emails and page: their agency's."""
    return routing.agency_language(partnership, agency)
