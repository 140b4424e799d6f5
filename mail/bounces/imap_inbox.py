"""A separate mailbox of bounce reports over IMAP: ``MAIL_BOUNCES=imaps://user:pass@host/INBOX``.

For an SMTP relay whose reports go to a mailbox of their own. TLS from the first byte (port 993
by default), the certificate verified against the system's CAs and ``MAIL_CA_FILE``'s. The user
name and password are percent-encoded in the URL (``@`` is ``%40``). Without a password the
mailbox is signed in to with XOAUTH2, with a token from the ``GRAPH_*`` client credentials for
``https://outlook.office365.com/.default`` (Exchange Online's IMAP; the app needs the
``IMAP.AccessAsApp`` permission and a mailbox permission for it in Exchange). A cached token
the server refuses is replaced by a fresh one once before the sign-in counts as refused.

Each report is read with ``BODY.PEEK[]`` (its size first, from ``RFC822.SIZE``), so what is left
in the folder stays unread; a processed one is moved (``UID MOVE``, or copy and expunge on a
server without MOVE) to ``MAIL_BOUNCES_FOLDER``, created when missing. Items are known by the
folder's UIDVALIDITY and their UID. A server whose MOVE is a copy and an expunge (Dovecot) may
keep two copies of a report in the processed folder when two polls move it at the same instant;
it is recorded once all the same, and the scheduler's turns keep polls from overlapping.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from mail.bounces.parse import MAX_REPORT_BYTES
from mail.bounces.poll import Gone
from mail.transports import entra
from mail.transports.base import (
    CredentialsRefused,
    TransientError,
    TransportConfigError,
    tls_context,
)

XOAUTH2_SCOPE = "https://outlook.office365.com/.default"
#: Items read in one poll at most; the rest wait for the next.
MAX_ITEMS = 200
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
T = TypeVar("T")


def from_settings(settings: Any) -> ImapInbox:
    parts = urlsplit(settings.MAIL_BOUNCES)
    if parts.scheme != "imaps" or not parts.hostname or not parts.username:
        raise TransportConfigError(
            "MAIL_BOUNCES must be imaps://user:password@host[:port]/FOLDER (or without the "
            "password, for XOAUTH2 with the GRAPH_* settings)"
        )
    try:
        port = parts.port or 993
    except ValueError as exc:
        raise TransportConfigError("MAIL_BOUNCES has a port that is not a number") from exc
    password = unquote(parts.password) if parts.password is not None else None
    return ImapInbox(
        host=parts.hostname,
        port=port,
        user=unquote(parts.username),
        password=password,
        credentials=None
        if password is not None
        else entra.ClientCredentials.from_settings(settings),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        processed=settings.MAIL_BOUNCES_FOLDER,
        ca_file=settings.MAIL_CA_FILE or None,
        timeout=settings.MAIL_TIMEOUT,
    )


class ImapInbox:
    name = "imap"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        user: str,
        password: str | None,
        credentials: entra.ClientCredentials | None,
        folder: str,
        processed: str,
        ca_file: str | None,
        timeout: float,
    ) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.credentials = credentials
        self.folder, self.processed = folder, processed
        self.ca_file, self.timeout = ca_file, timeout
        self.identity = f"imap:{user.lower()}@{host.lower()}:{port}/{folder}"
        self._imap: imaplib.IMAP4_SSL | None = None
        self._validity = ""

    def items(self) -> list[str]:
        imap = self._connect()
        data = self._ok(lambda: imap.uid("SEARCH", None, "UNDELETED"), "search the folder")
        uids = (data[0] or b"").split() if data else []
        return [f"{self._validity}:{uid.decode()}" for uid in uids[:MAX_ITEMS]]

    def fetch(self, ref: str) -> bytes | None:
        imap, uid = self._connect(), self._uid(ref)
        sized = self._ok(lambda: imap.uid("FETCH", uid, "(RFC822.SIZE)"), "read a report's size")
        found = _SIZE.search(b" ".join(p if isinstance(p, bytes) else b"" for p in sized or []))
        if found and int(found.group(1)) > MAX_REPORT_BYTES:
            return None
        data = self._ok(lambda: imap.uid("FETCH", uid, "(BODY.PEEK[])"), "read a report")
        for part in data or []:
            if isinstance(part, tuple) and len(part) == 2:
                return part[1] if len(part[1]) <= MAX_REPORT_BYTES else None
        raise Gone(ref)  # expunged since it was listed: moved by a poll at the same time

    def settle(self, ref: str) -> None:
        imap, uid = self._connect(), self._uid(ref)
        target = _quote(self.processed)
        if "MOVE" in imap.capabilities:
            status, data = self._call(lambda: imap.uid("MOVE", uid, target))
            if status != "OK" and b"TRYCREATE" in _text(data):
                self._call(lambda: imap.create(target))  # or another poll just made it
                status, data = self._call(lambda: imap.uid("MOVE", uid, target))
            gone = b"EXPUNGEISSUED" in _text(data) or b"NONEXISTENT" in _text(data)
            if status != "OK" and not gone:  # gone: moved by a poll at the same time
                raise TransientError("the IMAP server in MAIL_BOUNCES would not move a report")
            return
        status, data = self._call(lambda: imap.uid("COPY", uid, target))
        if status != "OK":
            self._call(lambda: imap.create(target))
            self._ok(lambda: imap.uid("COPY", uid, target), "copy a report")
        self._ok(lambda: imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"), "flag a report")
        if "UIDPLUS" in imap.capabilities:
            self._ok(lambda: imap.uid("EXPUNGE", uid), "expunge a report")
        else:
            self._ok(imap.expunge, "expunge a report")

    def close(self) -> None:
        imap, self._imap = self._imap, None
        if imap is not None:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                imap.logout()  # the connection is gone either way

    # --- the connection -----------------------------------------------------------------------

    def _connect(self) -> imaplib.IMAP4_SSL:
        if self._imap is not None:
            return self._imap
        try:
            context: ssl.SSLContext = tls_context(self.ca_file)
            imap = imaplib.IMAP4_SSL(
                self.host, self.port, ssl_context=context, timeout=self.timeout
            )
        except (OSError, imaplib.IMAP4.error) as exc:
            raise TransientError(
                f"could not reach the IMAP server in MAIL_BOUNCES ({type(exc).__name__})"
            ) from None
        try:
            self._sign_in(imap)
        except imaplib.IMAP4.abort as exc:
            raise TransientError(f"the IMAP server in MAIL_BOUNCES hung up ({exc})") from None
        except imaplib.IMAP4.error:
            raise CredentialsRefused(
                "the IMAP server refused the sign-in in MAIL_BOUNCES: check its user and password"
                + ("" if self.password is not None else " (XOAUTH2, with the GRAPH_* app)"),
                setting="MAIL_BOUNCES",
            ) from None
        self._imap = imap
        # What the server offers once signed in (MOVE, UIDPLUS), not only in its greeting.
        status, data = self._call(imap.capability)
        if status == "OK" and data and isinstance(data[-1], bytes):
            imap.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
        status, _ = self._call(lambda: imap.select(_quote(self.folder)))
        if status != "OK":
            raise TransientError("the IMAP server in MAIL_BOUNCES has no such folder")
        validity = imap.response("UIDVALIDITY")[1]
        self._validity = (validity[0] or b"0").decode() if validity else "0"
        return imap

    def _sign_in(self, imap: imaplib.IMAP4_SSL) -> None:
        if self.password is not None:
            imap.login(self.user, self.password)
            return
        assert self.credentials is not None
        for refresh in (False, True):
            token = self.credentials.token(XOAUTH2_SCOPE, refresh=refresh)
            blob = f"user={self.user}\x01auth=Bearer {token}\x01\x01".encode()
            try:
                imap.authenticate("XOAUTH2", _xoauth2_answer(blob))
                return
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error:
                if refresh:
                    raise
                # The cached token may be one the server no longer takes: ask Entra once more.

    def _call(self, step: Callable[[], T]) -> T:
        try:
            return step()
        except (imaplib.IMAP4.error, OSError) as exc:
            self._imap = None
            raise TransientError(
                f"the IMAP server in MAIL_BOUNCES failed ({type(exc).__name__})"
            ) from None

    def _ok(self, step: Callable[[], tuple[str, list[Any]]], what: str) -> list[Any]:
        status, data = self._call(step)
        if status != "OK":
            raise TransientError(f"the IMAP server in MAIL_BOUNCES would not {what}")
        return data

    def _uid(self, ref: str) -> str:
        validity, _, uid = ref.partition(":")
        if validity != self._validity or not uid.isdigit():
            raise TransientError("the folder in MAIL_BOUNCES changed its UIDs; reading it again")
        return uid


def _xoauth2_answer(blob: bytes) -> Callable[[bytes], bytes]:
    """The client's side of XOAUTH2: the token first; to the server's error challenge (a JSON
    status), the empty answer that ends the exchange so that the server says NO."""
    sent: list[bytes] = []

    def answer(_challenge: bytes) -> bytes:
        reply = b"" if sent else blob
        sent.append(reply)
        return reply

    return answer


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data: list[Any]) -> bytes:
    return b" ".join(d for d in data or [] if isinstance(d, bytes)).upper()
