"""Every email the IMR sends: the subject is fixed wording and the case reference, never a name.

A submitted IMR goes to two inboxes, the chair's and the DHR officer's, as two purposes so that
each is routed, held or refused on its own and a missing inbox never stops the other.
"""

from __future__ import annotations

from mail import routing

REQUEST = routing.purpose(
    "imr.request",
    title="Request for an Individual Management Review",
    template="imr_request",
    audience="agency",
)
CHASER = routing.purpose(
    "imr.chaser",
    title="Reminder: Individual Management Review overdue",
    template="imr_chaser",
    audience="agency",
)
ESCALATION = routing.purpose(
    "imr.escalation",
    title="Individual Management Review overdue: escalation",
    template="imr_escalation",
    audience="agency_escalation",
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
    title="Individual Management Review received",
    template="imr_acknowledgement",
    audience="agency",
)
