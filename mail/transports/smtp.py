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
import threading
import time
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

#: A kept connection idle this many seconds is checked (RSET) before the next message goes on it.
RECHECK_AFTER = 2.0

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
        #: Seconds a connection is kept open after a send for the next message (0: closed after
        #: every send). ``dhr worker`` sets it: messages delivered in a row share one connection.
        self.keep_alive: float = 0
        self._kept: smtplib.SMTP | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()
        self._reaper: threading.Thread | None = None

    def _connect(self) -> smtplib.SMTP:
        if self.mode == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.context
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def send(self, envelope: Envelope) -> str:
        if self.keep_alive <= 0:
            with self._errors(), self._signed_in() as conn:
                return self._send_on(conn, envelope)
        with self._lock, self._errors():
            conn = self._reusable() or self._open()
            self._kept = None
            try:
                reply = self._send_on(conn, envelope)
            except BaseException:
                # A refusal, a broken connection or the job's time-out mid-send: the connection's
                # state is unknown, so it is never used again.
                _drop(conn)
                raise
            self._kept, self._last_used = conn, time.monotonic()
            self._start_reaper()
            return reply

    def _send_on(self, conn: smtplib.SMTP, envelope: Envelope) -> str:
        recipients = list(envelope.recipients)
        if envelope.sender.isascii() and all(r.isascii() for r in recipients):
            # What send_message would write, flattened once (``Envelope.wire``).
            refused = conn.sendmail(envelope.sender, recipients, envelope.wire)
        else:  # smtplib asks for SMTPUTF8 and flattens with it
            refused = conn.send_message(
                envelope.mime, from_addr=envelope.sender, to_addrs=recipients
            )
        if refused:
            codes = sorted({code for code, _ in refused.values()})
            raise PermanentError(f"the SMTP server refused recipients: {codes}")
        return f"accepted by {self.host}:{self.port}"

    def close(self) -> None:
        """QUIT the connection kept for the next message, if there is one."""
        with self._lock:
            conn, self._kept = self._kept, None
        if conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                conn.quit()
            _drop(conn)

    def _reusable(self) -> smtplib.SMTP | None:
        """The kept connection if it is still fresh and, after a pause, still answers."""
        conn = self._kept
        if conn is None:
            return None
        idle = time.monotonic() - self._last_used
        if idle >= self.keep_alive:
            self._kept = None
            _drop(conn)
            return None
        if idle >= RECHECK_AFTER:
            # The server may have dropped it meanwhile: RSET costs one round trip, a message
            # sent into a dead connection costs a retry.
            try:
                conn.rset()
            except (smtplib.SMTPException, OSError):
                self._kept = None
                _drop(conn)
                return None
        return conn

    def _start_reaper(self) -> None:
        """A thread that closes the kept connection once it has been idle for ``keep_alive``."""
        if self._reaper is not None and self._reaper.is_alive():
            return
        self._reaper = threading.Thread(target=self._reap, name="smtp-idle-close", daemon=True)
        self._reaper.start()

    def _reap(self) -> None:
        while True:
            with self._lock:
                if self._kept is None:
                    return
                left = self._last_used + self.keep_alive - time.monotonic()
                if left <= 0:
                    conn, self._kept = self._kept, None
                    with contextlib.suppress(smtplib.SMTPException, OSError):
                        conn.quit()
                    _drop(conn)
                    return
            time.sleep(min(left, 1.0))

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
            self._secure_and_sign_in(conn)
            yield conn

    def _open(self) -> smtplib.SMTP:
        """A new connection, secured and signed in, for the caller to keep (or close)."""
        conn = self._connect()
        try:
            self._secure_and_sign_in(conn)
        except BaseException:
            _drop(conn)
            raise
        return conn

    def _secure_and_sign_in(self, conn: smtplib.SMTP) -> None:
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


def _drop(conn: smtplib.SMTP) -> None:
    """Close the socket without a word to the server (its state is unknown or it is gone)."""
    with contextlib.suppress(OSError):
        conn.close()


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
