"""The collated summary PDF, made once per version of the case and kept (``DocumentCache``, the
file itself an ``AttachmentBlob`` as the mail attachments are stored).

The version is a fingerprint of everything the PDF shows (the summary without the moment it
was built, and the partnership's name): a new return, an IMR, a consent answer, a note or a
change to the case gives a new fingerprint and a new PDF; asking again when nothing changed
gives the stored file. Its "as at" is the moment it was made.

A small summary is made where it is asked for; one with more than ``INLINE_ROWS`` rows (more
than about a second's work) is made by a worker job while the page says it is being prepared.
A document is never made inside a database transaction: ``prepare`` refuses to run in one, reads
the case in a read transaction it ends before drawing, and stores the file in a transaction of
its own.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mail import attachments
from service import clock, db, queues
from service.models import AttachmentBlob, Case, DocumentCache, Partnership
from service.summaries import documents
from service.summaries.build import Summary, build

log = logging.getLogger(__name__)

KIND = "summary.pdf"
#: Changed when the PDF's layout changes, so every kept file is made again.
LAYOUT_VERSION = "2"
#: A summary with more table rows than this is made by a worker job (about a second's work).
INLINE_ROWS = 400
#: A job asked for this long ago that has not delivered is asked for again (Redis lost it).
STALE = timedelta(minutes=5)
JOB_TIMEOUT = 600


class InTransaction(RuntimeError):
    """A document was asked for inside a database transaction."""


def fingerprint(summary: Summary, partnership_name: str) -> str:
    """The version of the case the PDF shows: a digest of the summary without its moment."""
    data = dataclasses.asdict(summary)
    data.pop("generated_at", None)
    text = json.dumps([LAYOUT_VERSION, partnership_name, data], default=str, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def rows(summary: Summary) -> int:
    """How many table rows the PDF has: what its time grows with."""
    return (
        len(summary.chronology)
        + 2 * len(summary.agencies)
        + sum(len(p.known_to) for p in summary.people)
        + len(summary.consent)
        + len(summary.imrs)
        + len(summary.actions)
    )


def _row(session: Session, case_id: int) -> DocumentCache | None:
    return session.scalar(
        select(DocumentCache).where(DocumentCache.case_id == case_id, DocumentCache.kind == KIND)
    )


def current(session: Session, case_id: int, fp: str) -> bytes | None:
    """The stored PDF of version ``fp``, or None (not made yet, or made for another version)."""
    row = _row(session, case_id)
    if row is None or row.built_fingerprint != fp or row.sha256 is None:
        return None
    # None too if the file was cleaned away: it is made again.
    return session.scalar(select(AttachmentBlob.data).where(AttachmentBlob.sha256 == row.sha256))


def _upsert(session: Session, case_id: int, values: dict, update: dict | None = None) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(DocumentCache)
        .values(case_id=case_id, kind=KIND, **values)
        .on_conflict_do_update(index_elements=["case_id", "kind"], set_=update or values)
    )


def _ask(session: Session, case_id: int, fp: str, now: datetime) -> bool:
    """Record that version ``fp`` is wanted; True when a job should be asked to make it (not
    asked for yet, or asked for so long ago that the job is lost)."""
    row = _row(session, case_id)
    if row is not None and row.fingerprint == fp and now - clock.as_utc(row.requested_at) < STALE:
        return False
    _upsert(session, case_id, {"fingerprint": fp, "requested_at": now})
    return True


def keep(session: Session, case_id: int, fp: str, data: bytes, read_at: datetime) -> None:
    """Store ``data`` as the PDF of version ``fp``, read from the case at ``read_at``. It is
    the version wanted too, unless another was asked for after that."""
    sha = attachments.store(session, data, clock.now())
    built = {"built_fingerprint": fp, "sha256": sha, "size": len(data), "built_at": clock.now()}
    row = _row(session, case_id)
    update = dict(built)
    if row is None or clock.as_utc(row.requested_at) <= read_at:
        update["fingerprint"] = fp
    _upsert(session, case_id, {**built, "fingerprint": fp, "requested_at": read_at}, update)


def preparing(session: Session, case_id: int) -> bool:
    """Whether a job is making the case's PDF now."""
    row = _row(session, case_id)
    return row is not None and row.fingerprint != row.built_fingerprint


def _enqueue(case_id: int) -> None:
    try:
        queues.queue(queues.DEFAULT).enqueue(
            "workers.documents.make_summary_pdf",
            case_id,
            job_timeout=JOB_TIMEOUT,
            result_ttl=600,
            failure_ttl=7 * 24 * 3600,
            description=f"make the summary PDF of case {case_id}",
        )
    except RedisError as exc:
        # Asked for again when the page next refreshes after STALE.
        log.warning("could not enqueue a document", extra={"error": type(exc).__name__})


def _read(case_id: int, now: datetime) -> tuple[Summary, str, str, bytes | None]:
    session = db.Sessions()
    if session.info.get(db._DEPTH, 0):
        raise InTransaction("a document is never made inside a database transaction")
    try:
        case = session.get(Case, case_id)
        summary = build(session, case, now=now)
        partnership = session.get(Partnership, case.partnership_id)
        name = partnership.name if partnership else ""
        fp = fingerprint(summary, name)
        return summary, name, fp, current(session, case_id, fp)
    finally:
        session.commit()  # a read: ended before anything is drawn


def prepare(case_id: int, *, now: datetime | None = None, wait: bool = False) -> bytes | None:
    """The case's summary PDF as it stands: the stored file when nothing has changed, else made
    now (a small one, or any when ``wait``, as the worker job does) or asked of a worker
    (None: being prepared)."""
    now = now or clock.now()
    summary, name, fp, data = _read(case_id, now)
    if data is not None:
        return data
    if not wait and rows(summary) > INLINE_ROWS:
        with db.transaction() as session:
            ask = _ask(session, case_id, fp, now)
        if ask:
            _enqueue(case_id)
        return None
    data = documents.render(summary, name)
    with db.transaction() as session:
        keep(session, case_id, fp, data, now)
    return data
