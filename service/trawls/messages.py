"""Every email the trawl sends: the subject is fixed wording and the case reference, never a
name."""

from __future__ import annotations

from mail import routing

REQUEST = routing.purpose(
    "trawl.request",
    title="Request to search your records for a Domestic Homicide Review",
    template="trawl_request",
    audience="agency",
)
CHASER = routing.purpose(
    "trawl.chaser",
    title="Reminder: trawl return overdue",
    template="trawl_chaser",
    audience="agency",
)
ESCALATION = routing.purpose(
    "trawl.escalation",
    title="Trawl return overdue: escalation",
    template="trawl_escalation",
    audience="agency_escalation",
)
ESCALATION_OFFICER = routing.purpose(
    "trawl.escalation_officer",
    title="Trawl return overdue: agency escalated",
    template="trawl_escalation_officer",
    audience="inbox:dhr_officer",
)
RETURN_SUBMITTED = routing.purpose(
    "trawl.return_submitted",
    title="Trawl return received",
    template="trawl_return_submitted",
    audience="inbox:dhr_officer",
)
RETURN_ACKNOWLEDGEMENT = routing.purpose(
    "trawl.return_acknowledgement",
    title="Trawl return received",
    template="trawl_return_acknowledgement",
    audience="agency",
)
EXTENSION_REQUESTED = routing.purpose(
    "trawl.extension_requested",
    title="Trawl extension requested",
    template="trawl_extension_requested",
    audience="inbox:dhr_officer",
)
EXTENSION_DECIDED = routing.purpose(
    "trawl.extension_decided",
    title="Trawl extension: decision",
    template="trawl_extension_decided",
    audience="agency",
)
#: The initial information request: the request email of a trawl sent from a referral while
#: the partnership considers whether to hold a review (service.trawls.initial).
INITIAL_REQUEST = routing.purpose(
    "trawl.initial_request",
    title="Request for information about a possible Domestic Homicide Review",
    template="trawl_request",
    audience="agency",
)
