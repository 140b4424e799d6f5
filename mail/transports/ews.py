"""``ews://``: send through Exchange Web Services (on-premises Exchange) with exchangelib.

The finished MIME message goes to Exchange unchanged (so its Message-ID, parts and attachments
are exactly what the service built) in one ``CreateItem`` call with
``MessageDisposition=SendAndSaveCopy``, with ``Envelope.recipients`` as its To recipients;
Exchange sends it and keeps a copy in the Sent Items of ``EWS_SENDER``'s mailbox. Exchange sends
from that mailbox whatever ``Envelope.sender`` says: the MIME From should be that address (or one
the mailbox has Send As rights on).

Settings (environment variables; ``MAIL_TRANSPORT=ews://``):

``EWS_SERVICE_ENDPOINT`` (required)
    The full EWS URL, ``https://mail.example.org/EWS/Exchange.asmx``. Nothing is discovered or
    guessed (no autodiscover). ``http://`` is refused unless the host is a loopback address.
``EWS_VERSION`` (required)
    The Exchange version, so exchangelib never probes the server for it: ``Exchange2013``,
    ``Exchange2013_SP1``, ``Exchange2016``, ``Exchange2019`` (also ``Exchange2010``,
    ``Exchange2010_SP1``, ``Exchange2010_SP2``), or a build number such as ``15.1.2507`` or
    ``15.2.1544.4``.
``EWS_SENDER`` (required)
    The primary SMTP address of the mailbox that sends; the copy is saved in its Sent Items.
``EWS_AUTH``
    ``ntlm`` (default): ``EWS_USERNAME`` (``DOMAIN\\user`` or ``user@domain``) and
    ``EWS_PASSWORD``; the account sends as itself or as a mailbox it has delegate/Send As rights on.
    ``oauth2``: OAuth 2.0 client credentials from Microsoft Entra ID (``EWS_CLIENT_ID``,
    ``EWS_CLIENT_SECRET``, ``EWS_TENANT_ID``); the application impersonates ``EWS_SENDER``, so it
    needs application (impersonation) rights on that mailbox.
``EWS_MAX_WAIT`` (seconds, default 60)
    How long one send may spend backing off when Exchange throttles (``ErrorServerBusy``) or
    answers 503; after that the send fails with ``TransientError`` and the outbox retries later.
``MAIL_CA_FILE``
    A PEM file of extra CA certificates to trust for the EWS server, in addition to the system's.
    Certificate and host name verification always stay on.
``MAIL_TIMEOUT``
    Seconds to wait for the server on each HTTP request.

Errors: Exchange refusing the message itself (invalid recipients, too large, access or Send As
denied, unreadable MIME...) raises ``PermanentError``; anything else (unreachable, TLS failure,
throttled for longer than ``EWS_MAX_WAIT``, 5xx, rejected credentials) raises ``TransientError``.
Their text names only the EWS response code or exception class, never the subject, body or
addresses, and the exchangelib exception is not chained (its text may quote the message).
"""

from __future__ import annotations

import contextlib
import os
import re
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import SplitResult, urlsplit

import requests.adapters
from exchangelib import (
    DELEGATE,
    IMPERSONATION,
    NTLM,
    OAUTH2,
    UTC,
    Account,
    Build,
    Configuration,
    Credentials,
    FaultTolerance,
    Identity,
    Mailbox,
    Message,
    OAuth2Credentials,
    Version,
)
from exchangelib import errors as ews_errors
from exchangelib.protocol import Protocol

from mail.transports.base import (
    Envelope,
    ExtraCAAdapter,
    PermanentError,
    TransientError,
    TransportConfigError,
    TransportError,
    is_loopback,
    register,
    tls_context,
)

#: Exchange's default organisation-wide MaxSendSize is 10 MB (the encoded MIME message).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# EWS_VERSION names -> the build they stand for and the RequestServerVersion to send. Exchange 2019
# has no API version of its own: it speaks the Exchange2016 schema.
_NAMED_VERSIONS: dict[str, tuple[Build, str]] = {
    "Exchange2010": (Build(14, 0), "Exchange2010"),
    "Exchange2010_SP1": (Build(14, 1), "Exchange2010_SP1"),
    "Exchange2010_SP2": (Build(14, 2), "Exchange2010_SP2"),
    "Exchange2013": (Build(15, 0), "Exchange2013"),
    "Exchange2013_SP1": (Build(15, 0, 847), "Exchange2013_SP1"),
    "Exchange2016": (Build(15, 1), "Exchange2016"),
    "Exchange2019": (Build(15, 2), "Exchange2016"),
}

