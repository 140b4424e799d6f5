"""Every email family consent sends. Subjects are fixed wording and the case reference, never a
name; the email to the family carries nothing of the case at all.

The emails to the family are in the family member's language, or in Welsh and English where it
is not known and the partnership offers both (``family_context``; their titles are marked for the
Welsh catalogue, ``_``); those to the review are in English.
"""

from __future__ import annotations

from typing import Any

from mail import routing
from mail.routing import translatable as _
from service.consent import language as family_language

#: To the address the family gave, which is usually not a secure one: so it holds no case
#: content (no names, no circumstances), only who is asking, what about, and the link.
REQUEST = routing.purpose(
    "consent.request",
    title=_("Domestic Homicide Review: a request for your consent"),
    template="consent_request",
    audience="direct",
    sensitive=False,
    translated=True,
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
    title=_("Your code for the consent form"),
    template="consent_code",
    audience="direct",
    sensitive=False,
    translated=True,
)


def to_family(partnership: Any, request: Any, context: dict[str, Any]) -> dict[str, Any]:
    """What ``outbox.queue_message`` takes for an email to the family member (``REQUEST``,
    ``CODE``): the body's ``voices``, and the subject's title in each of their languages."""
    languages = family_language.languages_of(partnership, request.language)
    return {
        "context": {**context, "voices": family_language.voices(partnership, request.language)},
        "language": languages[0],
        "subject_languages": languages,
    }
