"""Who gets what: every kind of message the service sends, and how its recipients are found.

A purpose names the subject text, the templates and the audience. Later features register their
own purposes with ``purpose(...)``; the subject is always built here from the purpose's title and
the reference, so no caller can put a person's name in a subject line.

A purpose whose templates are written in Welsh as well as English (``translated``) is written in
the language its recipient chose (``language``): an agency's, or a person's given with the
message (a panel member's); every other message, the officers' inboxes' too, is in English.
The subject's classification marking is in both languages when the message is in Welsh or the
partnership offers both (``marking``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext

from service.i18n import speaking

if TYPE_CHECKING:
    from service.models import Agency, Partnership

SUBJECT_MARKING = "OFFICIAL-SENSITIVE"
#: The marking in Welsh: fixed, as the English is (never left to the catalogue).
WELSH_MARKING = "SWYDDOGOL-SENSITIF"
_REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9/-]{0,63}$")
_INBOXES = ("referrals", "dhr_officer", "chair")


class RoutingError(ValueError):
    """The message cannot be addressed: unknown purpose, bad reference or nobody to send to."""


class NoRecipients(RoutingError):
    """Nobody to send to: the inbox or address the purpose goes to is not configured."""


@dataclass(frozen=True)
class Purpose:
    name: str
    title: str  # subject text; fixed wording, never personal data
    template: str  # templates/email/<template>.txt (and .html if present)
    audience: str  # "inbox:<name>", "agency", "agency_escalation" or "direct"
    sensitive: bool = True  # False only for messages that carry no case content at all
    #: Its title and templates are in Welsh too: it goes in its recipient's own language.
    translated: bool = False


PURPOSES: dict[str, Purpose] = {}


def translatable(text: str) -> str:
    """Marks a purpose's title for the Welsh catalogue (imported as ``_``, so that the catalogue
    finds it): the title stays English here, and ``subject`` writes it in the message's
    language."""
    return text


_ = translatable


def purpose(
    name: str,
    *,
    title: str,
    template: str,
    audience: str,
    sensitive: bool = True,
    translated: bool = False,
) -> Purpose:
    """Register a kind of message."""
    if audience.startswith("inbox:"):
        if audience[6:] not in _INBOXES:
            raise ValueError(f"unknown inbox {audience[6:]!r}; inboxes are {_INBOXES}")
    elif audience not in ("agency", "agency_escalation", "direct"):
        raise ValueError(f"unknown audience {audience!r}")
    if translated and audience.startswith("inbox:"):
        raise ValueError(f"{name}: the partnership's inboxes are written to in English")
    entry = Purpose(name, title, template, audience, sensitive, translated)
    PURPOSES[name] = entry
    return entry


def get(name: str) -> Purpose:
    try:
        return PURPOSES[name]
    except KeyError as exc:
        raise RoutingError(f"no message purpose called {name!r}") from exc


def language(
    entry: Purpose,
    partnership: Partnership,
    agency: Agency | None = None,
    chosen: str | None = None,
) -> str:
    """The language a message of ``entry`` is written in. For one written in both: ``chosen``
    (the person's own choice, given with the message), else the agency's for a message to an
    agency, each only if the partnership offers it, else the partnership's first language.
    English for every other."""
    if not entry.translated:
        return "en"
    if chosen is None and agency is not None and entry.audience != "direct":
        return agency_language(partnership, agency)
    return offered_language(partnership, chosen)


def offered_language(partnership: Partnership, chosen: str | None) -> str:
    """``chosen`` if the partnership offers it, else its first language: a choice never made,
    or made when it offered a language it no longer does."""
    offered = list(partnership.languages or ["en"])
    return chosen if chosen in offered else offered[0]


def agency_language(partnership: Partnership, agency: Agency | None) -> str:
    """The language the agency's emails are written in: its own choice, or the partnership's
    first language if it has none (a new agency) or chose one the partnership no longer
    offers."""
    return offered_language(partnership, getattr(agency, "language", None))


def marking(partnership: Partnership | None, language: str = "en") -> str:
    """The classification marking: in both languages for a message in Welsh, and for every
    message of a partnership that offers both."""
    bilingual = len(getattr(partnership, "languages", None) or ()) > 1
    if language == "cy" or bilingual:
        return f"{SUBJECT_MARKING} / {WELSH_MARKING}"
    return SUBJECT_MARKING


def subject(
    title: str,
    reference: str,
    *,
    partnership: Partnership | None = None,
    language: str = "en",
    languages: Sequence[str] = (),
) -> str:
    """The subject line: the marking, the title in ``language`` and the reference, nothing else.
    A message written in more than one language (``languages``, in order) has its title in each,
    separated by " / "."""
    check_reference(reference)
    titles = []
    for code in languages or (language,):
        if code == "en":
            titles.append(title)
        else:
            with speaking(code):
                titles.append(gettext(title))
    # The marking in both languages where any of the message is in Welsh.
    shown = "cy" if "cy" in (languages or (language,)) else language
    return f"{marking(partnership, shown)}: {' / '.join(titles)} [{reference}]"


def check_reference(reference: str) -> str:
    if not _REFERENCE.match(reference or ""):
        raise RoutingError(
            "a reference is 1 to 64 capital letters, digits, '-' or '/' (never a name)"
        )
    return reference


def recipients(
    entry: Purpose,
    partnership: Partnership,
    *,
    agency: Agency | None = None,
    to: Iterable[str] = (),
) -> list[str]:
    """The addresses this purpose goes to, without duplicates, in a stable order.

    For an ``agency`` audience, ``to`` adds addresses after the agency's own (a copy to the
    person who wrote to it); the other audiences ignore it, apart from ``direct``.
    """
    if entry.audience.startswith("inbox:"):
        found = partnership.inbox(entry.audience[6:])
    elif entry.audience in ("agency", "agency_escalation"):
        if agency is None:
            raise RoutingError(f"{entry.name} needs an agency")
        if agency.partnership_id != partnership.id:
            raise RoutingError("the agency belongs to another partnership")
        if entry.audience == "agency":
            found = [*agency.secure_addresses, *to]
        else:
            found = [agency.escalation_contact] if agency.escalation_contact else []
    else:
        found = list(to)
    # Case does not make a different mailbox in practice: one message per mailbox.
    by_mailbox: dict[str, str] = {}
    for address in (a.strip() for a in found if a and a.strip()):
        by_mailbox.setdefault(address.lower(), address)
    unique = list(by_mailbox.values())
    if not unique:
        raise NoRecipients(f"nobody to send {entry.name} to: no address is configured")
    return unique


# Messages the mail pipeline itself sends.
TEST_MESSAGE = purpose(
    "mail.test", title="Test message", template="test_message", audience="direct"
)
NOTICE = purpose(
    "mail.notice",
    title=_("Message waiting"),
    template="notice",
    audience="direct",
    sensitive=False,
)

# A message the service sent came back (mail.bounces): the DHR officer is told, once a day at
# most for each address.
BOUNCED = purpose(
    "mail.bounced",
    title="An email could not be delivered",
    template="bounced",
    audience="inbox:dhr_officer",
)
