"""Every email family consent sends. Subjects are fixed wording and the case reference, never a
name; the email to the family carries nothing of the case at all."""

from __future__ import annotations

from mail import routing

#: To the address the family gave, which is usually not a secure one: so it holds no case
#: content (no names, no circumstances), only who is asking, what about, and the link.
REQUEST = routing.purpose(
    "consent.request",
    title="Domestic Homicide Review: a request for your consent",
    template="consent_request",
    audience="direct",
    sensitive=False,
)
#: To the DHR officer's inbox, the partnership's chair inbox and the case's own chairs, with
#: the signed form attached; the secure-recipient policy decides per address.
RESPONSE = routing.purpose(
    "consent.response",
    title="Family consent form received",
    template="consent_response",
    audience="direct",
)
WITHDRAWAL = routing.purpose(
    "consent.withdrawal",
    title="Family consent withdrawn",
    template="consent_withdrawal",
    audience="direct",
)
#: To the address the family gave, when they open their answered form in another browser: the
#: one-time code, and nothing of the case.
CODE = routing.purpose(
    "consent.code",
    title="Your code for the consent form",
    template="consent_code",
    audience="direct",
    sensitive=False,
)
