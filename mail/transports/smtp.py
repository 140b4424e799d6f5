"""SMTP transports.

``smtp://``        STARTTLS is required and the certificate verified; never falls back to plain.
``smtps://``       TLS from the first byte (port 465 by default).
``smtp+plain://``  no TLS at all; refused unless the host is a loopback address (a local relay).

User and password, when given, come from the URL (percent-encoded). ``MAIL_CA_FILE`` adds a CA
to the system's trusted ones, for servers with a private certificate.
"""

from __future__ import annotations

import smtplib
import ssl
from urllib.parse import SplitResult, unquote

from mail.transports.base import (
    Envelope,
    PermanentError,
    TransientError,
    TransportConfigError,
    is_loopback,
    register,
    tls_context,
)


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
    ) -> None:
        self.host, self.port, self.mode = host, port, mode
        self.username, self.password = username, password
        self.timeout = timeout
        self.max_bytes = max_bytes
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
        try:
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
                if self.username:
                    conn.login(self.username, self.password or "")
                refused = conn.send_message(
                    envelope.mime, from_addr=envelope.sender, to_addrs=list(envelope.recipients)
                )
                if refused:
                    codes = sorted({code for code, _ in refused.values()})
                    raise PermanentError(f"the SMTP server refused recipients: {codes}")
                return f"accepted by {self.host}:{self.port}"
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            if all(400 <= c < 500 for c in codes):
                raise TransientError(f"recipients deferred by the SMTP server: {codes}") from exc
            raise PermanentError(f"recipients refused by the SMTP server: {codes}") from exc
        except smtplib.SMTPResponseException as exc:
            reply = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            detail = f"SMTP {exc.smtp_code}: {reply}"
            if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError):
                raise PermanentError(detail) from exc
            raise TransientError(detail) from exc
        except ssl.SSLError as exc:
            raise TransientError(f"TLS failed: {exc.reason or type(exc).__name__}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TransientError(
                f"could not reach the SMTP server at {self.host}:{self.port}: {type(exc).__name__}"
            ) from exc


def _factory(mode: str):  # noqa: ANN202
    def build(url: SplitResult, settings) -> SMTPTransport:  # noqa: ANN001
        host = url.hostname
        if not host:
            raise TransportConfigError(f"MAIL_TRANSPORT={url.scheme}:// needs a host")
        try:
            port = url.port or {"starttls": 587, "tls": 465, "plain": 25}[mode]
        except ValueError as exc:
            raise TransportConfigError("MAIL_TRANSPORT has an invalid port") from exc
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
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            ca_file=ca_file,
            timeout=settings.MAIL_TIMEOUT,
            max_bytes=settings.MAIL_MAX_BYTES,
        )

    return build


register("smtp")(_factory("starttls"))
register("smtps")(_factory("tls"))
register("smtp+plain")(_factory("plain"))
