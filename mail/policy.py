"""The secure-recipient policy. The only place that decides whether content may go to an address.

Sensitive content goes only to addresses whose domain matches the partnership's allowlist. For
any other address the partnership has chosen either a content-free notice or holding the message
for the officer; either way it is recorded, never silent.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from service.models import Partnership

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ADDRESS = re.compile(
    r"^(?P<local>[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    rf"@(?P<domain>{_LABEL}(?:\.{_LABEL})+)\Z",
    re.IGNORECASE,
)
_PATTERN = re.compile(rf"^(?:\*\.)?{_LABEL}(?:\.{_LABEL})+\Z", re.IGNORECASE)


class InvalidAddress(ValueError):
    """Not an email address the service will send to."""


class Decision(enum.StrEnum):
    SECURE = "secure"  # send as written
    NOTICE = "notice"  # send a content-free notice instead
    HOLD = "held"  # keep for the officer


@dataclass(frozen=True)
class Verdict:
    address: str
    decision: Decision

    @property
    def reason(self) -> str:
        if self.decision is Decision.SECURE:
            return "secure recipient"
        return (
            f"{mask(self.address)} is not a secure recipient: its domain is not on the "
            "partnership's secure-domain allowlist"
        )


def normalise(address: str) -> str:
    """The address with its domain in lower case; InvalidAddress if it is not a plain address."""
    candidate = (address or "").strip()
    match = _ADDRESS.match(candidate)
    if not match or len(candidate) > 254 or len(match["local"]) > 64:
        raise InvalidAddress("not a valid email address (expected name@domain)")
    return f"{match['local']}@{match['domain'].lower()}"


def domain_of(address: str) -> str:
    return normalise(address).rsplit("@", 1)[1]


def check_pattern(pattern: str) -> str:
    """A domain pattern as the allowlist stores it: ``nhs.net`` or ``*.gov.uk``."""
    value = (pattern or "").strip().lower()
    if not _PATTERN.match(value):
        raise ValueError(f"{pattern!r} is not a domain or *.domain pattern")
    return value


def domain_matches(domain: str, patterns: list[str]) -> bool:
    """``nhs.net`` matches that domain only; ``*.gov.uk`` matches any domain below gov.uk."""
    domain = domain.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern.startswith("*."):
            if domain.endswith("." + pattern[2:]):
                return True
        elif domain == pattern:
            return True
    return False


def is_secure(partnership: Partnership, address: str) -> bool:
    return domain_matches(domain_of(address), partnership.secure_domains)


def secure_only(partnership: Partnership, addresses: Iterable[str | None]) -> list[str]:
    """The secure recipients among ``addresses``; blank and malformed ones are left out."""
    found = []
    for address in addresses:
        try:
            if address and is_secure(partnership, address):
                found.append(normalise(address))
        except InvalidAddress:
            continue
    return found


def decide(partnership: Partnership, address: str, *, sensitive: bool) -> Verdict:
    """What may be sent to ``address``. Raises InvalidAddress for a malformed one."""
    address = normalise(address)
    if not sensitive or is_secure(partnership, address):
        return Verdict(address, Decision.SECURE)
    if partnership.insecure_recipient_action == "hold":
        return Verdict(address, Decision.HOLD)
    return Verdict(address, Decision.NOTICE)


def mask(address: str) -> str:
    """An address fit for a log line or an error: the domain only."""
    try:
        return "…@" + domain_of(address)
    except InvalidAddress:
        return "an invalid address"
