"""Every email the IMR sends: the subject is fixed wording and the case reference, never a name.

A submitted IMR goes to two inboxes, the chair's and the DHR officer's, as two purposes so that
each is routed, held or refused on its own and a missing inbox never stops the other.

The emails to the agency (the request, its chasers, the escalation to its escalation contact and
the acknowledgement) are written in Welsh too, and go in the agency's own language
(``translated``); their titles are marked for the Welsh catalogue (``_``). The chair's and the
DHR officer's are in English.
"""

from __future__ import annotations

from mail import routing
from mail.routing import translatable as _

REQUEST = routing.purpose(
    "imr.request",
    title=_("Request for an Individual Management Review"),
    template="imr_request",
    audience="agency",
    translated=True,
)
CHASER = routing.purpose(
    "imr.chaser",
    title=_("Reminder: Individual Management Review overdue"),
    template="imr_chaser",
    audience="agency",
    translated=True,
)
ESCALATION = routing.purpose(
    "imr.escalation",
    title=_("Individual Management Review overdue: escalation"),
    template="imr_escalation",
    audience="agency_escalation",
    translated=True,
)
ESCALATION_OFFICER = routing.purpose(
    "imr.escalation_officer",
    title="Individual Management Review overdue: agency escalated",
    template="imr_escalation_officer",
    audience="inbox:dhr_officer",
)
SUBMITTED_CHAIR = routing.purpose(
    "imr.submitted_chair",
    title="Individual Management Review received",
    template="imr_submitted",
    audience="inbox:chair",
)
SUBMITTED_OFFICER = routing.purpose(
    "imr.submitted_officer",
    title="Individual Management Review received",
    template="imr_submitted",
    audience="inbox:dhr_officer",
)
#: Both inboxes that receive each submitted version.
SUBMITTED = (SUBMITTED_CHAIR, SUBMITTED_OFFICER)
ACKNOWLEDGEMENT = routing.purpose(
    "imr.acknowledgement",
    title=_("Individual Management Review received"),
    template="imr_acknowledgement",
    audience="agency",
    translated=True,
)
