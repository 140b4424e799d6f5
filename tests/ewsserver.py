"""A fake on-premises Exchange's EWS endpoint (``/EWS/Exchange.asmx``) on loopback, over HTTP or
HTTPS with the tests' private CA, behind a real NTLM handshake (pyspnego as the acceptor, the
same library requests-ntlm uses as the initiator), so exchangelib runs unpatched with
``EWS_AUTH=ntlm``.

It answers the SOAP calls the service makes, shaped like Exchange 2016's answers:

- sending: ``GetFolder`` (distinguished folders), ``CreateItem`` (canned answers, or queued
  ``Reply`` objects for throttling and refusals);
- reading the mailbox: ``FindItem`` on a folder (shallow, with an ``IndexedPageItemView``),
  ``GetItem`` (``Size`` and ``MimeContent`` as asked), ``MoveItem`` (the item gets a new id, as
  in Exchange), ``FindFolder`` (shallow, with an ``IsEqualTo`` restriction on ``DisplayName``)
  and ``CreateFolder`` (``ErrorFolderExists`` for a name taken under the same parent).

One mailbox only (whatever ``Mailbox`` a request names); folders are a flat map with parents;
nothing is sent anywhere. ``fail_operation`` makes an operation answer an HTTP status instead.
"""

from __future__ import annotations

import base64
import html
import itertools
import ssl
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import spnego
import spnego.exceptions

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"

DOMAIN, USER, PASSWORD = "EXAMPLE", "svc-dhr", "Correct-Horse-Battery-1"
UPN = "svc-dhr@example.gov.uk"

# Distinguished folders: (display name, folder class).
DISTINGUISHED = {
    "root": ("Root", ""),
    "msgfolderroot": ("Top of Information Store", "IPF.Note"),
    "inbox": ("Inbox", "IPF.Note"),
    "sentitems": ("Sent Items", "IPF.Note"),
}


# --- canned EWS answers -------------------------------------------------------------------------


def soap(body: str) -> bytes:
    """A SOAP envelope as Exchange 2016 CU23 sends it, with its ServerVersionInfo header."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{SOAP}">'
        "<s:Header>"
        f'<h:ServerVersionInfo xmlns:h="{T}" xmlns="{T}" '
        'MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" '
        'Version="V2017_07_11"/>'
        "</s:Header>"
        '<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
        f"{body}"
        "</s:Body></s:Envelope>"
    ).encode()


def _folder_xml(folder_id: str, name: str, folder_class: str, total: int = 0) -> str:
    klass = f"<t:FolderClass>{folder_class}</t:FolderClass>" if folder_class else ""
    return (
        f'<t:Folder><t:FolderId Id="{folder_id}" ChangeKey="AQAAABYAAAA"/>'
        f"{klass}<t:DisplayName>{html.escape(name)}</t:DisplayName>"
        f"<t:TotalCount>{total}</t:TotalCount><t:ChildFolderCount>0</t:ChildFolderCount>"
        "<t:UnreadCount>0</t:UnreadCount></t:Folder>"
    )


def get_folder_ok(distinguished_id: str) -> bytes:
    name, folder_class = DISTINGUISHED.get(distinguished_id, (distinguished_id, ""))
    return soap(
        f'<m:GetFolderResponse xmlns:m="{M}" xmlns:t="{T}"><m:ResponseMessages>'
        '<m:GetFolderResponseMessage ResponseClass="Success">'
        "<m:ResponseCode>NoError</m:ResponseCode><m:Folders>"
        f"{_folder_xml(folder_id(distinguished_id), name, folder_class)}"
        "</m:Folders></m:GetFolderResponseMessage>"
        "</m:ResponseMessages></m:GetFolderResponse>"
    )


def folder_id(distinguished_id: str) -> str:
    return f"AAMkAD{distinguished_id}=="


def create_item_ok() -> bytes:
    # With SendAndSaveCopy, Exchange returns no item id: just an empty Items element.
    return soap(
        f'<m:CreateItemResponse xmlns:m="{M}" xmlns:t="{T}"><m:ResponseMessages>'
        '<m:CreateItemResponseMessage ResponseClass="Success">'
        "<m:ResponseCode>NoError</m:ResponseCode><m:Items/>"
        "</m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse>"
    )


def create_item_error(code: str, text: str) -> bytes:
    return soap(
        f'<m:CreateItemResponse xmlns:m="{M}" xmlns:t="{T}"><m:ResponseMessages>'
        '<m:CreateItemResponseMessage ResponseClass="Error">'
        f"<m:MessageText>{text}</m:MessageText><m:ResponseCode>{code}</m:ResponseCode>"
        "<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items/>"
        "</m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse>"
    )


def server_busy(back_off_ms: int) -> bytes:
    """Exchange's throttling answer: a SOAP fault (sent with HTTP 500) naming a back-off."""
    return soap(
        "<s:Fault>"
        f'<faultcode xmlns:a="{T}">a:ErrorServerBusy</faultcode>'
        '<faultstring xml:lang="en-US">The server cannot service this request right now. '
        "Try again later.</faultstring>"
        "<detail>"
        f'<e:ResponseCode xmlns:e="{E}">ErrorServerBusy</e:ResponseCode>'
        f'<e:Message xmlns:e="{E}">The server cannot service this request right now. '
        "Try again later.</e:Message>"
        f'<t:MessageXml xmlns:t="{T}">'
        f'<t:Value Name="BackOffMilliseconds">{back_off_ms}</t:Value>'
        "</t:MessageXml></detail></s:Fault>"
    )


