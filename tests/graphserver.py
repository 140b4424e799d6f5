"""A fake Microsoft identity platform (Entra ID) and Microsoft Graph mail API, on loopback HTTPS.

One ``FakeMicrosoft`` serves both, over real TLS with the tests' private CA, on 127.0.0.1:

- Entra's v2.0 OpenID configuration and token endpoint for the client-credentials grant, with a
  client secret or a client assertion (a JWT signed with a registered certificate's key, found by
  its ``x5t`` or ``x5t#S256`` thumbprint, checked for signature, ``aud``, ``iss``/``sub``, ``exp``).
  Refusals carry Entra's error codes, e.g. AADSTS7000215 for a wrong secret.
- Graph's mail calls as an application: ``sendMail`` and drafts from base64 MIME, file
  attachments, upload sessions for large attachments (pre-authenticated upload URLs, chunks in
  order), ``send``, Sent Items and Drafts searched by ``internetMessageId``, deleting a message,
  ``mailboxSettings``. Every Graph call needs a live bearer token issued here for the Graph scope;
  a mailbox outside ``senders`` is refused as an application access policy refuses it (403
  ErrorAccessDenied), and so is a call the app's ``permissions`` do not cover. Request bodies over
  4,000,000 bytes get 413.

How it differs from the real services: access tokens are opaque random strings, not JWTs; a sent
message is in Sent Items at once (Exchange files it seconds later); nothing is relayed and the
From header is not checked against the mailbox; only the ``internetMessageId eq '...'`` filter is
understood; upload sessions never expire; it throttles only when a test queues that with
``fail()``; a draft whose upload is unfinished is refused at ``send`` (Exchange would send it
without the attachment).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import secrets
import socket
import ssl
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tests.mailserver import TLSFiles

MAX_REQUEST = 4_000_000  # Graph refuses larger request bodies
MIN_UPLOAD_SESSION = 2 * 1024 * 1024  # smaller attachments must be POSTed whole
OUTLOOK = "https://outlook.office365.com"  # the resource SMTP's XOAUTH2 tokens are for
PERMISSIONS = frozenset({"Mail.Send", "Mail.ReadWrite", "MailboxSettings.Read"})
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_FILTER = re.compile(r"\s*internetMessageId\s+eq\s+'((?:[^']|'')*)'\s*")
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_USER = r"/v1\.0/users/(?P<user>[^/]+)"
_MSG = _USER + r"/messages/(?P<id>[^/]+)"
_READ = {"Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"}
#: route name: (method, path, application permissions any one of which allows the call)
ROUTES = {
    "openid": ("GET", r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration", None),
    "token": ("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", None),
    "upload": ("PUT", r"/upload/(?P<session>[^/]+)", None),
    "sendMail": ("POST", _USER + r"/sendMail", {"Mail.Send"}),
    "createMessage": ("POST", _USER + r"/messages", {"Mail.ReadWrite"}),
    "addAttachment": ("POST", _MSG + r"/attachments", {"Mail.ReadWrite"}),
    "createUploadSession": ("POST", _MSG + r"/attachments/createUploadSession", {"Mail.ReadWrite"}),
    "send": ("POST", _MSG + r"/send", {"Mail.Send"}),
    "deleteMessage": ("DELETE", _MSG, {"Mail.ReadWrite"}),
    "listMessages": ("GET", _USER + r"/mailFolders/(?P<folder>sentitems|drafts)/messages", _READ),
    "mailboxSettings": ("GET", _USER + r"/mailboxSettings", {"MailboxSettings.Read"}),
}
# --- the Inbox, for reading bounce reports: listing, raw MIME, mail folders, moving ---------
ROUTES |= {
    "listInbox": ("GET", _USER + r"/mailFolders/(?P<folder>inbox)/messages", _READ),
    "messageValue": ("GET", _MSG + r"/\$value", _READ),
    "listFolders": ("GET", _USER + r"/mailFolders", _READ),
    "createFolder": ("POST", _USER + r"/mailFolders", {"Mail.ReadWrite"}),
    "moveMessage": ("POST", _MSG + r"/move", {"Mail.ReadWrite"}),
}
_PATTERNS = {name: re.compile(path, re.IGNORECASE) for name, (_, path, _) in ROUTES.items()}

#: AADSTS code: (HTTP status, OAuth error, description as Entra words it)
ENTRA_ERRORS = {
    90002: (400, "invalid_tenant", "Tenant '{tenant}' not found."),
    70003: (400, "unsupported_grant_type", "The app requested an unsupported grant type."),
    700016: (400, "unauthorized_client", "Application '{client_id}' was not found in '{tenant}'."),
    1002012: (400, "invalid_scope", "Client credential scopes must end in /.default: {scope}."),
    500011: (400, "invalid_resource", "The resource principal {resource} was not found."),
    7000218: (401, "invalid_client", "Send 'client_assertion' or 'client_secret'."),
    7000215: (
        401,
        "invalid_client",
        "Invalid client secret provided. Ensure the secret being sent in the request is the "
        "client secret value, not the client secret ID, for a secret added to app '{client_id}'.",
    ),
    700027: (401, "invalid_client", "Client assertion failed signature validation."),
    50027: (401, "invalid_client", "JWT token is invalid or malformed: {reason}."),
    700024: (401, "invalid_client", "Client assertion is not within its valid time range."),
}
_GRAPH_CODES = {400: "ErrorInvalidRequest", 401: "InvalidAuthenticationToken"}
_GRAPH_CODES |= {403: "ErrorAccessDenied", 429: "ApplicationThrottled"}
_GRAPH_CODES |= {500: "InternalServerError", 503: "ServiceUnavailable", 504: "GatewayTimeout"}
RAOP = "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy."


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def thumbprints(cert: x509.Certificate) -> tuple[str, str]:
    """The certificate's ``x5t`` and ``x5t#S256``: base64url SHA-1 and SHA-256 thumbprints."""
    sha1 = cert.fingerprint(hashes.SHA1())  # noqa: S303 - what x5t is
    return b64url(sha1), b64url(cert.fingerprint(hashes.SHA256()))


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ClientCertificate:
    """An app registration's certificate, with its key: PEM (plain and encrypted) and .pfx."""

    certificate: x509.Certificate
    pem: Path
    encrypted_pem: Path
    pfx: Path
    password: str


