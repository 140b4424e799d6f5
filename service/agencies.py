"""Adding and changing a partnership's agencies from the console.

The work behind the console's agency pages, with no Flask in it: every row is read through the
user's ``Scope``, and every change is audited by field name only (never the names or addresses
themselves) in the caller's transaction.

An agency added here gets a ``key`` made from its name, unique within the partnership. The key
never changes, so a partnership file loaded later that lists an agency with the same key updates
that agency rather than adding a second one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from mail import policy, routing
from service import audit
from service.auth import identity, scope
from service.models import Agency, Partnership

#: The fields an officer edits, in the order the form shows them.
FIELDS = ("name", "secure_addresses", "escalation_contact", "on_standard_trawl_list")
KEY_MAX = 64
_SUFFIX_ROOM = 5  # "-9999"


class AgencyNotFound(LookupError):
    """No such agency in the user's partnership."""


class DuplicateName(ValueError):
    """Another agency in the partnership already has this name (ignoring case and spacing)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"There is already an agency called {name}")
        self.name = name


@dataclass
class Saved:
    agency: Agency
    partnership: Partnership
    created: bool
    #: The names of the fields that changed (for a new agency, those given a value).
    changed: list[str]
    #: The agency's secure addresses whose domain is not on the partnership's allowlist.
    insecure_addresses: list[str]


def _comparable(name: str) -> str:
    return " ".join(name.split()).casefold()


def key_for(name: str, taken: set[str]) -> str:
    """A slug of ``name`` (lower case, digits and hyphens) not in ``taken``: -2, -3... if needed."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    base = base[: KEY_MAX - _SUFFIX_ROOM].rstrip("-")
    if len(base) < 2:
        base = f"agency-{base}".rstrip("-")
    key, n = base, 2
    while key in taken:
        key = f"{base}-{n}"
        n += 1
    return key


def insecure_addresses(partnership: Partnership, agency: Agency) -> list[str]:
    return [a for a in agency.secure_addresses if not policy.is_secure(partnership, a)]


def save(
    session: Session,
    sc: scope.Scope,
    data: dict[str, Any],
    *,
    agency_id: int | None = None,
    client_address: str | None = None,
) -> Saved:
    """Add an agency (``agency_id`` None) or change one, from ``forms.agency.AgencySchema``'s
    clean data, and audit it, in the caller's transaction.

    AgencyNotFound if ``agency_id`` is not an agency the user may see; DuplicateName if another
    agency in the partnership has the name; PermissionError if the user may not edit agencies.
    """
    user = sc.user
    if not scope.can(user, "agencies.edit"):
        raise PermissionError("agencies.edit")
    partnership = sc.get(session, Partnership, user.partnership_id)
    if partnership is None:
        raise AgencyNotFound(agency_id)
    agency = None
    if agency_id is not None:
        agency = sc.get(session, Agency, agency_id)
        if agency is None:
            raise AgencyNotFound(agency_id)

    everyone = list(session.scalars(sc.select(Agency)))
    name = data["name"]
    for other in everyone:
        if other is not agency and _comparable(other.name) == _comparable(name):
            raise DuplicateName(other.name)

    created = agency is None
    if agency is None:
        agency = Agency(partnership_id=partnership.id, key=key_for(name, {a.key for a in everyone}))
        session.add(agency)
        before: dict[str, Any] = {
            "name": "",
            "secure_addresses": [],
            "escalation_contact": None,
            "on_standard_trawl_list": False,
        }
    else:
        before = {field: getattr(agency, field) for field in FIELDS}

    changed = []
    for field in FIELDS:
        value = data[field]
        if field == "secure_addresses":
            value = list(value)
        if before[field] != value:
            changed.append(field)
        setattr(agency, field, value)
    # The language of its emails, where the partnership offers more than one: asked, and kept
    # as it is when not (None: the partnership's first language, mail.routing.language).
    language = data.get("language")
    if language is not None and language in (partnership.languages or ()):
        if created or routing.agency_language(partnership, agency) != language:
            changed.append("language")
        agency.language = language
    session.flush()

    if changed:
        audit.record(
            session,
            "agency.created" if created else "agency.updated",
            actor=identity.actor_of(user),
            partnership_id=partnership.id,
            object_type="agency",
            object_id=agency.id,
            client_address=client_address,
            changed=changed,
        )
    return Saved(agency, partnership, created, changed, insecure_addresses(partnership, agency))
