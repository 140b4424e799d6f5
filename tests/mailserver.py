"""A real SMTP server on loopback for the tests (aiosmtpd), with STARTTLS or implicit TLS."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import warnings
from base64 import b64decode
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    acknowledged: bool = True

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class XOAuth2Login:
    """One AUTH XOAUTH2 the server was given: who, with what token, over TLS or not."""

    user: str
    token: str
    tls: bool
    accepted: bool


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    #: Reply to give to DATA instead of accepting, e.g. "554 5.7.1 rejected".
    reply: str | None = None
    #: When set, the first DATA waits on this event before replying (to kill a client mid-send).
    stall: threading.Event | None = None
    stalled: threading.Event = field(default_factory=threading.Event)
    #: Which DATA of the server's life stalls, counting from 1.
    stall_at: int = 1
    #: Addresses refused at RCPT TO, as a mailbox that does not exist.
    refuse_rcpt: set[str] = field(default_factory=set)
    data_commands: int = 0
    #: User → password for AUTH PLAIN/LOGIN; None: every password is refused.
    passwords: dict[str, str] | None = None
    #: Judges an AUTH XOAUTH2 (user, bearer token); None: XOAUTH2 is not offered.
    xoauth2: Callable[[str, str], bool] | None = None
    #: Refuse this many XOAUTH2 sign-ins first (535), whatever the token.
    xoauth2_refuse: int = 0
    xoauth2_logins: list[XOAuth2Login] = field(default_factory=list)
    #: Every MAIL FROM address given, accepted or not.
    mail_from_commands: list[str] = field(default_factory=list)

    def authenticator(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN201
        """aiosmtpd's check of AUTH PLAIN and LOGIN against ``passwords``."""
        ok = (
            isinstance(auth_data, LoginPassword)
            and (self.passwords or {}).get(auth_data.login.decode()) == auth_data.password.decode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    async def auth_XOAUTH2(self, server, args):  # noqa: ANN001, ANN201, N802
        """SASL XOAUTH2 (``user=U^Aauth=Bearer T^A^A``), as an initial response or after 334."""
        blob = await server.challenge_auth("") if len(args) == 1 else b64decode(args[1])
        if blob is MISSING:
            return AuthResult(success=False, handled=True)
        fields = dict(part.split("=", 1) for part in blob.decode().split("\x01") if "=" in part)
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        tls = server.transport.get_extra_info("ssl_object") is not None
        refused = self.xoauth2_refuse > 0
        self.xoauth2_refuse -= refused
        accepted = tls and not refused and self.xoauth2 is not None and self.xoauth2(user, token)
        self.xoauth2_logins.append(XOAuth2Login(user, token, tls, accepted))
        if accepted:
            return AuthResult(success=True, auth_data=user)
        return AuthResult(
            success=False, handled=False, message="535 5.7.3 Authentication unsuccessful"
        )

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: ANN001, ANN201, N802
        self.mail_from_commands.append(address)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        if address in self.refuse_rcpt:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        import asyncio

        item = Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        self.data_commands += 1
        if (
            self.stall is not None
            and not self.stalled.is_set()
            and self.data_commands >= self.stall_at
        ):
            item.acknowledged = False
            self.received.append(item)
            self.stalled.set()
            while not self.stall.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 aborted"
        if self.reply:
            return self.reply
        self.received.append(item)
        return "250 2.0.0 OK: queued"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Controller(Controller):
    def __init__(  # noqa: ANN001
        self, handler, *, port, starttls_context=None, require_starttls=False, auth=None, **kw
    ):
        self._starttls_context = starttls_context
        self._require_starttls = require_starttls
        self._auth = auth or {}
        super().__init__(handler, hostname="127.0.0.1", port=port, **kw)

    def factory(self):  # noqa: ANN201
        with warnings.catch_warnings():
            if self.ssl_context is not None:  # AUTH "without TLS" is over implicit TLS here
                warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return SMTP(
                self.handler,
                tls_context=self._starttls_context,
                require_starttls=self._require_starttls,
                hostname="localhost",
                **self._auth,
            )


class MailServer:
    """Start, stop and start again on the same port; ``messages`` are the accepted ones."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = Handler()
        self.controller: Controller | None = None

    def start(  # noqa: ANN001
        self,
        *,
        starttls: ssl.SSLContext | None = None,
        implicit_tls=None,
        passwords: dict[str, str] | None = None,
        xoauth2: Callable[[str, str], bool] | None = None,
        auth_before_tls: bool = False,
    ) -> MailServer:
        """``passwords`` or ``xoauth2``: sign-in is required before MAIL FROM. AUTH is offered
        only over TLS, unless ``auth_before_tls`` (a server that would take it in plain text)."""
        self.handler.passwords, self.handler.xoauth2 = passwords, xoauth2
        auth = {}
        if passwords is not None or xoauth2 is not None:
            auth = {
                "auth_required": True,
                "auth_require_tls": implicit_tls is None and not auth_before_tls,
                "authenticator": self.handler.authenticator,
            }
        if xoauth2 is None:
            auth["auth_exclude_mechanism"] = ["XOAUTH2"]
        self.controller = _Controller(
            self.handler,
            port=self.port,
            starttls_context=starttls,
            require_starttls=starttls is not None,
            ssl_context=implicit_tls,
            auth=auth,
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def messages(self) -> list[Received]:
        return [r for r in self.handler.received if r.acknowledged]

    @property
    def url(self) -> str:
        return f"smtp+plain://127.0.0.1:{self.port}"


@dataclass(frozen=True)
class TLSFiles:
    ca_cert: Path
    server_cert: Path
    server_key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.server_cert, self.server_key)
        return ctx


def make_tls_files(folder: Path) -> TLSFiles:
    """A private CA and a certificate it signed for localhost and 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "DHR Forms test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TLSFiles(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    files.ca_cert.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.server_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files
