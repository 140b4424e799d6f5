"""What every transport is: a way to hand one finished MIME message to a mail system.

A transport knows nothing of the outbox, the policy or retries. It either returns the server's
reply (recorded on the message) or raises ``TransientError`` (try again later) or
``PermanentError`` (do not try again). New transports register a URL scheme here.
"""

from __future__ import annotations

import ipaddress
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol
from urllib.parse import SplitResult, urlsplit

if TYPE_CHECKING:
    from config.settings import Config


class TransportError(Exception):
    """The transport could not hand the message over. ``str()`` is safe to log and store."""


class TransientError(TransportError):
    """Worth trying again later: the server is down, busy, throttling or said 4xx."""


class PermanentError(TransportError):
    """Trying again will not help: a 5xx rejection or a refusal by policy."""


class TransportConfigError(ValueError):
    """MAIL_TRANSPORT or its settings are wrong; the service should not start with them."""


@dataclass(frozen=True)
class Envelope:
    """One message for the wire: who it is from, who gets it, and the MIME itself."""

    sender: str
    recipients: tuple[str, ...]
    mime: EmailMessage


class Transport(Protocol):
    #: Largest message (bytes, encoded) this transport accepts; larger content goes as a link.
    max_bytes: int

    def send(self, envelope: Envelope) -> str:
        """Deliver; return the server's reply. Raise TransientError or PermanentError."""
        ...


Factory = Callable[[SplitResult, "Config"], Transport]
_REGISTRY: dict[str, Factory] = {}


def register(*schemes: str) -> Callable[[Factory], Factory]:
    """Make a factory answer for MAIL_TRANSPORT URLs of these schemes."""

    def decorate(factory: Factory) -> Factory:
        for scheme in schemes:
            _REGISTRY[scheme] = factory
        return factory

    return decorate


def from_settings(settings: Config) -> Transport:
    """The transport MAIL_TRANSPORT names, configured from the settings."""
    # Importing the modules registers their schemes.
    from mail.transports import ews, file, smtp  # noqa: F401

    url = settings.MAIL_TRANSPORT
    if not url:
        raise TransportConfigError("MAIL_TRANSPORT is not set")
    parts = urlsplit(url)
    factory = _REGISTRY.get(parts.scheme)
    if factory is None:
        known = ", ".join(f"{s}://" for s in sorted(_REGISTRY))
        raise TransportConfigError(
            f"MAIL_TRANSPORT scheme {parts.scheme!r} is not supported; use one of {known}"
        )
    return factory(parts, settings)


_ADDRESS_IN_TEXT = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def redact(text: str) -> str:
    """A server's reply with every address cut to its domain, fit to store and to log."""
    return _ADDRESS_IN_TEXT.sub(lambda m: "…@" + m.group(1), text)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses: the only hosts plain-text transports may use."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    """The system's trusted CAs, plus MAIL_CA_FILE's; certificates and host names verified."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
