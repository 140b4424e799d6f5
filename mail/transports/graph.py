"""``graph://``: send through Microsoft Graph (Exchange Online, Microsoft 365) as a daemon app.

The app signs in with its own client credentials (``mail.transports.entra``: msal, a secret or a
certificate) and sends as ``GRAPH_SENDER``'s mailbox, which keeps a copy in its Sent Items. The
MIME the service built goes out unchanged (its Message-ID, subject, parts and attachments):

- a message whose request fits Graph's 4 MB limit goes as base64 MIME in one ``sendMail``;
- a larger one becomes a draft made from the same MIME without its largest attachments (the
  draft keeps our Message-ID as its ``internetMessageId``); those attachments are added to it,
  the ones over 2.9 MB through an upload session in chunks of under 4 MB; then it is sent.
  Exchange Online takes messages up to 35 MB (``max_bytes``): larger files go as console links.

Exactly once: ``sendMail`` is not idempotent. When an attempt may have reached Graph (no answer,
a dropped connection, a 5xx), the next attempt first looks for our Message-ID in the Sent Items
and records the message as sent if it is there, instead of sending it again.

Throttling: 429 and 503 are waited out as ``Retry-After`` says, up to ``GRAPH_MAX_WAIT`` seconds
in all per message, then the message is tried again later. At most 4 requests are in flight per
mailbox across every worker (``mail.transports.slots``).

Errors: a refused sign-in, a 401 after a fresh token, a 403 (the app may not send as that
mailbox) or an unknown mailbox raise ``CredentialsRefused`` naming the setting to check (the
outbox then keeps every message queued); Graph rejecting the message itself (400: invalid MIME,
a refused recipient) raises ``PermanentError``; anything else ``TransientError``. Their text
holds Graph's error code, never the subject, body or addresses.

Settings: ``GRAPH_SENDER`` (required), ``GRAPH_ENDPOINT`` (default ``https://graph.microsoft.com``;
``http://`` only for a loopback host), ``GRAPH_MAX_WAIT`` (seconds, default 60), the sign-in
settings in ``mail.transports.entra``, ``MAIL_CA_FILE`` and ``MAIL_TIMEOUT``.
"""

from __future__ import annotations

import base64
import copy
import os
import threading
import time
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any
from urllib.parse import SplitResult, quote, urlsplit

import requests

from mail.transports import entra
from mail.transports.base import (
    CredentialsRefused,
    Envelope,
    PermanentError,
    TransientError,
    TransportConfigError,
    https_session,
    is_loopback,
    register,
    tls_context,
)
from mail.transports.slots import MailboxSlots

DEFAULT_ENDPOINT = "https://graph.microsoft.com"
#: Graph refuses request bodies over 4 MB; keep under it with room for headers.
REQUEST_LIMIT = 4_000_000
#: Attachments up to this size are added with one POST (base64 in JSON stays under the limit).
ATTACHMENT_POST_LIMIT = 2_900_000
#: Upload-session chunks: a multiple of 320 KiB, under 4 MB.
CHUNK_BYTES = 12 * 320 * 1024
#: Exchange Online's default largest message, encoded.
MAILBOX_LIMIT = 35 * 1024 * 1024
#: Graph's limit on requests in flight per mailbox.
CONCURRENT_REQUESTS = 4
_THROTTLED = (429, 503)
_MAILBOX_MISSING = {"ErrorInvalidUser", "MailboxNotEnabledForRESTAPI", "MailboxNotFound"}


