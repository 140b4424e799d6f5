"""Reading a mailbox of bounce reports: every report once, nothing lost.

Which mailbox: ``MAIL_BOUNCES`` (``imaps://…``, a separate mailbox, ``mail.bounces.imap_inbox``)
when it is set; otherwise the mailbox the service sends as, when ``MAIL_TRANSPORT`` is
``graph://`` (its Inbox, ``mail.bounces.graph_inbox``) or ``ews://`` (its Inbox,
``mail.bounces.ews_inbox``). With none of these, no mailbox is read, and ``dhr mail ingest``
reads reports from files.

For each item in the mailbox: its report is read and recorded in one transaction (a report read
before is a ``duplicate``, so a poll run twice, or two at once, records each bounce once), and
only after that commits is the item moved to the processed folder (``MAIL_BOUNCES_FOLDER``). An
item that is no delivery report (an out-of-office reply, a read receipt, other mail) is left
where it is, for people to read, and remembered so that it is not read again. A mailbox that
cannot be reached raises ``TransportError``: nothing is recorded or moved, and the next poll
tries again. No transaction is held across a call to the mail system.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from typing import Protocol

from config.settings import Config
from mail.bounces import parse, record
from mail.transports import TransportConfigError
from service import db

log = logging.getLogger(__name__)


class Gone(Exception):
    """The item is no longer there: another poll running at the same time moved it."""


class Mailbox(Protocol):
    #: "graph", "ews" or "imap": the source recorded with each report, and whose turn is claimed.
    name: str
    #: Which mailbox exactly (its address, host and folder): items are remembered by it.
    identity: str

    def items(self) -> list[str]:
        """The ids of the items waiting, oldest first (at most a few hundred a poll)."""
        ...

    def fetch(self, ref: str) -> bytes | None:
        """The item's raw MIME; None when it is over ``parse.MAX_REPORT_BYTES``. Raises
        ``Gone`` when it was moved away meanwhile."""
        ...

    def settle(self, ref: str) -> None:
        """Move the item to the processed folder (gone already is fine)."""
        ...

    def close(self) -> None: ...


def configured(settings: Config) -> str | None:
    """The name of the mailbox the settings say to read, or None."""
    if settings.MAIL_BOUNCES:
        return "imap"
    if settings.MAIL_TRANSPORT.startswith("graph:"):
        return "graph"
    if settings.MAIL_TRANSPORT.startswith("ews:"):
        return "ews"
    return None


def open_mailbox(settings: Config) -> Mailbox:
    """The mailbox the settings name (``configured`` must not be None)."""
    if settings.MAIL_BOUNCES:
        from mail.bounces import imap_inbox

        return imap_inbox.from_settings(settings)
    if settings.MAIL_TRANSPORT.startswith("graph:"):
        from mail.bounces import graph_inbox
        from service import runtime

        return graph_inbox.GraphInbox(runtime.transport(), folder=settings.MAIL_BOUNCES_FOLDER)
    if settings.MAIL_TRANSPORT.startswith("ews:"):
        from mail.bounces import ews_inbox
        from service import runtime

        return ews_inbox.EwsInbox(runtime.transport(), folder=settings.MAIL_BOUNCES_FOLDER)
    raise TransportConfigError(
        "no mailbox of bounce reports: set MAIL_BOUNCES or use graph:// or ews://"
    )


def run(mailbox: Mailbox) -> Counter[str]:
    """Read every item waiting in ``mailbox``; how many gave each result."""
    results: Counter[str] = Counter()
    try:
        for ref in mailbox.items():
            key = hashlib.sha256(f"{mailbox.identity}\0{ref}".encode()).hexdigest()
            with db.transaction() as session:
                if record.known(session, key):
                    continue  # left in place by an earlier poll
            try:
                raw = mailbox.fetch(ref)
            except Gone:
                continue  # read and moved by a poll running at the same time
            if raw is None:
                log.warning(
                    "bounce report ignored", extra={"reason": parse.TOO_BIG, "source": mailbox.name}
                )
                with db.transaction() as session:
                    record.remember(session, key, mailbox.name, f"ignored: {parse.TOO_BIG}")
                results[record.IGNORED] += 1
                continue
            with db.transaction() as session:
                outcome = record.ingest(session, raw, source=mailbox.name)
                if outcome.settled and not outcome.report:
                    record.remember(session, key, mailbox.name, "left in the mailbox")
            results[outcome.result] += 1
            if outcome.settled and outcome.report:
                mailbox.settle(ref)
    finally:
        mailbox.close()
    log.info("bounce mailbox read", extra={"source": mailbox.name, **results})
    return results