# Response codes meaning Exchange will not take *this message*: sending it again will not help.
_REFUSALS: tuple[type[Exception], ...] = (
    ews_errors.ErrorAccessDenied,
    ews_errors.ErrorAttachmentSizeLimitExceeded,
    ews_errors.ErrorContentConversionFailed,
    ews_errors.ErrorCorruptData,
    ews_errors.ErrorCreateItemAccessDenied,
    ews_errors.ErrorDataSizeLimitExceeded,
    ews_errors.ErrorDistributionListMemberNotExist,
    ews_errors.ErrorInvalidRecipients,
    ews_errors.ErrorInvalidRoutingType,
    ews_errors.ErrorInvalidSmtpAddress,
    ews_errors.ErrorItemCorrupt,
    ews_errors.ErrorMailRecipientNotFound,
    ews_errors.ErrorMessageSizeExceeded,
    ews_errors.ErrorMimeContentConversionFailed,
    ews_errors.ErrorMimeContentInvalid,
    ews_errors.ErrorMimeContentInvalidBase64String,
    ews_errors.ErrorMissingRecipients,
    ews_errors.ErrorPermissionNotAllowedByPolicy,
    ews_errors.ErrorRequestStreamTooBig,
    ews_errors.ErrorSendAsDenied,
    ews_errors.ErrorUnsupportedMimeConversion,
    ews_errors.ErrorVirusDetected,
    ews_errors.ErrorVirusMessageDeleted,
)

_ADDRESS = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")


