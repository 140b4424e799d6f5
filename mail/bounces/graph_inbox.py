"""The sending mailbox's Inbox, through Microsoft Graph: where Exchange Online puts its NDRs.

The same app and sign-in as ``graph://`` (``mail.transports.graph``), with ``Mail.ReadWrite``
on the mailbox (or ``Mail.Read`` to read, with ``Mail.ReadWrite`` to move):

- ``GET /users/{sender}/mailFolders/inbox/messages?$select=id`` lists what is waiting, oldest
  first, following ``@odata.nextLink``;
- ``GET /messages/{id}/$value`` is the raw MIME of one, read as a stream and given up at 20 MB;
- ``POST /messages/{id}/move`` moves a processed report to the folder ``MAIL_BOUNCES_FOLDER``
  ("DHR Forms processed" by default), found by name or created at the top of the mailbox.

Throttling and errors are the transport's: a refused sign-in raises ``CredentialsRefused``,
anything else a ``TransientError``; the poll then stops and the next one starts again.
"""

from __future__ import annotations

from urllib.parse import quote

import requests

from mail.bounces.parse import MAX_REPORT_BYTES
from mail.bounces.poll import Gone
from mail.transports.base import TransientError
from mail.transports.graph import GraphTransport, _Call, _error_code, _json

#: Items read in one poll at most; the rest wait for the next.
MAX_ITEMS = 200
PAGE = 50


class GraphInbox:
    name = "graph"

    def __init__(self, transport: GraphTransport, *, folder: str) -> None:
        self.t = transport
        self.folder = folder
        self.identity = f"graph:{transport.sender.lower()}"
        self._folder_id: str | None = None

    def items(self) -> list[str]:
        call = _Call(self.t)
        url: str | None = "/mailFolders/inbox/messages"
        params: dict[str, str] | None = {
            "$select": "id",
            "$top": str(PAGE),
            "$orderby": "receivedDateTime asc",
        }
        ids: list[str] = []
        while url and len(ids) < MAX_ITEMS:
            answer = _json(call.request("GET", url, params=params))
            ids += [str(m["id"]) for m in answer.get("value") or [] if m.get("id")]
            url, params = answer.get("@odata.nextLink"), None
        return ids[:MAX_ITEMS]

    def fetch(self, ref: str) -> bytes | None:
        url = f"{self.t.mailbox_url}/messages/{quote(ref, safe='')}/$value"
        refresh = False
        while True:
            token = self.t.credentials.token(self.t.scope, refresh=refresh)
            headers = {"Authorization": f"Bearer {token}"}
            with self.t.slots.hold(self.t.max_wait):
                try:
                    with self.t.session().get(url, headers=headers, stream=True) as response:
                        if response.status_code == 401 and not refresh:
                            refresh = True
                            continue
                        code = _error_code(response)
                        if response.status_code == 404 and code == "ErrorItemNotFound":
                            raise Gone(ref)
                        if not 200 <= response.status_code < 300:
                            raise _Call(self.t)._failure(response.status_code, code, False)
                        data = bytearray()
                        for chunk in response.iter_content(64 * 1024):
                            data += chunk
                            if len(data) > MAX_REPORT_BYTES:
                                return None
                        return bytes(data)
                except requests.RequestException as exc:
                    raise TransientError(
                        f"no answer from Microsoft Graph ({type(exc).__name__})"
                    ) from None

    def settle(self, ref: str) -> None:
        call = _Call(self.t)
        try:
            call.request(
                "POST",
                f"/messages/{quote(ref, safe='')}/move",
                json={"destinationId": self._processed_folder(call)},
            )
        except TransientError as exc:
            if "ErrorItemNotFound" not in str(exc):
                raise
            # Moved already, by a poll running at the same time: nothing left to do.

    def close(self) -> None:
        pass

    def _processed_folder(self, call: _Call) -> str:
        if self._folder_id is None:
            self._folder_id = self._find_folder(call) or self._create_folder(call)
        return self._folder_id

    def _find_folder(self, call: _Call) -> str | None:
        literal = self.folder.replace("'", "''")
        answer = call.request(
            "GET",
            "/mailFolders",
            params={"$filter": f"displayName eq '{literal}'", "$select": "id,displayName"},
        )
        found = [f for f in _json(answer).get("value") or [] if f.get("displayName") == self.folder]
        return str(found[0]["id"]) if found else None

    def _create_folder(self, call: _Call) -> str:
        try:
            answer = call.request("POST", "/mailFolders", json={"displayName": self.folder})
        except TransientError as exc:
            if "ErrorFolderExists" not in str(exc):
                raise
            # Created a moment ago by a poll running at the same time.
            found = self._find_folder(call)
            if found is None:
                raise
            return found
        folder_id = _json(answer).get("id")
        if not folder_id:
            raise TransientError("Microsoft Graph made the folder but gave no id for it")
        return str(folder_id)
