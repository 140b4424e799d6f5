"""Every email the trawl sends: the subject is fixed wording and the case reference, never a
name.

The emails to the agency are written in Welsh too, and go in the agency's own language
(``translated``); their titles are marked for the Welsh catalogue (``_``). The DHR
officer's are in English.
"""

from __future__ import annotations

from mail import routing
from mail.routing import translatable as _

REQUEST = routing.purpose(
    "trawl.request",
    title=_("Request to search your records for a Domestic Homicide Review"),
    template="trawl_request",
    audience="agency",
    translated=True,
)
CHASER = routing.purpose(
    "trawl.chaser",
    title=_("Reminder: trawl return overdue"),
    template="trawl_chaser",
    audience="agency",
    translated=True,
)
ESCALATION = routing.purpose(
    "trawl.escalation",
    title=_("Trawl return overdue: escalation"),
    template="trawl_escalation",
    audience="agency_escalation",
    translated=True,
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
    title=_("Trawl return received"),
    template="trawl_return_acknowledgement",
    audience="agency",
    translated=True,
)
EXTENSION_REQUESTED = routing.purpose(
    "trawl.extension_requested",
    title="Trawl extension requested",
    template="trawl_extension_requested",
    audience="inbox:dhr_officer",
)
EXTENSION_DECIDED = routing.purpose(
    "trawl.extension_decided",
    title=_("Trawl extension: decision"),
    template="trawl_extension_decided",
    audience="agency",
    translated=True,
)
#: The initial information request: the request email of a trawl sent from a referral while
#: the partnership considers whether to hold a review (service.trawls.initial).
INITIAL_REQUEST = routing.purpose(
    "trawl.initial_request",
    title=_("Request for information about a possible Domestic Homicide Review"),
    template="trawl_request",
    audience="agency",
    translated=True,
)