def make_client_certificate(folder: Path, password: str = "pfx-Pass") -> ClientCertificate:  # noqa: S107
    """A self-signed RSA certificate, as one uploads to an Entra app registration."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dhr-forms mail")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(days=1))
        .not_valid_after(_now() + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    files = ClientCertificate(
        cert, folder / "app.pem", folder / "app-encrypted.pem", folder / "app.pfx", password
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    pkcs8 = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
    locked = serialization.BestAvailableEncryption(password.encode())
    files.pem.write_bytes(key.private_bytes(*pkcs8, serialization.NoEncryption()) + cert_pem)
    files.encrypted_pem.write_bytes(key.private_bytes(*pkcs8, locked) + cert_pem)
    files.pfx.write_bytes(pkcs12.serialize_key_and_certificates(b"app", key, cert, None, locked))
    return files


@dataclass
class Request:
    """One HTTP request as the fake received it (``size``: body bytes)."""

    method: str
    path: str
    query: dict[str, str]
    route: str
    size: int
    authorization: str | None
    mailbox: str | None


@dataclass
class TokenRequest:
    grant_type: str
    scope: str
    method: str  # "secret", "assertion" or "none"
    granted: bool
    error: str = ""


@dataclass
class Fault:
    status: int | None  # None: carry the request out, then hang up without answering
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    params: dict[str, str]
    mailbox: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Item:
    """A message in a mailbox folder: a draft, or the copy in Sent Items."""

    id: str
    folder: str
    mime: EmailMessage
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)

    def resource(self, select: list[str] | None = None) -> dict:
        full = {
            "@odata.etag": f'W/"{self.id[-12:]}"',
            "id": self.id,
            "internetMessageId": str(self.mime["Message-ID"]),
            "subject": str(self.mime["Subject"] or ""),
            "isDraft": self.folder == "drafts",
        }
        keep = {"@odata.etag", "id", *(select or full)}
        return {k: v for k, v in full.items() if k in keep}


@dataclass
class Sent:
    mailbox: str
    via: str  # "sendMail" or "draft"
    message: EmailMessage


@dataclass
class Upload:
    mailbox: str
    item_id: str
    name: str
    content_type: str
    size: int
    data: bytearray = field(default_factory=bytearray)


def _json(status: int, obj: object, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(obj).encode()
    return Response(status, body, {"Content-Type": "application/json"} | (headers or {}))


def graph_error(status: int, code: str, message: str) -> Response:
    inner = {"date": _now().isoformat(), "request-id": str(uuid.uuid4())}
    return _json(status, {"error": {"code": code, "message": message, "innerError": inner}})


class FakeMicrosoft:
    """Entra ID and Graph mail in one HTTPS server; start it with ``with`` (or ``start()``)."""

    def __init__(
        self,
        tls: TLSFiles,
        *,
        tenant_id: str = "5f3d7c1e-0000-4000-8000-00000000a11e",
        client_id: str = "9b8c7d6e-0000-4000-8000-0000000c11e7",
        client_secret: str | None = "fake~Secret.Value-0123456789",  # noqa: S107
        senders: set[str] | frozenset[str] = frozenset({"dhr-forms@exampleshire.gov.uk"}),
        certificate: x509.Certificate | list[x509.Certificate] | None = None,
        permissions: set[str] | frozenset[str] = PERMISSIONS,
    ) -> None:
        self.tls = tls
        self.tenant_id, self.client_id = tenant_id, client_id
        #: The secret Entra accepts; a test may change it (or set None) at any time.
        self.client_secret = client_secret
        self.senders = {s.lower() for s in senders}
        certs = certificate if isinstance(certificate, list) else [certificate]
        self.certificates = [c for c in certs if c is not None]
        self.permissions = set(permissions)
        #: Seconds each Graph call takes, so that overlapping calls can be observed.
        self.delay = 0.0
        self.requests: list[Request] = []
        self.token_requests: list[TokenRequest] = []
        self.sent: list[Sent] = []
        self.mailboxes: dict[str, dict[str, Item]] = defaultdict(dict)
        self.uploads: dict[str, Upload] = {}
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        self.tokens: dict[str, tuple[str, float]] = {}  # access token -> (scope, expires at)
        self.faults: dict[str, list[Fault]] = defaultdict(list)
        #: Resources (application ID URIs) tokens may be asked for; start() adds Graph's.
        self.resources = {OUTLOOK}
        self.lock = threading.RLock()
        self.base = ""
        self._server: _Server | None = None

    def start(self) -> FakeMicrosoft:
        self._server = _Server(self, self.tls.server_context())
        self.base = f"https://127.0.0.1:{self._server.server_address[1]}"
        self.resources.add(self.endpoint)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    def __enter__(self) -> FakeMicrosoft:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def authority(self) -> str:
        """GRAPH_AUTHORITY: the tenant's endpoints are under ``{authority}/{tenant_id}``."""
        return self.base

    @property
    def endpoint(self) -> str:
        """GRAPH_ENDPOINT: Graph's calls are under ``{endpoint}/v1.0``."""
        return self.base

    @property
    def token_endpoint(self) -> str:
        return f"{self.authority}/{self.tenant_id}/oauth2/v2.0/token"

    # --- controls, and what happened --------------------------------------------------------

    def fail(
        self,
        route: str,
        status: int,
        *,
        code: str | None = None,
        message: str = "Injected by the test.",
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests on ``route`` with this instead (after auth)."""
        if body is None:
            body = graph_error(status, code or _GRAPH_CODES.get(status, "UnknownError"), message)
            body = body.body
        with self.lock:
            self.faults[route] += [Fault(status, dict(headers or {}), body)] * times

    def drop(self, route: str, *, times: int = 1) -> None:
        """Carry out the next ``times`` requests on ``route``, then hang up without answering."""
        with self.lock:
            self.faults[route] += [Fault(None, {}, b"")] * times

    def expire_tokens(self) -> None:
        """Every access token issued so far is now past its lifetime."""
        with self.lock:
            self.tokens = {t: (scope, 0.0) for t, (scope, _) in self.tokens.items()}

    def token_scope(self, token: str) -> str | None:
        """The scope a live access token was issued for (for an XOAUTH2 server), or None."""
        with self.lock:
            scope, expires = self.tokens.get(token, ("", 0.0))
        return scope if expires > time.time() else None

    @property
    def delivered(self) -> list[EmailMessage]:
        return [s.message for s in self.sent]

    @property
    def sends(self) -> int:
        return len(self.sent)

    def calls(self, route: str) -> list[Request]:
        return [r for r in self.requests if r.route == route]

    @property
    def max_body(self) -> int:
        return max((r.size for r in self.requests), default=0)

    def folder(self, mailbox: str, name: str) -> list[Item]:
        with self.lock:
            return [i for i in self.mailboxes[mailbox.lower()].values() if i.folder == name]

    # --- dispatch ---------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers, body: bytes) -> Response | None:
        """The answer to one request; None means hang up without one."""
        url = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        route, params = "unknown", {}
        for name, pattern in _PATTERNS.items():
            if (match := pattern.fullmatch(url.path)) and ROUTES[name][0] == method:
                route, params = name, match.groupdict()
                break
        mailbox = unquote(params["user"]).lower() if "user" in params else None
        if route == "upload" and (upload := self.uploads.get(params["session"])):
            mailbox = upload.mailbox
        auth = headers.get("Authorization")
        with self.lock:
            self.requests.append(Request(method, url.path, query, route, len(body), auth, mailbox))
            if mailbox:
                self.in_flight[mailbox] += 1
                self.max_in_flight[mailbox] = max(
                    self.max_in_flight[mailbox], self.in_flight[mailbox]
                )
        try:
            if mailbox and self.delay:
                time.sleep(self.delay)
            return self._answer(route, Call(params, mailbox or "", query, headers, body))
        finally:  # before the answer is written, so a client never sees a stale count
            if mailbox:
                with self.lock:
                    self.in_flight[mailbox] -= 1

    def _answer(self, route: str, call: Call) -> Response | None:
        if route == "unknown":
            return graph_error(400, "BadRequest", "The fake does not know this request.")
        if len(call.body) > MAX_REQUEST:
            return graph_error(413, "RequestBodyTooLarge", "The maximum request length is 4 MB.")
        if ROUTES[route][0] in ("POST", "PUT") and call.headers.get("Content-Length") is None:
            return Response(411, b"Length Required")
        if call.mailbox and route != "upload":
            refused = self._authorise(call.headers.get("Authorization") or "", call, route)
            if refused is not None:
                return refused
        with self.lock:
            fault = self.faults[route].pop(0) if self.faults[route] else None
        if fault is not None and fault.status is not None:
            headers = {"Content-Type": "application/json"} | fault.headers
            return Response(fault.status, fault.body, headers)
        answer = getattr(self, "_" + route)(call)
        return None if fault is not None else answer

    def _authorise(self, header: str, call: Call, route: str) -> Response | None:
        scheme, _, token = header.partition(" ")
        with self.lock:
            scope, expires = self.tokens.get(token, ("", 0.0))
        if scheme.lower() != "bearer" or not token:
            return graph_error(401, "InvalidAuthenticationToken", "Access token is empty.")
        if not scope:
            return graph_error(
                401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed."
            )
        if expires <= time.time():
            message = "Lifetime validation failed, the token is expired."
            return graph_error(401, "InvalidAuthenticationToken", message)
        if scope != f"{self.endpoint}/.default":
            return graph_error(401, "InvalidAuthenticationToken", "Invalid audience.")
        if call.mailbox not in self.senders:
            return graph_error(403, "ErrorAccessDenied", RAOP)
        if not ROUTES[route][2] & self.permissions:
            message = "Access is denied. Check credentials and try again."
            return graph_error(403, "ErrorAccessDenied", message)
        return None

    # --- Entra ------------------------------------------------------------------------------

    def _entra_error(self, code: int, **facts: str) -> Response:
        status, error, text = ENTRA_ERRORS[code]
        text = text.format(**facts)
        trace = f"Trace ID: {uuid.uuid4()} Correlation ID: {uuid.uuid4()}"
        return _json(
            status,
            {
                "error": error,
                "error_description": f"AADSTS{code}: {text} {trace} Timestamp: {_now()}",
                "error_codes": [code],
                "timestamp": _now().isoformat(),
                "error_uri": f"https://login.microsoftonline.com/error?code={code}",
            },
        )

    def _openid(self, call: Call) -> Response:
        tenant = call.params["tenant"]
        if tenant != self.tenant_id:
            return self._entra_error(90002, tenant=tenant)
        base = f"{self.authority}/{tenant}"
        auth_methods = ["client_secret_post", "private_key_jwt", "client_secret_basic"]
        document = {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": auth_methods,
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "msgraph_host": urlsplit(self.endpoint).netloc,
        }
        return _json(200, document)

    def _token(self, call: Call) -> Response:
        form = {k: v[-1] for k, v in parse_qs(call.body.decode()).items()}
        grant, scope = form.get("grant_type", ""), form.get("scope", "")
        method = next((m for m in ("assertion", "secret") if f"client_{m}" in form), "none")
        refused = self._refuse_client(call.params["tenant"], form, method, grant, scope)
        error = refused.body.decode() if refused else ""
        with self.lock:
            self.token_requests.append(TokenRequest(grant, scope, method, not refused, error))
        if refused is not None:
            return refused
        token = secrets.token_urlsafe(48)
        with self.lock:
            self.tokens[token] = (scope, time.time() + 3599)
        answer = {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599}
        return _json(200, answer | {"access_token": token})

    def _refuse_client(self, tenant, form, method, grant, scope) -> Response | None:
        resource = scope.removesuffix("/.default")
        checks = [
            (tenant != self.tenant_id, 90002),
            (grant != "client_credentials", 70003),
            (form.get("client_id") != self.client_id, 700016),
            (not scope.endswith("/.default") or " " in scope.strip(), 1002012),
            (resource not in self.resources, 500011),
            (method == "none", 7000218),
            (method == "secret" and form.get("client_secret") != self.client_secret, 7000215),
        ]
        code, reason = next(((c, "") for failed, c in checks if failed), (None, ""))
        if code is None and method == "assertion":
            code, reason = self._assertion_problem(form) or (None, "")
        if code is None:
            return None
        facts = {"tenant": tenant, "scope": scope, "resource": resource, "reason": reason}
        return self._entra_error(code, client_id=form.get("client_id", ""), **facts)

    def _assertion_problem(self, form: dict[str, str]) -> tuple[int, str] | None:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return 50027, "unsupported client_assertion_type"
        try:
            head, payload, signature = form["client_assertion"].split(".")
            header, claims = json.loads(_unb64url(head)), json.loads(_unb64url(payload))
        except (ValueError, binascii.Error):
            return 50027, "not three base64url parts of JSON"
        x5t = str(header.get("x5t", "")).rstrip("=")  # msal pads it, others do not
        x5t256 = str(header.get("x5t#S256", "")).rstrip("=")
        known = {thumbprints(c): c for c in self.certificates}
        cert = next((c for (one, two), c in known.items() if x5t == one or x5t256 == two), None)
        schemes = {
            "RS256": padding.PKCS1v15(),
            "PS256": padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.DIGEST_LENGTH),
        }
        try:
            assert cert is not None and header.get("alg") in schemes
            signed = f"{head}.{payload}".encode()
            scheme = schemes[header["alg"]]
            cert.public_key().verify(_unb64url(signature), signed, scheme, hashes.SHA256())
        except (AssertionError, InvalidSignature, ValueError, binascii.Error):
            return 700027, ""
        now = time.time()
        if claims.get("aud") != self.token_endpoint:
            return 50027, f"aud {claims.get('aud')!r} is not the token endpoint"
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            return 50027, "iss and sub must be the client id"
        if not now - 300 < claims.get("exp", 0) or claims.get("nbf", now) > now + 300:
            return 700024, ""
        return None

    # --- Graph ------------------------------------------------------------------------------

    def _mime(self, body: bytes) -> EmailMessage | Response:
        try:
            raw = base64.b64decode(b"".join(body.split()), validate=True)
        except binascii.Error:
            message = "Invalid base64 string for MIME content."
            return graph_error(400, "ErrorMimeContentInvalidBase64String", message)
        mime = message_from_bytes(raw, policy=policy.default)
        if not raw.strip() or mime.defects or not mime.keys():
            return graph_error(400, "ErrorMimeContentInvalid", "The MIME content is invalid.")
        if mime["Message-ID"] is None:
            mime["Message-ID"] = f"<{uuid.uuid4().hex}@fake.prod.outlook.com>"
        return mime  # type: ignore[return-value]

    def _store(self, mailbox: str, folder: str, mime: EmailMessage) -> Item:
        item = Item("AAMkAD" + secrets.token_urlsafe(24), folder, mime)
        with self.lock:
            self.mailboxes[mailbox][item.id] = item
        return item

    def _item(self, call: Call) -> Item | Response:
        with self.lock:
            item = self.mailboxes[call.mailbox].get(unquote(call.params["id"]))
        if item is None:
            message = "The specified object was not found in the store."
            return graph_error(404, "ErrorItemNotFound", message)
        return item

    def _deliver(self, mailbox: str, via: str, mime: EmailMessage) -> Response:
        fields = [str(v) for h in ("To", "Cc", "Bcc") for v in mime.get_all(h, [])]
        if not [address for _, address in getaddresses(fields) if address]:
            message = "At least one recipient isn't valid."
            return graph_error(400, "ErrorInvalidRecipients", message)
        self._store(mailbox, "sentitems", mime)
        with self.lock:
            self.sent.append(Sent(mailbox, via, mime))
        return Response(202)

    def _sendMail(self, call: Call) -> Response:
        mime = self._mime(call.body)
        return mime if isinstance(mime, Response) else self._deliver(call.mailbox, "sendMail", mime)

    def _createMessage(self, call: Call) -> Response:
        if not call.headers.get("Content-Type", "").startswith("text/plain"):
            return graph_error(400, "ErrorInvalidRequest", "The fake makes drafts from MIME only.")
        mime = self._mime(call.body)
        if isinstance(mime, Response):
            return mime
        return _json(201, self._store(call.mailbox, "drafts", mime).resource())

    def _addAttachment(self, call: Call) -> Response:
        item, spec = self._item(call), json.loads(call.body)
        if isinstance(item, Response):
            return item
        if spec.get("@odata.type") != "#microsoft.graph.fileAttachment":
            return graph_error(400, "ErrorInvalidRequest", "The fake takes fileAttachment only.")
        content = base64.b64decode(spec["contentBytes"], validate=True)
        content_type = spec.get("contentType") or "application/octet-stream"
        item.attachments.append((spec["name"], content_type, content))
        attachment = {"@odata.type": spec["@odata.type"], "id": "AAMkAtt" + secrets.token_hex(8)}
        attachment |= {"name": spec["name"], "contentType": content_type, "size": len(content)}
        return _json(201, attachment | {"isInline": False})

    def _createUploadSession(self, call: Call) -> Response:
        item, spec = self._item(call), json.loads(call.body).get("AttachmentItem") or {}
        if isinstance(item, Response):
            return item
        if spec.get("attachmentType") != "file" or not spec.get("name") or "size" not in spec:
            message = "AttachmentItem needs attachmentType 'file', name and size."
            return graph_error(400, "ErrorInvalidRequest", message)
        if int(spec["size"]) < MIN_UPLOAD_SESSION:
            message = "The attachment size is less than the minimum size for an upload session."
            return graph_error(400, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize", message)
        session, content_type = secrets.token_urlsafe(24), spec.get("contentType") or ""
        with self.lock:
            self.uploads[session] = Upload(
                call.mailbox, item.id, spec["name"], content_type, int(spec["size"])
            )
            item.uploads.append(session)
        document = {
            "@odata.context": f"{self.endpoint}/v1.0/$metadata#microsoft.graph.uploadSession",
            "uploadUrl": f"{self.endpoint}/upload/{session}?authtoken={secrets.token_hex(32)}",
            "expirationDateTime": (_now() + dt.timedelta(hours=2)).isoformat(),
            "nextExpectedRanges": ["0-"],
        }
        return _json(201, document)

    def _upload(self, call: Call) -> Response:
        upload = self.uploads.get(call.params["session"])
        if upload is None or "authtoken" not in call.query:
            return graph_error(404, "ErrorItemNotFound", "The upload session was not found.")
        if call.headers.get("Authorization"):  # the URL is pre-authenticated for another host
            return graph_error(401, "InvalidAuthenticationToken", "Audience validation failed.")
        match = _RANGE.fullmatch(call.headers.get("Content-Range") or "")
        first, last, total = map(int, match.groups()) if match else (-1, -1, -1)
        size, done = len(call.body), len(upload.data)
        if (first, last - first + 1, total) != (done, size, upload.size) or last >= total:
            message = f"Expected bytes {done}- of {upload.size} in order; got {first}-{last}."
            return graph_error(416, "ErrorInvalidRequest", message)
        upload.data += call.body
        if len(upload.data) < upload.size:  # shaped as Outlook answers (its own casing)
            return _json(
                200,
                {
                    "ExpirationDateTime": (_now() + dt.timedelta(hours=2)).isoformat(),
                    "NextExpectedRanges": [str(len(upload.data))],
                },
            )
        with self.lock:
            item = self.mailboxes[upload.mailbox].get(upload.item_id)
            if item is None:
                return graph_error(404, "ErrorItemNotFound", "The message has been deleted.")
            item.attachments.append(
                (upload.name, upload.content_type or "application/octet-stream", bytes(upload.data))
            )
            item.uploads.remove(call.params["session"])
        where = f"{self.endpoint}/v1.0/users/{upload.mailbox}/messages/{item.id}/attachments/1"
        return Response(201, b"", {"Location": where})

    def _send(self, call: Call) -> Response:
        item = self._item(call)
        if isinstance(item, Response):
            return item
        if item.folder != "drafts" or item.uploads:
            message = "Only a draft whose uploads are finished can be sent (the fake is strict)."
            return graph_error(400, "ErrorInvalidRequest", message)
        for name, content_type, content in item.attachments:
            maintype, _, subtype = content_type.partition("/")
            item.mime.add_attachment(content, maintype, subtype or "octet-stream", filename=name)
        with self.lock:
            del self.mailboxes[call.mailbox][item.id]
        return self._deliver(call.mailbox, "draft", item.mime)

    def _deleteMessage(self, call: Call) -> Response:
        item = self._item(call)
        if isinstance(item, Response):
            return item
        with self.lock:
            del self.mailboxes[call.mailbox][item.id]
        return Response(204)

    def _listMessages(self, call: Call) -> Response:
        folder = call.params["folder"].lower()
        items = self.folder(call.mailbox, folder)
        if "$filter" in call.query:
            match = _FILTER.fullmatch(call.query["$filter"])
            if not match:
                message = "The query filter contains one or more invalid nodes."
                return graph_error(400, "ErrorInvalidUrlQueryFilter", message)
            wanted = match.group(1).replace("''", "'")
            items = [i for i in items if str(i.mime["Message-ID"]) == wanted]
        select = call.query.get("$select")
        fields = [s.strip() for s in select.split(",")] if select else None
        top = int(call.query.get("$top", "10"))
        context = f"{self.endpoint}/v1.0/$metadata#users('{call.mailbox}')/mailFolders('{folder}')"
        document = {"@odata.context": f"{context}/messages", "value": []}
        document["value"] = [i.resource(fields) for i in items[:top]]
        return _json(200, document)

    def _mailboxSettings(self, call: Call) -> Response:
        language = {"locale": "en-GB", "displayName": "English (United Kingdom)"}
        context = f"{self.endpoint}/v1.0/$metadata#users('{call.mailbox}')/mailboxSettings"
        document = {
            "@odata.context": context,
            "timeZone": "GMT Standard Time",
            "language": language,
            "automaticRepliesSetting": {"status": "disabled"},
            "userPurpose": "shared",
        }
        return _json(200, document)

    # --- the Inbox: reports arriving, read as raw MIME and moved to a folder ----------------
    # Items keep their exact bytes for $value; a move gives the item a new id, as Exchange
    # does. Folders are top-level only, found by ``displayName eq '...'``.

    @property
    def mail_folders(self) -> dict[str, dict[str, str]]:
        """mailbox → folder id → display name (the folders made through createFolder)."""
        return self.__dict__.setdefault("_mail_folders", defaultdict(dict))

    @property
    def _raw(self) -> dict[str, bytes]:
        return self.__dict__.setdefault("_raw_mime", {})

    def receive(self, mailbox: str, raw: bytes) -> Item:
        """A message arriving in ``mailbox``'s Inbox, exactly these bytes."""
        item = self._store(mailbox.lower(), "inbox", message_from_bytes(raw, policy=policy.default))
        with self.lock:
            self._raw[item.id] = raw
        return item

    def folder_id(self, mailbox: str, name: str) -> str | None:
        with self.lock:
            found = [i for i, n in self.mail_folders[mailbox.lower()].items() if n == name]
        return found[0] if found else None

    def _listInbox(self, call: Call) -> Response:
        items = self.folder(call.mailbox, "inbox")
        top, skip = int(call.query.get("$top", "10")), int(call.query.get("$skip", "0"))
        page = items[skip : skip + top]
        context = f"{self.endpoint}/v1.0/$metadata#users('{call.mailbox}')/mailFolders('inbox')"
        document: dict = {"@odata.context": f"{context}/messages"}
        document["value"] = [i.resource(["id"]) for i in page]
        if skip + top < len(items):
            base = f"{self.endpoint}/v1.0/users/{call.mailbox}/mailFolders/inbox/messages"
            document["@odata.nextLink"] = f"{base}?$select=id&$top={top}&$skip={skip + top}"
        return _json(200, document)

    def _messageValue(self, call: Call) -> Response:
        item = self._item(call)
        if isinstance(item, Response):
            return item
        with self.lock:
            raw = self._raw.get(item.id) or item.mime.as_bytes()
        return Response(200, raw, {"Content-Type": "text/plain"})

    def _listFolders(self, call: Call) -> Response:
        with self.lock:
            folders = dict(self.mail_folders[call.mailbox])
        if "$filter" in call.query:
            match = re.fullmatch(
                r"\s*displayName\s+eq\s+'((?:[^']|'')*)'\s*", call.query["$filter"]
            )
            if not match:
                message = "The query filter contains one or more invalid nodes."
                return graph_error(400, "ErrorInvalidUrlQueryFilter", message)
            wanted = match.group(1).replace("''", "'")
            folders = {i: n for i, n in folders.items() if n == wanted}
        value = [{"id": i, "displayName": n, "totalItemCount": 0} for i, n in folders.items()]
        return _json(200, {"value": value})

    def _createFolder(self, call: Call) -> Response:
        name = str(json.loads(call.body or b"{}").get("displayName") or "")
        if not name:
            return graph_error(400, "ErrorInvalidRequest", "displayName is required.")
        with self.lock:
            if name in self.mail_folders[call.mailbox].values():
                message = "A folder with the specified name already exists."
                return graph_error(409, "ErrorFolderExists", message)
            folder_id = "AAMkFld" + secrets.token_urlsafe(16)
            self.mail_folders[call.mailbox][folder_id] = name
        return _json(201, {"id": folder_id, "displayName": name, "totalItemCount": 0})

    def _moveMessage(self, call: Call) -> Response:
        item = self._item(call)
        if isinstance(item, Response):
            return item
        destination = str(json.loads(call.body or b"{}").get("destinationId") or "")
        with self.lock:
            if destination not in self.mail_folders[call.mailbox]:
                return graph_error(
                    404, "ErrorItemNotFound", "The destination folder was not found."
                )
            if self.mailboxes[call.mailbox].pop(item.id, None) is None:
                return graph_error(404, "ErrorItemNotFound", "The item was moved or deleted.")
            raw = self._raw.pop(item.id, None)
            item.id, item.folder = "AAMkAD" + secrets.token_urlsafe(24), destination
            self.mailboxes[call.mailbox][item.id] = item
            if raw is not None:
                self._raw[item.id] = raw
        return _json(201, item.resource(["id"]))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Graph's clients expect
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.server.fake.handle(self.command, self.path, self.headers, body)
        if answer is None:  # carried out, and now the connection drops without an answer
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("request-id", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(answer.body)))
        if answer.status in (411, 413):
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeMicrosoft, context: ssl.SSLContext) -> None:
        self.fake, self.context = fake, context
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request, client_address) -> None:
        try:  # the TLS handshake happens in the connection's own thread
            conn = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(conn, client_address)
        finally:
            conn.close()

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up mid-request is not the fake's concern