class GraphTransport:
    max_bytes = MAILBOX_LIMIT

    def __init__(
        self,
        *,
        credentials: entra.ClientCredentials,
        endpoint: str,
        sender: str,
        max_wait: float,
        timeout: float,
        ca_file: str | None,
        slots: MailboxSlots,
    ) -> None:
        self.credentials = credentials
        self.endpoint, self.sender = endpoint, sender
        self.scope = f"{endpoint}/.default"
        self.mailbox_url = f"{endpoint}/v1.0/users/{quote(sender, safe='@')}"
        self.max_wait, self.timeout, self.ca_file = max_wait, timeout, ca_file
        self.slots = slots
        self._lock = threading.Lock()
        self._session: requests.Session | None = None
        self._pid = os.getpid()

    # --- sending ------------------------------------------------------------------------------

    def send(self, envelope: Envelope) -> str:
        _check_recipients(envelope)
        call = _Call(self)
        message_id = envelope.mime["Message-ID"]
        if not envelope.first_attempt and self._in_folder(call, "sentitems", message_id):
            return "found in the Sent Items from an earlier attempt; not sent again"
        encoded = base64.b64encode(envelope.wire)
        if len(encoded) <= REQUEST_LIMIT:
            call.request(
                "POST", "/sendMail", data=encoded, content_type="text/plain", may_send=True
            )
            return "accepted by Microsoft Graph"
        return self._send_as_draft(call, envelope)

    def _send_as_draft(self, call: _Call, envelope: Envelope) -> str:
        draft, removed = _without_largest_attachments(envelope.mime)
        message_id = envelope.mime["Message-ID"]
        if not envelope.first_attempt:
            for old in self._in_folder(call, "drafts", message_id, every=True):
                call.request("DELETE", f"/messages/{quote(old, safe='')}")
        created = call.request(
            "POST", "/messages", data=base64.b64encode(draft.as_bytes()), content_type="text/plain"
        )
        draft_id = quote(str(_json(created).get("id") or ""), safe="")
        if not draft_id:
            raise TransientError("Microsoft Graph made the draft but gave no id for it")
        for part in removed:
            data = part.get_payload(decode=True) or b""
            item = {"name": part.get_filename() or "attachment", "contentType": _type(part)}
            if len(data) <= ATTACHMENT_POST_LIMIT:
                body = {
                    "@odata.type": "#microsoft.graph.fileAttachment",
                    **item,
                    "contentBytes": base64.b64encode(data).decode("ascii"),
                }
                call.request("POST", f"/messages/{draft_id}/attachments", json=body)
            else:
                self._upload(call, draft_id, item, data)
        call.request("POST", f"/messages/{draft_id}/send", may_send=True)
        return f"accepted by Microsoft Graph (as a draft, {len(removed)} attachments added)"

    def _upload(self, call: _Call, draft_id: str, item: dict[str, str], data: bytes) -> None:
        answer = call.request(
            "POST",
            f"/messages/{draft_id}/attachments/createUploadSession",
            json={"AttachmentItem": {"attachmentType": "file", "size": len(data), **item}},
        )
        upload_url = str(_json(answer).get("uploadUrl") or "")
        parts = urlsplit(upload_url)
        loopback = parts.scheme == "http" and is_loopback(parts.hostname or "")
        if parts.scheme != "https" and not loopback:
            raise TransientError("Microsoft Graph gave an upload address that is not https://")
        for start in range(0, len(data), CHUNK_BYTES):
            chunk = data[start : start + CHUNK_BYTES]
            end = start + len(chunk) - 1
            call.request(
                "PUT",
                upload_url,
                data=chunk,
                content_type="application/octet-stream",
                extra={"Content-Range": f"bytes {start}-{end}/{len(data)}"},
                signed=False,
            )

    def _in_folder(
        self, call: _Call, folder: str, message_id: str, *, every: bool = False
    ) -> list[str]:
        """Ids of the messages in ``folder`` with our Message-ID (the first only, unless every)."""
        literal = message_id.replace("'", "''")
        params = {"$filter": f"internetMessageId eq '{literal}'", "$select": "id,internetMessageId"}
        if not every:
            params["$top"] = "1"
        answer = call.request("GET", f"/mailFolders/{folder}/messages", params=params)
        return [str(m.get("id")) for m in _json(answer).get("value") or [] if m.get("id")]

    # --- checking -----------------------------------------------------------------------------

    def check(self) -> str:
        try:
            _Call(self).request("GET", "/mailboxSettings")
        except CredentialsRefused as exc:
            if exc.setting != "GRAPH_SENDER":
                raise
            raise CredentialsRefused(
                f"{exc}; the check reads the mailbox settings, so it also needs the "
                "MailboxSettings.Read permission on that mailbox",
                setting=exc.setting,
            ) from None
        return (
            f"signed in to Microsoft 365 as the app {self.credentials.client_id} and read the "
            f"mailbox settings of {self.sender} through {self.endpoint}"
        )

    def session(self) -> requests.Session:
        with self._lock:
            if self._session is None or self._pid != os.getpid():
                self._session = https_session(
                    self.ca_file, timeout=self.timeout, pool_size=CONCURRENT_REQUESTS
                )
                self._pid = os.getpid()
            return self._session


class _Call:
    """The requests of one send: the wait budget for throttling, and one token refresh."""

    def __init__(self, transport: GraphTransport) -> None:
        self.t = transport
        self.waited = 0.0
        self.refreshed = False

    def request(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        content_type: str | None = None,
        extra: dict[str, str] | None = None,
        signed: bool = True,
        may_send: bool = False,
    ) -> requests.Response:
        url = path if path.startswith(("https://", "http://")) else self.t.mailbox_url + path
        refresh = False
        while True:
            headers = dict(extra or {})
            if content_type:
                headers["Content-Type"] = content_type
            if signed:
                token = self.t.credentials.token(self.t.scope, refresh=refresh)
                headers["Authorization"] = f"Bearer {token}"
            with self.t.slots.hold(self.t.max_wait - self.waited) as waited:
                self.waited += waited
                try:
                    response = self.t.session().request(
                        method, url, data=data, json=json, params=params, headers=headers
                    )
                except requests.RequestException as exc:
                    raise TransientError(
                        f"no answer from Microsoft Graph ({type(exc).__name__})"
                        + ("; the next attempt looks in the Sent Items first" if may_send else "")
                    ) from None
            status = response.status_code
            if 200 <= status < 300:
                return response
            code = _error_code(response)
            if status == 401 and signed and not refresh:
                refresh = True
                continue
            if status in _THROTTLED:
                wait = _retry_after(response)
                if self.waited + wait > self.t.max_wait:
                    raise TransientError(
                        f"Microsoft Graph is throttling (HTTP {status}, retry after {wait:g} s, "
                        f"beyond GRAPH_MAX_WAIT); trying again later"
                    )
                time.sleep(wait)
                self.waited += wait
                continue
            raise self._failure(status, code, may_send)

    def _failure(self, status: int, code: str, may_send: bool) -> Exception:
        if status == 401:
            setting = self.t.credentials.credential_setting
            return CredentialsRefused(
                f"Microsoft Graph refused the service's access token ({code}): check {setting} "
                "and that the app has the Mail.Send application permission",
                setting=setting,
            )
        if status == 403 or (status == 404 and code in _MAILBOX_MISSING):
            return CredentialsRefused(
                f"Microsoft Graph refused the mailbox in GRAPH_SENDER (HTTP {status}, {code}): "
                "check the address and that the app may send as it (Mail.Send, and the "
                "mailbox's application access policy or RBAC scope)",
                setting="GRAPH_SENDER",
            )
        if status in (400, 413, 415, 422):
            return PermanentError(f"Microsoft Graph rejected the message (HTTP {status}, {code})")
        return TransientError(
            f"Microsoft Graph answered HTTP {status} ({code})"
            + ("; the next attempt looks in the Sent Items first" if may_send else "")
        )


