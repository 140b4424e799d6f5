"""Every email about a panel meeting: the subject is fixed wording and the case reference.

Members are addressed directly (their own secure address); the officer's warnings go to the
partnership's DHR officer inbox. Everything carries case content, so all are sensitive.
"""

from __future__ import annotations

from mail import routing

PAPERS = routing.purpose(
    "panel.papers",
    title="Papers for the panel meeting",
    template="panel_papers",
    audience="direct",
)
LATE_PAPERS = routing.purpose(
    "panel.late_papers",
    title="Additional papers for the panel meeting",
    template="panel_late_papers",
    audience="direct",
)
MOVED = routing.purpose(
    "panel.moved",
    title="Panel meeting moved",
    template="panel_moved",
    audience="direct",
)
CANCELLED = routing.purpose(
    "panel.cancelled",
    title="Panel meeting cancelled",
    template="panel_cancelled",
    audience="direct",
)
NO_PAPERS = routing.purpose(
    "panel.no_papers",
    title="No papers uploaded for a panel meeting",
    template="panel_no_papers",
    audience="inbox:dhr_officer",
)
