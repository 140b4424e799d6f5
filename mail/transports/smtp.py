"""SMTP transports.

``smtp://``        STARTTLS is required and the certificate verified; never falls back to plain.
``smtps://``       TLS from the first byte (port 465 by default).
``smtp+plain://``  no TLS at all; refused unless the host is a loopback address (a local relay).

User and password, when given, come from the URL (percent-encoded). ``MAIL_CA_FILE`` adds a CA
to the system's trusted ones, for servers with a private certificate.

``MAIL_SMTP_AUTH=xoauth2`` (``smtp://`` and ``smtps://`` only, e.g. Exchange Online's
``smtp://smtp.office365.com:587``) signs in with SASL XOAUTH2 instead of a password: an access
token for ``https://outlook.office365.com/.default`` from the ``GRAPH_*`` client credentials
(``mail.transports.entra``). The mailbox signed in as is the URL's user name when it has one
(``smtp://dhr%40example.gov.uk@smtp.office365.com:587``), otherwise ``GRAPH_SENDER``; the URL
must not hold a password. The token is only ever sent after TLS is up. If the server refuses it
(535), a new token is fetched and sign-in tried once more; a second refusal raises
``CredentialsRefused``: the app's rights (``SMTP.SendAsApp``, its access to the mailbox) need an
administrator, and no message is given up on meanwhile.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Callable, Iterator
from urllib.parse import SplitResult, unquote

from mail.transports.base import (
    CredentialsRefused,
    Envelope,
    PermanentError,
    TransientError,
    TransportConfigError,
    is_loopback,
    redact,
    register,
    tls_context,
)

#: The resource an Exchange Online SMTP token is for (client credentials take ``/.default``).
XOAUTH2_SCOPE = "https://outlook.office365.com/.default"

_TLS_NAMES = {"starttls": "STARTTLS", "tls": "TLS", "plain": "no TLS"}
#: Where the XOAUTH2 mailbox came from: the setting an administrator checks, and how to say it.
_MAILBOX_FROM = {"GRAPH_SENDER": "GRAPH_SENDER", "MAIL_TRANSPORT": "the user in MAIL_TRANSPORT"}


class SMTPTransport:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        mode: str,
        username: str | None = None,
        password: str | None = None,
        ca_file: str | None = None,
        timeout: float = 60,
        max_bytes: int = 20 * 1024 * 1024,
        oauth=None,  # noqa: ANN001 - an entra.ClientCredentials: XOAUTH2 as ``username``
        mailbox_setting: str = "",
    ) -> None:
        self.host, self.port, self.mode = host, port, mode
        self.username, self.password = username, password
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.oauth = oauth
        self.mailbox_setting = mailbox_setting
        self.context: ssl.SSLContext | None = None
        if mode in ("starttls", "tls"):
            self.context = tls_context(ca_file)

    def _connect(self) -> smtplib.SMTP:
        if self.mode == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.context
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def send(self, envelope: Envelope) -> str:
        with self._errors(), self._signed_in() as conn:
            refused = conn.send_message(
                envelope.mime, from_addr=envelope.sender, to_addrs=list(envelope.recipients)
            )
            if refused:
                codes = sorted({code for code, _ in refused.values()})
                raise PermanentError(f"the SMTP server refused recipients: {codes}")
            return f"accepted by {self.host}:{self.port}"

    def check(self) -> str:
        """Connect, secure the connection and sign in as for a send, then QUIT: no MAIL FROM."""
        with self._errors(), self._signed_in():
            pass
        where = f"{self.host}:{self.port} ({_TLS_NAMES[self.mode]})"
        if self.oauth is not None:
            return f"signed in to {where} as {self.username} with XOAUTH2"
        if self.username:
            return f"signed in to {where} as {self.username} with a password"
        return f"connected to {where}; no sign-in configured"

    @contextlib.contextmanager
    def _signed_in(self) -> Iterator[smtplib.SMTP]:
        """A connection that is secured (as the mode asks) and signed in; QUIT on leaving."""
        with self._connect() as conn:
            conn.ehlo()
            if self.mode == "starttls":
                if not conn.has_extn("starttls"):
                    # Could be a misconfigured relay or someone stripping STARTTLS: either
                    # way the content must not go in plain text. Try again later.
                    raise TransientError(
                        "the SMTP server did not offer STARTTLS; refusing to send without TLS"
                    )
                conn.starttls(context=self.context)
                conn.ehlo()
            if self.oauth is not None:
                self._xoauth2(conn)
            elif self.username:
                conn.login(self.username, self.password or "")
            yield conn

    def _xoauth2(self, conn: smtplib.SMTP) -> None:
        """SASL XOAUTH2, on a connection that is already TLS (``_signed_in`` sees to that)."""
        offered = conn.esmtp_features.get("auth", "").upper().split()
        if "XOAUTH2" not in offered:
            raise TransientError(
                f"the SMTP server at {self.host}:{self.port} does not offer AUTH XOAUTH2 "
                f"(MAIL_SMTP_AUTH=xoauth2); it offers {' '.join(offered) or 'no AUTH'}"
            )
        refusal: smtplib.SMTPAuthenticationError | None = None
        for refresh in (False, True):
            token = self.oauth.token(XOAUTH2_SCOPE, refresh=refresh)
            try:
                # No initial response: the AUTH line stays short (tokens run to kilobytes) and
                # the exchange is the one Exchange Online documents (AUTH XOAUTH2, 334, token).
                conn.auth(
                    "XOAUTH2", _xoauth2_response(self.username, token), initial_response_ok=False
                )
                return
            except smtplib.SMTPAuthenticationError as exc:
                if exc.smtp_code != 535:
                    raise
                refusal = exc
        assert refusal is not None
        raise CredentialsRefused(
            f"the SMTP server refused the XOAUTH2 sign-in twice ({redact(_reply(refusal))}), "
            "with a token Microsoft had just issued: check that the app (GRAPH_CLIENT_ID, "
            f"{self.oauth.credential_setting}) has the SMTP.SendAsApp permission with admin "
            f"consent and rights on the mailbox ({_MAILBOX_FROM[self.mailbox_setting]}), and "
            "that SMTP AUTH is enabled for that mailbox",
            setting=self.mailbox_setting,
        ) from None

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """smtplib's and the socket's exceptions as TransientError or PermanentError."""
        try:
            yield
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            if all(400 <= c < 500 for c in codes):
                raise TransientError(f"recipients deferred by the SMTP server: {codes}") from exc
            raise PermanentError(f"recipients refused by the SMTP server: {codes}") from exc
        except smtplib.SMTPResponseException as exc:
            detail = _reply(exc)
            if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError):
                raise PermanentError(detail) from exc
            raise TransientError(detail) from exc
        except ssl.SSLError as exc:
            raise TransientError(f"TLS failed: {exc.reason or type(exc).__name__}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TransientError(
                f"could not reach the SMTP server at {self.host}:{self.port}: {type(exc).__name__}"
            ) from exc


def _reply(exc: smtplib.SMTPResponseException) -> str:
    reply = (
        exc.smtp_error.decode("utf-8", "replace")
        if isinstance(exc.smtp_error, bytes)
        else str(exc.smtp_error)
    )
    return f"SMTP {exc.smtp_code}: {reply}"


def _xoauth2_response(user: str | None, token: str) -> Callable[..., str]:
    """smtplib's ``authobject`` for XOAUTH2: the client response to the server's first 334.

    A server may answer a refused token with a second 334 carrying an error report; the client
    then sends an empty response and the server replies 535."""
    sent = False

    def respond(challenge: bytes | None = None) -> str:
        nonlocal sent
        if sent:
            return ""
        sent = True
        return f"user={user}\x01auth=Bearer {token}\x01\x01"

    return respond


def _xoauth2_settings(url: SplitResult, mode: str, settings) -> tuple[object, str, str]:  # noqa: ANN001
    """For MAIL_SMTP_AUTH=xoauth2: the token source, the mailbox and the setting naming it."""
    from mail.transports import entra

    if mode == "plain":
        raise TransportConfigError(
            "MAIL_SMTP_AUTH=xoauth2 sends an access token, so it needs TLS: use smtp:// "
            "(STARTTLS) or smtps://, not smtp+plain://"
        )
    if url.password is not None:
        raise TransportConfigError(
            "MAIL_SMTP_AUTH=xoauth2 signs in with a token, not a password: remove the password "
            "from MAIL_TRANSPORT (a user name there is the mailbox to sign in as)"
        )
    if url.username:
        mailbox, setting = unquote(url.username), "MAIL_TRANSPORT"
    else:
        mailbox, setting = (settings.GRAPH.get("SENDER") or "").strip(), "GRAPH_SENDER"
    if "@" not in mailbox:
        raise TransportConfigError(
            "MAIL_SMTP_AUTH=xoauth2 needs the mailbox to sign in as: set GRAPH_SENDER, or give "
            "it as the user name in MAIL_TRANSPORT (smtp://dhr%40example.gov.uk@host:587)"
        )
    return entra.ClientCredentials.from_settings(settings), mailbox, setting


def _factory(mode: str):  # noqa: ANN202
    def build(url: SplitResult, settings) -> SMTPTransport:  # noqa: ANN001
        host = url.hostname
        if not host:
            raise TransportConfigError(f"MAIL_TRANSPORT={url.scheme}:// needs a host")
        try:
            port = url.port or {"starttls": 587, "tls": 465, "plain": 25}[mode]
        except ValueError as exc:
            raise TransportConfigError("MAIL_TRANSPORT has an invalid port") from exc
        auth = (getattr(settings, "MAIL_SMTP_AUTH", "") or "").strip().lower()
        if auth not in ("", "xoauth2"):
            raise TransportConfigError(
                f"MAIL_SMTP_AUTH must be xoauth2 or unset (the URL's user and password), "
                f"not {auth!r}"
            )
        oauth, mailbox_setting = None, ""
        username = unquote(url.username) if url.username else None
        if auth == "xoauth2":
            oauth, username, mailbox_setting = _xoauth2_settings(url, mode, settings)
        if mode == "plain" and not is_loopback(host):
            raise TransportConfigError(
                "MAIL_TRANSPORT=smtp+plain:// sends without TLS, so it is only allowed to a "
                f"loopback address (127.0.0.1, ::1 or localhost), not {host}"
            )
        ca_file = settings.MAIL_CA_FILE or None
        if ca_file:
            try:
                tls_context(ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise TransportConfigError(f"MAIL_CA_FILE cannot be read as a CA: {exc}") from exc
        return SMTPTransport(
            host,
            port,
            mode=mode,
            username=username,
            password=unquote(url.password) if url.password else None,
            ca_file=ca_file,
            timeout=settings.MAIL_TIMEOUT,
            max_bytes=settings.MAIL_MAX_BYTES,
            oauth=oauth,
            mailbox_setting=mailbox_setting,
        )

    return build


register("smtp")(_factory("starttls"))
register("smtps")(_factory("tls"))
register("smtp+plain")(_factory("plain"))
