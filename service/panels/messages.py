"""Every email about a panel meeting: the subject is fixed wording and the case reference.

Members are addressed directly (their own secure address), in their own language where the
partnership offers Welsh and English (``translated``; their titles are marked for the Welsh
catalogue, ``_``); the officer's warnings go to the partnership's DHR officer inbox, in English.
Everything carries case content, so all are sensitive.
"""

from __future__ import annotations

from mail import routing
from mail.routing import translatable as _

PAPERS = routing.purpose(
    "panel.papers",
    title=_("Papers for the panel meeting"),
    template="panel_papers",
    audience="direct",
    translated=True,
)
LATE_PAPERS = routing.purpose(
    "panel.late_papers",
    title=_("Additional papers for the panel meeting"),
    template="panel_late_papers",
    audience="direct",
    translated=True,
)
MOVED = routing.purpose(
    "panel.moved",
    title=_("Panel meeting moved"),
    template="panel_moved",
    audience="direct",
    translated=True,
)
CANCELLED = routing.purpose(
    "panel.cancelled",
    title=_("Panel meeting cancelled"),
    template="panel_cancelled",
    audience="direct",
    translated=True,
)
NO_PAPERS = routing.purpose(
    "panel.no_papers",
    title="No papers uploaded for a panel meeting",
    template="panel_no_papers",
    audience="inbox:dhr_officer",
)
