"""Attachments stored once: a file sent to many recipients (panel papers, a summary PDF) is kept
as one ``AttachmentBlob``, named by its SHA-256, and each message's ``MessageAttachment`` row
refers to it.

Storing is one statement that inserts the blob or, if it is there already, moves its
``last_used_at``: two messages queued with the same file at the same moment both refer to the
one row, and the clean-up (``remove_unused``) never takes a blob a message is being queued
with, since it only takes blobs unused for a day that no message refers to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mail.sizing import Attachment
from service import clock
from service.models import AttachmentBlob, MessageAttachment

#: A blob no message refers to is deleted once it has not been used for this long.
UNUSED_FOR = timedelta(days=1)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store(session: Session, data: bytes, now: datetime | None = None) -> str:
    """Keep ``data`` (once); its SHA-256, which names it."""
    sha = digest(data)
    now = now or clock.now()
    reused = session.execute(
        update(AttachmentBlob)
        .where(AttachmentBlob.sha256 == sha)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    if reused.rowcount == 1:  # stored already: the bytes need not travel again
        return sha
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(AttachmentBlob)
        .values(sha256=sha, size=len(data), data=data, created_at=now, last_used_at=now)
        .on_conflict_do_update(index_elements=[AttachmentBlob.sha256], set_={"last_used_at": now})
    )
    return sha


@dataclass(frozen=True)
class Kept:
    """An attachment whose bytes are stored: what each message's row needs."""

    filename: str
    content_type: str
    sha256: str
    size: int


def keep(session: Session, attachments: Sequence[Attachment]) -> list[Kept]:
    """Store each attachment's bytes (once, however many recipients and however many times
    the same file is attached)."""
    now = clock.now()
    shas: dict[bytes, str] = {}
    for a in attachments:
        if a.data not in shas:
            shas[a.data] = store(session, a.data, now)
    return [Kept(a.filename, a.content_type, shas[a.data], len(a.data)) for a in attachments]


def rows(kept: Sequence[Kept]) -> list[MessageAttachment]:
    """One message's attachment rows, each referring to its stored bytes."""
    return [
        MessageAttachment(
            position=i,
            filename=k.filename,
            content_type=k.content_type,
            sha256=k.sha256,
            size=k.size,
        )
        for i, k in enumerate(kept)
    ]


def remove_unused(session: Session, now: datetime, *, limit: int = 200) -> int:
    """Delete blobs no message refers to that have not been used for a day; how many."""
    unused = (
        select(AttachmentBlob.sha256)
        .where(
            AttachmentBlob.last_used_at <= now - UNUSED_FOR,
            ~exists().where(MessageAttachment.sha256 == AttachmentBlob.sha256),
        )
        .limit(limit)
    )
    shas = list(session.scalars(unused))
    if not shas:
        return 0
    result = session.execute(
        delete(AttachmentBlob)
        .where(
            AttachmentBlob.sha256.in_(shas),
            AttachmentBlob.last_used_at <= now - UNUSED_FOR,
            ~exists().where(MessageAttachment.sha256 == AttachmentBlob.sha256),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
