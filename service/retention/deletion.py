"""Deletion that is really deletion.

A closed case whose deletion moment has come (and that no legal hold holds) loses its personal
data: its people, the trawl's people and every return, consent, IMR, panel, drafts for comment,
the uploaded files, the content of every email about it, and the rows of any other table that
belongs to the case. What stays is the stub the statistics need: the case's reference, status
and dates, its closure (outcome, dates, and what it held, counted), each trawl's and each
request's dates and chaser counts (the trawl response statistics), and the audit trail, which
never held personal data.

A referral not taken forward is deleted whole ``referral_months`` after the decision, with the
content of its emails.

Each deletion is claimed with a conditional update (or delete) in the transaction that does it,
so two sweeps at once delete once and audit once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, select, update
from sqlalchemy.orm import Session

from service import audit
from service.db import Base
from service.models import (
    Case,
    CaseClosure,
    CasePerson,
    ConsentRequest,
    ConsentStatus,
    FeedbackRequest,
    ImrRequest,
    ImrSubmission,
    LegalHold,
    PanelMeeting,
    PanelMember,
    PanelPaper,
    Partnership,
    Referral,
    ReferralStatus,
    StoredFile,
    Trawl,
    TrawlExtension,
    TrawlPerson,
    TrawlRequest,
    TrawlReturn,
)
from service.retention import holds, outbox_purge, schedule

log = logging.getLogger(__name__)

#: Rows of a deleted case that stay, with what is blanked in them: the stub.
STUB: dict[type, dict[str, Any]] = {
    Case: {"date_of_death": None},
    Referral: {"answers": {}, "relevant_people": None, "recommendation": None},
    Trawl: {"note": None, "person_ids": []},
    TrawlRequest: {"draft": None},
    TrawlExtension: {"reason": "", "refusal_reason": None},
    ImrRequest: {"draft": None, "note": None, "terms_of_reference_id": None},
    CaseClosure: {"deferral_reason": None},
    LegalHold: {"reason": ""},
}
#: Tables never deleted from: the audit trail is append-only and holds no personal data; a
#: case's chairs are console users, not people the review is about.
KEPT_TABLES = {"audit_event", "case_chair"}
#: Tables that are not a case's at all (configuration, users, sign-in, links, mail plumbing).
NOT_CASE_DATA = {
    "partnership", "agency", "user_account", "sign_in_lock", "console_session", "access_token",
    "link_session", "retention_schedule", "attachment_blob", "message", "message_attachment",
    "mail_system_fault", "bounce_report", "bounce_poll", "bounce_notice", "message_bounce",
    "request_delivery", "message_resend",
}  # fmt: skip
# Of those, what could name a person is cut with the messages (``outbox_purge``): a bounce
# keeps only the domain that failed, and an officer's bounce notice is forgotten after two days.


def _table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined]


def _stub_tables() -> set[str]:
    return {_table(m).name for m in STUB}


def case_tables() -> list[Table]:
    """Every other table with a ``case_id`` column: its rows of the case are deleted whole."""
    kept = _stub_tables() | KEPT_TABLES
    return [t for t in Base.metadata.sorted_tables if "case_id" in t.columns and t.name not in kept]


def _delete_where(session: Session, table: Table, condition: ColumnElement[bool], depth=0) -> int:
    """Delete ``table``'s rows matching ``condition`` and, first, every row that refers to them
    (through any foreign key); a row of the stub that refers to one has the reference cleared."""
    if depth > 12:
        raise RuntimeError(f"foreign keys too deep below {table.name}")
    stub = _stub_tables() | KEPT_TABLES
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is not table or child is table:
                continue
            doomed = fk.parent.in_(select(fk.column).where(condition))
            if child.name in stub or child.name in NOT_CASE_DATA:
                if fk.parent.nullable:
                    session.execute(update(child).where(doomed).values({fk.parent.name: None}))
                continue
            _delete_where(session, child, doomed, depth + 1)
    return session.execute(delete(table).where(condition)).rowcount


def _count(session: Session, model: type, *criteria: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*criteria)) or 0


def counts_of(session: Session, case_id: int) -> dict[str, int]:
    """What the case held, for the stub: the statistics still count it."""
    requests = select(TrawlRequest.id).where(TrawlRequest.case_id == case_id)
    consent = select(ConsentRequest.id).where(ConsentRequest.case_id == case_id)
    imrs = select(ImrRequest.id).where(ImrRequest.case_id == case_id)
    return {
        "people": _count(session, CasePerson, CasePerson.case_id == case_id),
        "trawls": _count(session, Trawl, Trawl.case_id == case_id),
        "trawl_requests": _count(session, TrawlRequest, TrawlRequest.case_id == case_id),
        "trawl_returns": _count(session, TrawlReturn, TrawlReturn.request_id.in_(requests)),
        "consent_requests": _count(session, ConsentRequest, ConsentRequest.id.in_(consent)),
        "consent_given": _count(
            session,
            ConsentRequest,
            ConsentRequest.case_id == case_id,
            ConsentRequest.status == ConsentStatus.GIVEN,
        ),  # fmt: skip
        "imr_requests": _count(session, ImrRequest, ImrRequest.case_id == case_id),
        "imr_submissions": _count(session, ImrSubmission, ImrSubmission.request_id.in_(imrs)),
        "panel_members": _count(session, PanelMember, PanelMember.case_id == case_id),
        "panel_meetings": _count(session, PanelMeeting, PanelMeeting.case_id == case_id),
        "drafts_for_comment": _count(session, FeedbackRequest, FeedbackRequest.case_id == case_id),
    }


def file_ids_of(session: Session, case_id: int) -> set[str]:
    """Every uploaded file of the case: terms of reference, IMR documents (and drafts), panel
    papers, drafts for comment, and any file a row of another case table refers to."""
    found: set[str] = set()
    imrs = list(session.scalars(select(ImrRequest).where(ImrRequest.case_id == case_id)))
    for request in imrs:
        found.add(request.terms_of_reference_id)
        found.add((request.draft or {}).get("document_id"))
    found |= set(
        session.scalars(
            select(ImrSubmission.document_id).where(
                ImrSubmission.request_id.in_([r.id for r in imrs])
            )
        )
    )
    meetings = select(PanelMeeting.id).where(PanelMeeting.case_id == case_id)
    found |= set(
        session.scalars(select(PanelPaper.file_id).where(PanelPaper.meeting_id.in_(meetings)))
    )
    stored = _table(StoredFile).c.id
    for table in case_tables():
        for column in table.columns:
            if any(fk.column is stored for fk in column.foreign_keys):
                found |= set(session.scalars(select(column).where(table.c.case_id == case_id)))
    return {f for f in found if isinstance(f, str)}


def references_of(session: Session, case: Case) -> list[str]:
    """The references the case's emails carry: the case's, and its referral's."""
    referrals = session.scalars(
        select(Referral.reference).where(
            Referral.case_id == case.id, Referral.reference.is_not(None)
        )
    )
    return [case.reference, *referrals]


