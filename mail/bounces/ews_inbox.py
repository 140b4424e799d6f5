"""The sending mailbox's Inbox, through Exchange Web Services: where on-premises Exchange puts NDRs.

The same endpoint, version and sign-in as ``ews://`` (``mail.transports.ews``; the account needs
read and move rights on ``EWS_SENDER``'s Inbox, which the sending account has on its own mailbox):

- ``FindItem`` on the Inbox (shallow, ids only, oldest first, at most ``MAX_ITEMS``) lists what
  is waiting;
- ``GetItem`` with ``Size`` first, then with ``MimeContent``, reads one report's raw MIME (none
  over ``parse.MAX_REPORT_BYTES`` is downloaded);
- ``MoveItem`` moves a processed report to the folder ``MAIL_BOUNCES_FOLDER`` ("DHR Forms
  processed" by default), found by name with ``FindFolder`` under the top of the mailbox
  (``msgfolderroot``) or made there with ``CreateFolder``.

An item no longer there (``ErrorItemNotFound``: moved by a poll running at the same time) is
``Gone`` when read and nothing to do when moved. Every other failure raises ``TransientError``
(``CredentialsRefused`` for a refused sign-in) worded with the EWS response code or exception
class only; the poll then stops and the next one starts again. Throttling is backed off within
``EWS_MAX_WAIT``, as for a send.
"""

from __future__ import annotations

from typing import Any

from exchangelib import OAUTH2, Folder, FolderCollection, ItemId, Q
from exchangelib import errors as ews_errors
from exchangelib.folders import SHALLOW
from exchangelib.properties import FolderId
from exchangelib.services import CreateFolder

from mail.bounces.parse import MAX_REPORT_BYTES
from mail.bounces.poll import Gone
from mail.transports import ews
from mail.transports.base import CredentialsRefused, TransientError

#: Items read in one poll at most; the rest wait for the next.
MAX_ITEMS = 200


class EwsInbox:
    name = "ews"

    def __init__(self, transport: ews.EwsTransport, *, folder: str) -> None:
        self.t = transport
        self.folder = folder
        self.identity = f"ews:{transport.sender.lower()}"
        self._budget = ews._SendBudget(max_wait=transport.max_wait)
        self._account: Any = None
        self._processed: FolderId | None = None

    def items(self) -> list[str]:
        def listing() -> list[str]:
            waiting = (
                self._connect()
                .inbox.all()
                .order_by("datetime_received")
                .only("datetime_received")[:MAX_ITEMS]
            )
            return [item.id for item in waiting if getattr(item, "id", None)]

        return self._call(listing)

    def fetch(self, ref: str) -> bytes | None:
        def read() -> bytes | None:
            account = self._connect()
            (sized,) = account.fetch(ids=[ItemId(id=ref)], only_fields=["size"])
            _raise(sized, ref)
            if sized.size is not None and sized.size > MAX_REPORT_BYTES:
                return None
            (item,) = account.fetch(ids=[ItemId(id=ref)], only_fields=["mime_content"])
            _raise(item, ref)
            mime = item.mime_content
            if mime is None:
                raise Gone(ref)  # an item with no MIME of its own is no report
            data = mime.encode() if isinstance(mime, str) else bytes(mime)
            return data if len(data) <= MAX_REPORT_BYTES else None

        return self._call(read)

    def settle(self, ref: str) -> None:
        def move() -> None:
            account = self._connect()
            (moved,) = account.bulk_move(ids=[ItemId(id=ref)], to_folder=self._processed_folder())
            if isinstance(moved, ews_errors.ErrorItemNotFound):
                return  # moved already, by a poll running at the same time
            if isinstance(moved, Exception):
                raise moved

        self._call(move)

    def close(self) -> None:
        account, self._account = self._account, None
        if account is not None:
            account.protocol.close()

    # --- the account --------------------------------------------------------------------------

    def _connect(self) -> Any:
        if self._account is None:
            self._account = self.t._build_account(self._budget)
        return self._account

    def _processed_folder(self) -> FolderId:
        if self._processed is None:
            self._processed = self._find_folder() or self._create_folder()
        return self._processed

    def _find_folder(self) -> FolderId | None:
        top = self._connect().msg_folder_root
        found = FolderCollection(account=self._account, folders=[top]).find_folders(
            q=Q(name=self.folder), depth=SHALLOW
        )
        for folder in found:
            if isinstance(folder, Exception):
                raise folder
            if folder.name == self.folder:
                return FolderId(id=folder.id, changekey=folder.changekey)
        return None

    def _create_folder(self) -> FolderId:
        # CreateFolder itself rather than Folder.save(), which would read the whole folder tree
        # of the mailbox into exchangelib's cache first.
        account = self._connect()
        top = account.msg_folder_root
        folder = Folder(parent=top, name=self.folder, folder_class="IPF.Note")
        try:
            made = CreateFolder(account=account).get(parent_folder=top, folders=[folder])
        except ews_errors.ErrorFolderExists:
            # Created a moment ago by a poll running at the same time.
            found = self._find_folder()
            if found is None:
                raise
            return found
        return FolderId(id=made.id, changekey=made.changekey)

    def _call(self, step: Any) -> Any:
        self._budget.start()
        try:
            return step()
        except Gone:
            raise
        except ews_errors.UnauthorizedError:
            self._account = None
            raise CredentialsRefused(
                "the EWS server refused the sign-in to read bounce reports: check EWS_USERNAME "
                "and EWS_PASSWORD (or the EWS_CLIENT_* app)",
                setting="EWS_CLIENT_SECRET" if self.t._auth_type == OAUTH2 else "EWS_PASSWORD",
            ) from None
        except Exception as exc:  # every failure must become a TransportError safe to log
            self._account = None
            error = ews._safe_error(exc, self.t.max_wait)
            text = (
                str(error)
                .replace("EWS refused the message", "EWS refused")
                .replace("EWS send failed", "EWS mailbox read failed")
            )
            raise TransientError(text) from None
        finally:
            self._budget.stop()


def _raise(item: object, ref: str) -> None:
    if isinstance(item, ews_errors.ErrorItemNotFound):
        raise Gone(ref)
    if isinstance(item, Exception):
        raise item