def _check_recipients(envelope: Envelope) -> None:
    """Graph sends to the MIME's own To/Cc/Bcc: they must be exactly the envelope's recipients."""
    headers = [v for h in ("To", "Cc", "Bcc") for v in envelope.mime.get_all(h) or []]
    named = {address.lower() for _, address in getaddresses(headers) if address}
    if not envelope.recipients or named != {r.lower() for r in envelope.recipients}:
        raise PermanentError(
            "the message's To, Cc and Bcc headers are not its recipients; not sent through Graph"
        )


def _without_largest_attachments(mime: EmailMessage) -> tuple[EmailMessage, list[EmailMessage]]:
    """A copy of ``mime`` small enough for one request, and the attachments taken out of it."""
    draft = copy.deepcopy(mime)
    if not draft.is_multipart():
        raise PermanentError("the message is too big for Microsoft Graph and has no attachments")
    parts = list(draft.get_payload())
    candidates = sorted(
        (p for p in parts if p.get_content_disposition() == "attachment"),
        key=lambda p: len(p.as_bytes()),
        reverse=True,
    )
    removed: list[EmailMessage] = []
    for part in candidates:
        if len(base64.b64encode(draft.as_bytes())) <= REQUEST_LIMIT:
            break
        removed.append(part)
        draft.set_payload([p for p in parts if not any(p is r for r in removed)])
    if len(base64.b64encode(draft.as_bytes())) > REQUEST_LIMIT:
        raise PermanentError("the message's text alone is too big for Microsoft Graph")
    return draft, removed


def _type(part: EmailMessage) -> str:
    return part.get_content_type() or "application/octet-stream"


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error_code(response: requests.Response) -> str:
    error = _json(response).get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return str(code) if code else f"HTTP {response.status_code}"


def _retry_after(response: requests.Response) -> float:
    try:
        return max(float(response.headers.get("Retry-After", "5")), 0.0)
    except ValueError:
        return 5.0


def _number(graph: dict[str, str], key: str, default: float) -> float:
    raw = (graph.get(key) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise TransportConfigError(f"GRAPH_{key} must be a number of seconds, not {raw!r}") from exc
    if not 0 <= value <= 3600:
        raise TransportConfigError(f"GRAPH_{key} must be between 0 and 3600 seconds")
    return value


def _redis() -> Any:
    from service import runtime

    return runtime.redis()


@register("graph")
def _factory(url: SplitResult, settings) -> GraphTransport:  # noqa: ANN001
    if url.netloc or url.path not in ("", "/"):
        raise TransportConfigError(
            "MAIL_TRANSPORT=graph:// takes no host or path: the GRAPH_* settings say where to send"
        )
    graph: dict[str, str] = settings.GRAPH
    sender = (graph.get("SENDER") or "").strip()
    if not sender:
        raise TransportConfigError(
            "GRAPH_SENDER is not set: the address of the mailbox that sends (see README)"
        )
    if sender.count("@") != 1 or any(c.isspace() for c in sender):
        raise TransportConfigError("GRAPH_SENDER must be one email address")
    endpoint = entra.base_url("GRAPH_ENDPOINT", graph.get("ENDPOINT") or DEFAULT_ENDPOINT)
    max_wait = _number(graph, "MAX_WAIT", 60)
    ca_file = settings.MAIL_CA_FILE or None
    if ca_file:
        try:
            tls_context(ca_file)
        except (OSError, ValueError) as exc:
            raise TransportConfigError(f"MAIL_CA_FILE cannot be read as a CA: {exc}") from exc
    return GraphTransport(
        credentials=entra.ClientCredentials.from_settings(settings),
        endpoint=endpoint,
        sender=sender,
        max_wait=max_wait,
        timeout=settings.MAIL_TIMEOUT,
        ca_file=ca_file,
        slots=MailboxSlots(
            sender, limit=CONCURRENT_REQUESTS, lease=settings.MAIL_TIMEOUT + 30, redis=_redis
        ),
    )
