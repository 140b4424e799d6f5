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
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import SplitResult, urlsplit

import requests
import requests.adapters

if TYPE_CHECKING:
    from config.settings import Config


class TransportError(Exception):
    """The transport could not hand the message over. ``str()`` is safe to log and store."""


class TransientError(TransportError):
    """Worth trying again later: the server is down, busy, throttling or said 4xx."""


class PermanentError(TransportError):
    """Trying again will not help: a 5xx rejection or a refusal by policy."""


class CredentialsRefused(TransientError):
    """The mail system refused the service itself: its secret, certificate or rights to the mailbox.

    No message is at fault, so none is given up on: every one stays queued until an administrator
    fixes ``setting`` and a delivery succeeds. ``str()`` names the setting and is safe to show.
    """

    def __init__(self, message: str, *, setting: str) -> None:
        super().__init__(message)
        self.setting = setting


class TransportConfigError(ValueError):
    """MAIL_TRANSPORT or its settings are wrong; the service should not start with them."""


@dataclass(frozen=True)
class Envelope:
    """One message for the wire: who it is from, who gets it, and the MIME itself."""

    sender: str
    recipients: tuple[str, ...]
    mime: EmailMessage
    #: False when an earlier attempt may have reached the mail system (the transport can look for
    #: the message among those sent before sending it again).
    first_attempt: bool = True

    @cached_property
    def wire(self) -> bytes:
        """The message as it goes on the wire (CRLF line ends), flattened once however many
        times it is asked for: a delivery batch flattens it while the one before is sending."""
        return self.mime.as_bytes()


class Transport(Protocol):
    #: Largest message (bytes, encoded) this transport accepts; larger content goes as a link.
    max_bytes: int

    def send(self, envelope: Envelope) -> str:
        """Deliver; return the server's reply. Raise TransientError or PermanentError."""
        ...

    def check(self) -> str:
        """Sign in and reach the mailbox without sending anything; say what was checked.

        Raises ``TransportError`` with the reason when it cannot (``dhr mail check``)."""
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
    from mail.transports import ews, file, graph, smtp  # noqa: F401

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


class ExtraCAAdapter(requests.adapters.HTTPAdapter):
    """Verifies servers against the system's CAs plus those in ``ca_file``.

    The trust lives in the adapter's SSL context, so ``REQUESTS_CA_BUNDLE`` in the environment
    (which requests lets override a session's ``verify``) can only add to it, never replace it.
    """

    def __init__(self, ca_file: str, **kwargs: Any) -> None:
        self._ca_file = ca_file
        super().__init__(**kwargs)

    def _context(self) -> ssl.SSLContext:
        return tls_context(self._ca_file)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("ssl_context", self._context())
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs.setdefault("ssl_context", self._context())
        return super().proxy_manager_for(proxy, **proxy_kwargs)


class _Session(requests.Session):
    """A session whose requests wait ``timeout`` seconds unless told otherwise."""

    timeout: float | None = None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def https_session(
    ca_file: str | None, *, timeout: float | None = None, pool_size: int = 4
) -> requests.Session:
    """A requests session for a mail system's HTTPS API: certificates always verified, against
    the system's CAs plus ``ca_file``'s; no automatic retries (the callers decide)."""
    session = _Session()
    session.timeout = timeout
    adapter: requests.adapters.HTTPAdapter = (
        ExtraCAAdapter(ca_file, pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
        if ca_file
        else requests.adapters.HTTPAdapter(
            pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0
        )
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