def _error_message(operation: str, code: str, text: str, empty: str) -> str:
    return (
        f'<m:{operation}ResponseMessage ResponseClass="Error">'
        f"<m:MessageText>{text}</m:MessageText><m:ResponseCode>{code}</m:ResponseCode>"
        f"<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>{empty}"
        f"</m:{operation}ResponseMessage>"
    )


def _response(operation: str, messages: str) -> bytes:
    return soap(
        f'<m:{operation}Response xmlns:m="{M}" xmlns:t="{T}"><m:ResponseMessages>'
        f"{messages}</m:ResponseMessages></m:{operation}Response>"
    )


def _not_found(operation: str) -> str:
    text = "The specified object was not found in the store."
    return _error_message(operation, "ErrorItemNotFound", text, "<m:Items/>")


# --- the fake Exchange --------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: bytes = b""


@dataclass
class Call:
    """One SOAP request that got past authentication."""

    operation: str
    envelope: ET.Element
    user: str
    at: float


@dataclass
class Item:
    id: str
    folder: str  # folder id
    mime: bytes
    received: str  # xs:dateTime


@dataclass
class FakeExchange:
    url: str
    calls: list[Call] = field(default_factory=list)
    #: Answers for the next CreateItem calls, in order; afterwards every CreateItem succeeds.
    create_item_replies: list[Reply] = field(default_factory=list)
    #: When set, every CreateItem gets this answer.
    create_item_always: Reply | None = None
    #: When set, every request (before authentication) gets this bare HTTP status.
    http_status: int | None = None
    #: Operation name -> HTTP status it answers with (after authentication) instead.
    failing: dict[str, int] = field(default_factory=dict)
    handshakes: int = 0
    accepted: int = 0
    #: The mailbox: folder id -> (display name, parent folder id); and its items by id.
    folders: dict[str, tuple[str, str]] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.folders.setdefault(folder_id("root"), ("Root", ""))
        top = folder_id("msgfolderroot")
        self.folders.setdefault(top, ("Top of Information Store", folder_id("root")))
        self.folders.setdefault(folder_id("inbox"), ("Inbox", top))
        self.folders.setdefault(folder_id("sentitems"), ("Sent Items", top))

    def operations(self) -> list[str]:
        return [c.operation for c in self.calls]

    def create_items(self) -> list[Call]:
        return [c for c in self.calls if c.operation == "CreateItem"]

    # --- the mailbox, for tests -----------------------------------------------------------------

    def _new_id(self, kind: str) -> str:
        return base64.b64encode(f"{kind}-{next(self._ids):06d}".encode()).decode()

    def receive(self, raw: bytes, folder: str = "inbox") -> Item:
        """A message arriving in the distinguished folder ``folder``, exactly these bytes."""
        with self.lock:
            n = len(self.items)
            item = Item(
                self._new_id("item"),
                folder_id(folder),
                raw,
                f"2026-12-07T09:{n // 60:02d}:{n % 60:02d}Z",
            )
            self.items[item.id] = item
            return item

    def folder_named(self, name: str) -> str | None:
        with self.lock:
            found = [i for i, (n, _) in self.folders.items() if n == name]
        return found[0] if found else None

    def in_folder(self, name: str) -> list[Item]:
        """The items in the folder called ``name`` (a display name, or a distinguished id)."""
        wanted = folder_id(name) if name in DISTINGUISHED else self.folder_named(name)
        with self.lock:
            return [i for i in self.items.values() if i.folder == wanted]

    # --- the mailbox operations -----------------------------------------------------------------

    def answer(self, operation: str, request: ET.Element) -> Reply:
        if operation == "GetFolder":
            folder = request.find(f".//{{{T}}}DistinguishedFolderId")
            return Reply(200, get_folder_ok(folder.get("Id")))
        if operation == "CreateItem":
            if self.create_item_always is not None:
                reply = self.create_item_always
            elif self.create_item_replies:
                reply = self.create_item_replies.pop(0)
            else:
                reply = Reply(200, create_item_ok())
            if reply.status == 200 and b"NoError" in reply.body:
                self.accepted += 1
            return reply
        handler = getattr(self, f"_{operation}", None)
        if handler is None:
            return Reply(500, b"unexpected operation " + operation.encode())
        return Reply(200, handler(request))

    def _folder_of(self, request: ET.Element, path: str) -> str:
        where = request.find(path)
        distinguished = where.find(f"{{{T}}}DistinguishedFolderId")
        if distinguished is not None:
            return folder_id(distinguished.get("Id"))
        return where.find(f"{{{T}}}FolderId").get("Id")

    def _FindItem(self, request: ET.Element) -> bytes:  # noqa: N802 - the EWS operation
        assert request.get("Traversal") == "Shallow"
        folder = self._folder_of(request, f"{{{M}}}ParentFolderIds")
        found = sorted(
            (i for i in self.items.values() if i.folder == folder), key=lambda i: i.received
        )
        view = request.find(f"{{{M}}}IndexedPageItemView")
        offset = int(view.get("Offset", "0")) if view is not None else 0
        limit = int(view.get("MaxEntriesReturned", "1000")) if view is not None else 1000
        page = found[offset : offset + limit]
        last = offset + len(page) >= len(found)
        items = "".join(
            f'<t:Message><t:ItemId Id="{i.id}" ChangeKey="CQAAABYAAAA"/>'
            f"<t:DateTimeReceived>{i.received}</t:DateTimeReceived></t:Message>"
            for i in page
        )
        return _response(
            "FindItem",
            '<m:FindItemResponseMessage ResponseClass="Success">'
            "<m:ResponseCode>NoError</m:ResponseCode>"
            f'<m:RootFolder IndexedPagingOffset="{offset + len(page)}" '
            f'TotalItemsInView="{len(found)}" IncludesLastItemInRange="{str(last).lower()}">'
            f"<t:Items>{items}</t:Items></m:RootFolder></m:FindItemResponseMessage>",
        )

    def _GetItem(self, request: ET.Element) -> bytes:  # noqa: N802 - the EWS operation
        fields = {
            f.get("FieldURI")
            for f in request.findall(f"{{{M}}}ItemShape/{{{T}}}AdditionalProperties/*")
        }
        messages = []
        for ref in request.findall(f"{{{M}}}ItemIds/{{{T}}}ItemId"):
            item = self.items.get(ref.get("Id"))
            if item is None:
                messages.append(_not_found("GetItem"))
                continue
            parts = []
            if "item:MimeContent" in fields:
                mime = base64.b64encode(item.mime).decode()
                parts.append(f'<t:MimeContent CharacterSet="UTF-8">{mime}</t:MimeContent>')
            parts.append(f'<t:ItemId Id="{item.id}" ChangeKey="CQAAABYAAAA"/>')
            if "item:Size" in fields:
                parts.append(f"<t:Size>{len(item.mime) + 1024}</t:Size>")
            messages.append(
                '<m:GetItemResponseMessage ResponseClass="Success">'
                "<m:ResponseCode>NoError</m:ResponseCode>"
                f"<m:Items><t:Message>{''.join(parts)}</t:Message></m:Items>"
                "</m:GetItemResponseMessage>"
            )
        return _response("GetItem", "".join(messages))

    def _MoveItem(self, request: ET.Element) -> bytes:  # noqa: N802 - the EWS operation
        target = self._folder_of(request, f"{{{M}}}ToFolderId")
        messages = []
        for ref in request.findall(f"{{{M}}}ItemIds/{{{T}}}ItemId"):
            item = self.items.pop(ref.get("Id"), None)
            if item is None or target not in self.folders:
                messages.append(_not_found("MoveItem"))
                continue
            item.id, item.folder = self._new_id("item"), target  # a moved item gets a new id
            self.items[item.id] = item
            messages.append(
                '<m:MoveItemResponseMessage ResponseClass="Success">'
                "<m:ResponseCode>NoError</m:ResponseCode>"
                f'<m:Items><t:Message><t:ItemId Id="{item.id}" ChangeKey="CQAAABYAAAB"/>'
                "</t:Message></m:Items></m:MoveItemResponseMessage>"
            )
        return _response("MoveItem", "".join(messages))

    def _FindFolder(self, request: ET.Element) -> bytes:  # noqa: N802 - the EWS operation
        assert request.get("Traversal") == "Shallow"
        parent = self._folder_of(request, f"{{{M}}}ParentFolderIds")
        wanted = None
        equal = request.find(f"{{{M}}}Restriction/{{{T}}}IsEqualTo")
        if equal is not None:
            assert equal.find(f"{{{T}}}FieldURI").get("FieldURI") == "folder:DisplayName"
            wanted = equal.find(f".//{{{T}}}Constant").get("Value")
        found = [
            (i, name)
            for i, (name, up) in self.folders.items()
            if up == parent and (wanted is None or name.lower() == wanted.lower())
        ]
        folders = "".join(
            _folder_xml(i, name, "IPF.Note", sum(1 for x in self.items.values() if x.folder == i))
            for i, name in found
        )
        return _response(
            "FindFolder",
            '<m:FindFolderResponseMessage ResponseClass="Success">'
            "<m:ResponseCode>NoError</m:ResponseCode>"
            f'<m:RootFolder IndexedPagingOffset="{len(found)}" TotalItemsInView="{len(found)}" '
            f'IncludesLastItemInRange="true"><t:Folders>{folders}</t:Folders></m:RootFolder>'
            "</m:FindFolderResponseMessage>",
        )

    def _CreateFolder(self, request: ET.Element) -> bytes:  # noqa: N802 - the EWS operation
        parent = self._folder_of(request, f"{{{M}}}ParentFolderId")
        messages = []
        for new in request.findall(f"{{{M}}}Folders/*"):
            name = new.findtext(f"{{{T}}}DisplayName") or ""
            taken = any(
                n.lower() == name.lower() and up == parent for n, up in self.folders.values()
            )
            if taken:
                messages.append(
                    _error_message(
                        "CreateFolder",
                        "ErrorFolderExists",
                        "A folder with the specified name already exists.",
                        "<m:Folders/>",
                    )
                )
                continue
            new_id = self._new_id("folder")
            self.folders[new_id] = (name, parent)
            messages.append(
                '<m:CreateFolderResponseMessage ResponseClass="Success">'
                "<m:ResponseCode>NoError</m:ResponseCode>"
                f'<m:Folders><t:Folder><t:FolderId Id="{new_id}" ChangeKey="AQAAABYAAAB"/>'
                "</t:Folder></m:Folders></m:CreateFolderResponseMessage>"
            )
        return _response("CreateFolder", "".join(messages))