class EwsTransport:
    """Sends each message with one CreateItem (SendAndSaveCopy) as ``sender``'s mailbox."""

    def __init__(
        self,
        *,
        endpoint: str,
        version: Version,
        sender: str,
        make_credentials: Callable[[], Any],
        auth_type: str,
        access_type: str,
        max_wait: float,
        timeout: int,
        ca_file: str | None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.endpoint = endpoint
        self.version = version
        self.sender = sender
        self.max_wait = max_wait
        self.timeout = timeout
        self.ca_file = ca_file
        self.max_bytes = max_bytes
        self._make_credentials = make_credentials
        self._auth_type = auth_type
        self._access_type = access_type
        self._lock = threading.Lock()
        self._account: Account | None = None
        self._policy: _SendBudget | None = None
        self._pid = os.getpid()

    def send(self, envelope: Envelope) -> str:
        if not envelope.recipients:
            # Exchange would fall back on the MIME headers' addresses: never send to anyone else.
            raise PermanentError("EWS transport was given a message without recipients")
        mime = envelope.wire
        try:
            account, policy = self._account_and_policy()
            policy.start()
            try:
                message = Message(
                    account=account,
                    folder=account.sent,
                    mime_content=mime,
                    to_recipients=[Mailbox(email_address=r) for r in envelope.recipients],
                    is_read=True,
                )
                message.send_and_save()
            finally:
                policy.stop()
        except Exception as exc:  # every failure must become a TransportError safe to log
            raise _safe_error(exc, self.max_wait) from None
        return "EWS accepted"

    def check(self) -> str:
        """Sign in and open the sender's Sent Items (a send's first calls), on a new Account."""
        policy = _SendBudget(max_wait=self.max_wait)
        policy.start()
        try:
            self._build_account(policy).sent  # noqa: B018 - GetFolder root, then sentitems
        except Exception as exc:
            raise _safe_error(exc, self.max_wait) from None
        finally:
            policy.stop()
        return f"signed in to {self.endpoint} and opened the Sent Items of {self.sender}"

    # The Account (and its HTTP sessions) is built on first use and reused for every later send,
    # in this process only: a forked worker builds its own rather than sharing sockets.
    def _account_and_policy(self) -> tuple[Account, _SendBudget]:
        if self._pid != os.getpid():
            self._lock = threading.Lock()
            self._account = self._policy = None
            self._pid = os.getpid()
        with self._lock:
            if self._account is None or self._policy is None:
                self._policy = _SendBudget(max_wait=self.max_wait)
                self._account = self._build_account(self._policy)
            return self._account, self._policy

    def _build_account(self, policy: _SendBudget) -> Account:
        config = Configuration(
            service_endpoint=self.endpoint,
            credentials=self._make_credentials(),
            auth_type=self._auth_type,
            version=self.version,
            retry_policy=policy,
            max_connections=1,
        )
        account = Account(
            primary_smtp_address=self.sender,
            config=config,
            autodiscover=False,
            access_type=self._access_type,
            default_timezone=UTC,
        )
        # exchangelib shares one Protocol (HTTP session pool, retry policy) per endpoint and
        # credentials across the whole process. Give this transport its own, with its timeout and
        # trust store, and drop the shared one the Account constructor registered.
        account.protocol = _TransportProtocol(
            config=config, timeout=self.timeout, ca_file=self.ca_file
        )
        with contextlib.suppress(KeyError):
            del Protocol[config]
        return account


class _SendBudget(FaultTolerance):
    """exchangelib's back-off policy, with ``max_wait`` bounding the total wait of one send.

    (exchangelib's own ``FaultTolerance`` only compares each single back-off with ``max_wait``,
    so a server that keeps asking for short waits would keep a worker forever.) A 401 fails at
    once instead of being retried as throttling: it is nearly always wrong credentials.
    """

    def __init__(self, max_wait: float) -> None:
        super().__init__(max_wait=max_wait)
        self._local = threading.local()

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_local", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._local = threading.local()

    def start(self) -> None:
        self._local.deadline = time.monotonic() + self.max_wait

    def stop(self) -> None:
        self._local.deadline = None

    def back_off(self, seconds: float | None) -> None:
        if seconds is None:
            seconds = self.DEFAULT_BACKOFF
        deadline = getattr(self._local, "deadline", None)
        if deadline is not None and time.monotonic() + seconds > deadline:
            raise ews_errors.RateLimitError("Max timeout reached", wait=seconds)
        super().back_off(seconds)

    def raise_response_errors(self, response: requests.Response) -> None:
        if response.status_code == 401:
            raise ews_errors.UnauthorizedError("HTTP 401 from the EWS endpoint")
        super().raise_response_errors(response)


class _UncachedProtocolType(type(Protocol)):
    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return type.__call__(cls, *args, **kwargs)


class _TransportProtocol(Protocol, metaclass=_UncachedProtocolType):
    """An exchangelib Protocol owned by one transport: not shared through exchangelib's cache."""

    def __init__(self, *, config: Configuration, timeout: int, ca_file: str | None) -> None:
        super().__init__(config=config)
        self.TIMEOUT = timeout
        self._ca_file = ca_file

    def raw_session(  # type: ignore[override]
        self,
        prefix: str,
        oauth2_client: Any = None,
        oauth2_session_params: Any = None,
        oauth2_token_endpoint: str | None = None,
    ) -> requests.Session:
        session = super().raw_session(
            prefix,
            oauth2_client=oauth2_client,
            oauth2_session_params=oauth2_session_params,
            oauth2_token_endpoint=oauth2_token_endpoint,
        )
        if self._ca_file:
            for url in filter(None, (prefix, oauth2_token_endpoint)):
                session.mount(
                    url,
                    ExtraCAAdapter(
                        self._ca_file,
                        pool_block=True,
                        pool_connections=self.CONNECTIONS_PER_SESSION,
                        pool_maxsize=self.CONNECTIONS_PER_SESSION,
                        max_retries=0,
                    ),
                )
        return session


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return chain


def _safe_error(exc: Exception, max_wait: float) -> TransportError:
    """The TransportError for an exchangelib failure, worded without the message's content."""
    name = type(exc).__name__
    if isinstance(exc, _REFUSALS):
        return PermanentError(f"EWS refused the message: {name}")
    if isinstance(exc, ews_errors.RateLimitError):
        return TransientError(
            f"EWS server still busy after backing off for EWS_MAX_WAIT={max_wait:g}s (throttled)"
        )
    if isinstance(exc, ews_errors.UnauthorizedError):
        return TransientError("EWS server rejected the credentials (HTTP 401)")
    chain = _causes(exc)
    if any(isinstance(e, requests.exceptions.SSLError | ssl.SSLError) for e in chain):
        return TransientError("TLS verification of the EWS server failed (check MAIL_CA_FILE)")
    if isinstance(exc, ews_errors.ErrorTimeoutExpired) or any(
        isinstance(e, requests.exceptions.ConnectionError | requests.exceptions.Timeout)
        for e in chain
    ):
        return TransientError(f"EWS server unreachable or did not answer in time ({name})")
    if isinstance(exc, ews_errors.CASError):
        return TransientError(f"EWS front end error ({name}: {exc.cas_error})")
    if isinstance(exc, ews_errors.MalformedResponseError):
        return TransientError(f"EWS server gave an unexpected HTTP answer ({name})")
    return TransientError(f"EWS send failed: {name}")


# --- settings -----------------------------------------------------------------------------------


def _required(ews: dict[str, str], key: str, why: str = "") -> str:
    value = (ews.get(key) or "").strip()
    if not value:
        raise TransportConfigError(f"MAIL_TRANSPORT=ews:// needs EWS_{key}{why}")
    return value


def _endpoint(raw: str) -> str:
    try:
        parts = urlsplit(raw)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise TransportConfigError("EWS_SERVICE_ENDPOINT is not a valid URL") from exc
    if parts.scheme not in ("https", "http") or not host:
        raise TransportConfigError(
            "EWS_SERVICE_ENDPOINT must be a full https:// URL, "
            "e.g. https://mail.example.org/EWS/Exchange.asmx"
        )
    if parts.username is not None or parts.password is not None:
        raise TransportConfigError(
            "EWS_SERVICE_ENDPOINT must not contain credentials; use EWS_USERNAME/EWS_PASSWORD"
        )
    if parts.query or parts.fragment:
        raise TransportConfigError("EWS_SERVICE_ENDPOINT must not have a query or fragment")
    if not parts.path.lower().endswith("/ews/exchange.asmx"):
        raise TransportConfigError(
            "EWS_SERVICE_ENDPOINT must be the EWS URL itself, ending /EWS/Exchange.asmx"
        )
    if parts.scheme == "http" and not is_loopback(host):
        raise TransportConfigError(
            "EWS_SERVICE_ENDPOINT must use https://; http:// is only allowed to a loopback host"
        )
    return raw


def _version(raw: str) -> Version:
    for name, (build, api_version) in _NAMED_VERSIONS.items():
        if raw.lower() == name.lower():
            return Version(build=build, api_version=api_version)
    if re.fullmatch(r"\d+\.\d+(\.\d+){0,2}", raw):
        try:
            return Version(build=Build(*(int(n) for n in raw.split("."))))
        except ValueError:
            pass  # a build exchangelib does not know
    raise TransportConfigError(
        f"EWS_VERSION {raw!r} is not a known Exchange version; use one of "
        f"{', '.join(_NAMED_VERSIONS)} or a build number such as 15.1.2507"
    )


def _max_wait(raw: str | None) -> float:
    if raw is None or raw.strip() == "":
        return 60.0
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise TransportConfigError(
            f"EWS_MAX_WAIT must be a number of seconds (0 or more), not {raw!r}"
        )
    return value


@register("ews")
def _factory(url: SplitResult, settings) -> EwsTransport:  # noqa: ANN001
    if url.netloc or url.path not in ("", "/") or url.query:
        raise TransportConfigError(
            "MAIL_TRANSPORT=ews:// takes no host or path; set EWS_SERVICE_ENDPOINT instead"
        )
    ews = dict(getattr(settings, "EWS", None) or {})
    endpoint = _endpoint(_required(ews, "SERVICE_ENDPOINT", " (https://…/EWS/Exchange.asmx)"))
    version = _version(_required(ews, "VERSION", " (e.g. Exchange2016 or 15.1.2507)"))
    sender = _required(ews, "SENDER", " (the sending mailbox's primary SMTP address)")
    if not _ADDRESS.fullmatch(sender):
        raise TransportConfigError("EWS_SENDER must be the mailbox's primary SMTP address")
    max_wait = _max_wait(ews.get("MAX_WAIT"))

    auth = (ews.get("AUTH") or "ntlm").strip().lower()
    make_credentials: Callable[[], Any]
    if auth == "ntlm":
        username = _required(ews, "USERNAME", " for EWS_AUTH=ntlm (DOMAIN\\user or user@domain)")
        password = _required(ews, "PASSWORD", " for EWS_AUTH=ntlm")
        auth_type, access_type = NTLM, DELEGATE

        def make_credentials() -> Credentials:
            return Credentials(username=username, password=password)

    elif auth == "oauth2":
        client_id = _required(ews, "CLIENT_ID", " for EWS_AUTH=oauth2")
        client_secret = _required(ews, "CLIENT_SECRET", " for EWS_AUTH=oauth2")
        tenant_id = _required(ews, "TENANT_ID", " for EWS_AUTH=oauth2")
        auth_type, access_type = OAUTH2, IMPERSONATION

        def make_credentials() -> OAuth2Credentials:
            return OAuth2Credentials(
                client_id=client_id,
                client_secret=client_secret,
                tenant_id=tenant_id,
                identity=Identity(primary_smtp_address=sender),
            )

    else:
        raise TransportConfigError(f"EWS_AUTH must be ntlm or oauth2, not {auth!r}")

    ca_file = (getattr(settings, "MAIL_CA_FILE", "") or "").strip() or None
    if ca_file:
        try:
            tls_context(ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise TransportConfigError(
                f"MAIL_CA_FILE {ca_file!r} is not a readable PEM file of CA certificates"
            ) from exc
    timeout = getattr(settings, "MAIL_TIMEOUT", 60)
    if not isinstance(timeout, int) or timeout <= 0:
        raise TransportConfigError("MAIL_TIMEOUT must be a positive number of seconds")

    return EwsTransport(
        endpoint=endpoint,
        version=version,
        sender=sender,
        make_credentials=make_credentials,
        auth_type=auth_type,
        access_type=access_type,
        max_wait=max_wait,
        timeout=timeout,
        ca_file=ca_file,
    )
