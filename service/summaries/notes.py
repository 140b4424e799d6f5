"""The officer's own columns on the merged chronology (Darlington Appendix 3: the management
review officer's comment and the panel's notes), kept by each row's key so that building the
chronology again, after a new return or IMR, never loses them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import audit, clock
from service.models import Case, ChronologyNote
from service.summaries import chronology

NOTE_MAX = 5000


def entry(merged: list[chronology.Entry], key: str) -> chronology.Entry | None:
    return next((e for e in merged if e.key == key), None)


def save(
    session: Session, case: Case, key: str, *, management_comment: str | None,
    panel_notes: str | None, user_id: int | None, actor: str, client_address: str | None = None,
) -> ChronologyNote:  # fmt: skip
    """Keep the officer's columns for the row with ``key``."""
    note = session.scalar(
        select(ChronologyNote).where(ChronologyNote.case_id == case.id,
                                     ChronologyNote.row_key == key)
    )  # fmt: skip
    if note is None:
        note = ChronologyNote(case_id=case.id, row_key=key)
        session.add(note)
    note.management_comment = (management_comment or "").strip() or None
    note.panel_notes = (panel_notes or "").strip() or None
    note.updated_at = clock.now()
    note.updated_by = user_id
    session.flush()
    audit.record(
        session, "chronology.note_saved", actor=actor, partnership_id=case.partnership_id,
        object_type="case", object_id=case.id, case_id=case.id, client_address=client_address,
        row_key=key,
    )  # fmt: skip
    return note