def _handler(fake: FakeExchange) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: NTLM authenticates the connection

        def setup(self) -> None:
            super().setup()
            self.ntlm: spnego.ContextProxy | None = None
            self.ntlm_user: str | None = None

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def reply(self, reply: Reply, headers: dict[str, str] | None = None) -> None:
            self.send_response(reply.status)
            if reply.body:
                self.send_header("Content-Type", "text/xml; charset=utf-8")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def authenticated(self) -> bool:
            if self.ntlm_user:
                return True
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("NTLM "):
                self.reply(Reply(401), {"WWW-Authenticate": "NTLM"})
                return False
            if self.ntlm is None:
                self.ntlm = spnego.server(
                    hostname="127.0.0.1",
                    service="http",
                    protocol="ntlm",
                    options=spnego.NegotiateOptions.use_ntlm,
                )
            try:
                out = self.ntlm.step(base64.b64decode(auth[5:]))
            except spnego.exceptions.SpnegoError:  # wrong user or password
                self.ntlm = None
                self.reply(Reply(401), {"WWW-Authenticate": "NTLM"})
                return False
            if not self.ntlm.complete:
                challenge = base64.b64encode(out or b"").decode()
                self.reply(Reply(401), {"WWW-Authenticate": f"NTLM {challenge}"})
                return False
            self.ntlm_user = self.ntlm.client_principal
            with fake.lock:
                fake.handshakes += 1
            return True

        def do_POST(self) -> None:  # noqa: N802
            data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if fake.http_status is not None:
                self.reply(Reply(fake.http_status, b"<html>Service Unavailable</html>"))
                return
            if not self.authenticated():
                return
            root = ET.fromstring(data)  # noqa: S314 - the request of the client under test
            request = root.find(f"{{{SOAP}}}Body")[0]
            operation = request.tag.rsplit("}", 1)[1]
            with fake.lock:
                fake.calls.append(Call(operation, root, self.ntlm_user or "", time.monotonic()))
                if operation in fake.failing:
                    reply = Reply(fake.failing[operation], b"<html>Service Unavailable</html>")
                else:
                    reply = fake.answer(operation, request)
            self.reply(reply)

    return Handler


def write_accounts(folder: Path) -> Path:
    """The fake's account database, in the flat-file form pyspnego's NTLM acceptor reads (point
    ``NTLM_USER_FILE`` at it)."""
    users = folder / "ntlm-users"
    users.write_text(f"{DOMAIN}:{USER}:{PASSWORD}\n:{UPN}:{PASSWORD}\n")
    return users


def serve(tls: ssl.SSLContext | None = None) -> Iterator[FakeExchange]:
    fake = FakeExchange(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls else "http"
    fake.url = f"{scheme}://127.0.0.1:{server.server_address[1]}/EWS/Exchange.asmx"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