def claim(session: Session, case_id: int, now: datetime) -> bool:
    """Take the case's deletion: True for the one caller that may delete it now."""
    result = session.execute(
        update(CaseClosure)
        .where(
            CaseClosure.case_id == case_id,
            CaseClosure.deleted_at.is_(None),
            CaseClosure.notice_sent_at.is_not(None),
            CaseClosure.delete_at <= now,
            ~holds.held(CaseClosure.case_id),
        )
        .values(deleted_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def delete_case(session: Session, case: Case, now: datetime) -> dict[str, int]:
    """Delete the case's personal data (the caller has claimed it); what it held."""
    counts = counts_of(session, case.id)
    files = file_ids_of(session, case.id)
    references = references_of(session, case)
    messages = outbox_purge.purge_about(session, references, now)
    # Rows that are the case's and nothing else's, and whatever refers to them.
    for table in reversed(case_tables()):
        _delete_where(session, table, table.c.case_id == case.id)
    trawls = select(Trawl.id).where(Trawl.case_id == case.id)
    requests = select(TrawlRequest.id).where(TrawlRequest.case_id == case.id)
    imrs = select(ImrRequest.id).where(ImrRequest.case_id == case.id)
    _delete_where(session, _table(TrawlPerson), TrawlPerson.trawl_id.in_(trawls))
    _delete_where(session, _table(TrawlReturn), TrawlReturn.request_id.in_(requests))
    _delete_where(session, _table(ImrSubmission), ImrSubmission.request_id.in_(imrs))
    # What stays, blanked.
    for model, values in STUB.items():
        table = _table(model)
        if model is Case:
            where = table.c.id == case.id
        elif "case_id" in table.columns:
            where = table.c.case_id == case.id
        else:  # TrawlExtension: through its request
            where = table.c.request_id.in_(requests)
        session.execute(update(table).where(where).values(values))
    if files:
        _delete_where(session, _table(StoredFile), StoredFile.id.in_(files))
    counts["files"] = len(files)
    counts["messages"] = len(messages)
    session.execute(update(CaseClosure).where(CaseClosure.case_id == case.id).values(counts=counts))
    audit.record(
        session, "case.personal_data_deleted", partnership_id=case.partnership_id,
        object_type="case", object_id=case.id, case_id=case.id, **counts,
    )  # fmt: skip
    return counts


def due_cases(session: Session, now: datetime, limit: int) -> list[int]:
    return list(
        session.scalars(
            select(CaseClosure.case_id)
            .where(
                CaseClosure.deleted_at.is_(None),
                CaseClosure.notice_sent_at.is_not(None),
                CaseClosure.delete_at <= now,
                ~holds.held(CaseClosure.case_id),
            )
            .order_by(CaseClosure.delete_at)
            .limit(limit)
        )
    )


def delete_due_cases(session: Session, now: datetime, *, limit: int = 5) -> int:
    """Delete the cases now due (a few at a time, so a sweep stays short); how many."""
    deleted = 0
    for case_id in due_cases(session, now, limit):
        with session.begin_nested():
            if not claim(session, case_id, now):
                continue  # another sweep has it, or a hold was placed meanwhile
            delete_case(session, session.get(Case, case_id), now)
            deleted += 1
    return deleted


# --- referrals not taken forward --------------------------------------------------------------


def delete_referral(session: Session, referral_id: int, cutoff: datetime, now: datetime) -> bool:
    """Delete one referral not taken forward, decided at or before ``cutoff``; True if this
    call deleted it."""
    row = session.execute(
        select(Referral.reference, Referral.partnership_id).where(Referral.id == referral_id)
    ).first()
    if row is None:
        return False
    condition = (
        (Referral.id == referral_id)
        & (Referral.status == ReferralStatus.NOT_ACCEPTED)
        & Referral.case_id.is_(None)
        & (Referral.decided_at <= cutoff)
    )
    if session.scalar(select(func.count()).select_from(Referral).where(condition)):
        _delete_initial_requests(session, referral_id)
    if not _delete_where(session, _table(Referral), condition):
        return False  # another sweep deleted it, or the decision changed
    messages = outbox_purge.purge_about(session, [row.reference], now) if row.reference else []
    audit.record(
        session, "referral.deleted", partnership_id=row.partnership_id, object_type="referral",
        object_id=referral_id, reference=row.reference, messages=len(messages),
    )  # fmt: skip
    return True


def _delete_initial_requests(session: Session, referral_id: int) -> None:
    """The referral's initial information requests, which never became a case's: their
    people, returns, requests for more time, requests (and links) and the trawls."""
    trawls = select(Trawl.id).where(Trawl.referral_id == referral_id, Trawl.case_id.is_(None))
    requests = select(TrawlRequest.id).where(TrawlRequest.trawl_id.in_(trawls))
    _delete_where(session, _table(TrawlExtension), TrawlExtension.request_id.in_(requests))
    _delete_where(session, _table(TrawlReturn), TrawlReturn.request_id.in_(requests))
    _delete_where(session, _table(TrawlPerson), TrawlPerson.trawl_id.in_(trawls))
    _delete_where(session, _table(TrawlRequest), TrawlRequest.id.in_(requests))
    _delete_where(session, _table(Trawl), Trawl.id.in_(trawls))


def delete_due_referrals(session: Session, now: datetime, *, limit: int = 100) -> int:
    deleted = 0
    for partnership_id in list(session.scalars(select(Partnership.id))):
        cutoff = schedule.referral_cutoff(schedule.of(session, partnership_id), now)
        due = session.scalars(
            select(Referral.id)
            .where(
                Referral.partnership_id == partnership_id,
                Referral.status == ReferralStatus.NOT_ACCEPTED,
                Referral.case_id.is_(None),
                Referral.decided_at <= cutoff,
            )
            .order_by(Referral.decided_at)
            .limit(limit - deleted)
        ).all()
        for referral_id in due:
            with session.begin_nested():
                if delete_referral(session, referral_id, cutoff, now):
                    deleted += 1
        if deleted >= limit:
            break
    return deleted
