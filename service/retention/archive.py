"""A case's complete record as one ZIP, for the council's records management before deletion.

    README.txt                        what is in the archive
    case.json                         the case, its people, the referral, closure and holds
    trawls/trawl-N/AGENCY/request.json  each agency's request: dates, chasers, extensions
    trawls/trawl-N/AGENCY/return-vV.json and .pdf   every version of every return
    imrs/AGENCY/...                   terms of reference, each IMR version's document, its QA
                                      checklist (as sent, PDF, and as data)
    consent/request-N.json, consent/*.pdf  each consent request, every answer, the signed forms
    panel/...                         members, meetings, their papers, drafts for comment and
                                      the answers to them
    letters-and-emails/*.txt          every letter and email about the case, as the outbox holds it
    summary/                          the collated summary (PDF), the merged chronology and the
                                      agency table (CSV)
    audit-trail.csv                   the case's audit trail

Only the case's own rows are read (by its id, its references and its files), so nothing of
another case can be in it. Making it is audited by the caller.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from service import clock
from service.audit import trail
from service.consent import responses as consent_responses
from service.models import (
    Agency,
    AuditEvent,
    Case,
    CaseClosure,
    ConsentRequest,
    FeedbackRequest,
    ImrRequest,
    LegalHold,
    Message,
    PanelMeeting,
    PanelMember,
    Partnership,
    Referral,
    StoredFile,
    Trawl,
)
from service.retention import deletion, outbox_purge
from service.summaries import documents as summary_documents
from service.summaries import exports
from service.summaries.build import build as build_summary
from service.trawls import submission as trawl_submission

CONTENT_TYPE = "application/zip"


def filename(case: Case) -> str:
    return f"{case.reference}-complete-record-{clock.london_date(clock.now()).isoformat()}.zip"


def _row(obj: Any, *, leave: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row's columns as plain data (dates as ISO text)."""
    out = {}
    for attr in inspect(obj).mapper.column_attrs:
        if attr.key in leave or attr.key == "data":
            continue
        value = getattr(obj, attr.key)
        out[attr.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str).encode()


def _ext(file: StoredFile) -> str:
    return ".docx" if "wordprocessingml" in file.content_type else ".pdf"


class _Zip:
    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED)
        self.names: list[str] = []

    def add(self, name: str, data: bytes | str) -> None:
        self.zip.writestr(name, data.encode() if isinstance(data, str) else data)
        self.names.append(name)

    def file(self, session: Session, name: str, file_id: str | None) -> None:
        stored = session.get(StoredFile, file_id) if file_id else None
        if stored is not None:
            self.add(name + _ext(stored), stored.data)

    def close(self) -> bytes:
        self.zip.close()
        return self.buffer.getvalue()


def build(session: Session, case: Case) -> bytes:
    """The ZIP of ``case``'s complete record."""
    out = _Zip()
    partnership = session.get(Partnership, case.partnership_id)
    _case(session, case, out)
    _trawls(session, case, partnership, out)
    _imrs(session, case, partnership, out)
    _consent(session, case, out)
    _panel(session, case, out)
    _correspondence(session, case, out)
    summary = build_summary(session, case)
    out.add("summary/collated-summary.pdf", summary_documents.summary_pdf(session, case, summary))
    out.add("summary/chronology.csv", exports.export(summary, "chronology", "csv"))
    out.add("summary/agencies.csv", exports.export(summary, "agencies", "csv"))
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == case.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    out.add("audit-trail.csv", trail.csv_text(list(events)))
    out.add("README.txt", _readme(case, out.names))
    return out.close()


def _readme(case: Case, names: list[str]) -> str:
    lines = [
        "OFFICIAL-SENSITIVE",
        "",
        f"The complete record of Domestic Homicide Review {case.reference}, as the service held",
        f"it on {clock.long_moment(clock.now())}.",
        "",
        "What is in this archive:",
        *(f"  {name}" for name in names),
    ]
    return "\n".join(lines) + "\n"


def _case(session: Session, case: Case, out: _Zip) -> None:
    referrals = session.scalars(select(Referral).where(Referral.case_id == case.id)).all()
    closure = session.get(CaseClosure, case.id)
    holds = session.scalars(select(LegalHold).where(LegalHold.case_id == case.id)).all()
    out.add(
        "case.json",
        _json(
            {
                "case": _row(case),
                "people": [_row(p) for p in case.people],
                "referrals": [_row(r) for r in referrals],
                "closure": _row(closure) if closure else None,
                "legal_holds": [_row(h) for h in holds],
            }
        ),
    )


def _agency_key(session: Session, agency_id: int) -> str:
    agency = session.get(Agency, agency_id)
    return agency.key if agency else f"agency-{agency_id}"


def _trawls(session: Session, case: Case, partnership: Partnership, out: _Zip) -> None:
    for trawl in session.scalars(select(Trawl).where(Trawl.case_id == case.id).order_by(Trawl.id)):
        base = f"trawls/trawl-{trawl.id}"
        out.add(
            f"{base}/trawl.json",
            _json({"trawl": _row(trawl), "people": [_row(p) for p in trawl.people]}),
        )
        for request in trawl.requests:
            where = f"{base}/{_agency_key(session, request.agency_id)}"
            out.add(
                f"{where}/request.json",
                _json(
                    {
                        "request": _row(request),
                        "extensions": [_row(e) for e in request.extensions],
                    }
                ),
            )
            for row in request.returns:
                out.add(f"{where}/return-v{row.version}.json", _json(_row(row)))
                out.add(
                    f"{where}/return-v{row.version}.pdf",
                    trawl_submission.render_return_pdf(
                        row, request, case=case, agency=request.agency, partnership=partnership
                    ),
                )


def _imrs(session: Session, case: Case, partnership: Partnership, out: _Zip) -> None:
    from service.imrs import submission as imr_submission

    requests = session.scalars(
        select(ImrRequest).where(ImrRequest.case_id == case.id).order_by(ImrRequest.id)
    ).all()
    for request in requests:
        where = f"imrs/{_agency_key(session, request.agency_id)}-{request.id}"
        out.add(f"{where}/request.json", _json(_row(request)))
        out.file(session, f"{where}/terms-of-reference", request.terms_of_reference_id)
        for row in request.submissions:
            version = f"{where}/v{row.version}"
            document = session.get(StoredFile, row.document_id)
            out.file(session, f"{version}/imr", row.document_id)
            out.add(f"{version}/qa-checklist.json", _json(_row(row)))
            out.add(
                f"{version}/qa-checklist.pdf",
                imr_submission.render_checklist_pdf(
                    row,
                    request,
                    case=case,
                    agency=request.agency,
                    partnership=partnership,
                    document=document,
                ),
            )


def _consent(session: Session, case: Case, out: _Zip) -> None:
    requests = session.scalars(
        select(ConsentRequest).where(ConsentRequest.case_id == case.id).order_by(ConsentRequest.id)
    ).all()
    for request in requests:
        out.add(
            f"consent/request-{request.id}.json",
            _json(
                {
                    "request": _row(request),
                    "responses": [_row(r) for r in request.responses],
                }
            ),
        )
        for response in request.responses:
            copy = consent_responses.review_copy(session, request, response)
            out.add(f"consent/request-{request.id}-{copy.filename}", copy.data)


def _panel(session: Session, case: Case, out: _Zip) -> None:
    people = session.scalars(select(PanelMember).where(PanelMember.case_id == case.id)).all()
    if people:
        out.add("panel/members.json", _json([_row(m) for m in people]))
    for meeting in session.scalars(select(PanelMeeting).where(PanelMeeting.case_id == case.id)):
        where = f"panel/meeting-{meeting.id}"
        out.add(
            f"{where}/meeting.json",
            _json(
                {
                    "meeting": _row(meeting),
                    "invitations": [_row(i) for i in meeting.invitations],
                    "papers": [_row(p) for p in meeting.papers],
                    "deliveries": [_row(d) for d in meeting.deliveries],
                }
            ),
        )
        for paper in meeting.papers:
            out.file(session, f"{where}/paper-{paper.id}", paper.file_id)
    drafts = session.scalars(select(FeedbackRequest).where(FeedbackRequest.case_id == case.id))
    for draft in drafts:
        where = f"panel/draft-for-comment-{draft.id}"
        out.add(
            f"{where}/answers.json",
            _json(
                {
                    "draft": _row(draft),
                    "answers": [_row(r) for r in draft.recipients],
                }
            ),
        )
        out.file(session, f"{where}/draft", draft.file_id)


def _correspondence(session: Session, case: Case, out: _Zip) -> None:
    references = deletion.references_of(session, case)
    messages = session.scalars(
        select(Message)
        .where(or_(*(outbox_purge.about(r) for r in references)))
        .order_by(Message.created_at, Message.id)
    ).all()
    for message in messages:
        moment = clock.as_utc(message.created_at).strftime("%Y%m%dT%H%M%SZ")
        head = [
            f"Subject: {message.subject}",
            f"To: {message.recipient}",
            f"Purpose: {message.purpose}",
            f"Status: {message.status.value}",
            f"Message-ID: {message.message_id_header}",
            f"Created: {clock.as_utc(message.created_at).isoformat()}",
            f"Sent: {clock.as_utc(message.sent_at).isoformat() if message.sent_at else ''}",
            "Attachments: " + ", ".join(a.filename for a in message.attachments),
        ]
        out.add(
            f"letters-and-emails/{moment}-{message.purpose}-{message.id}.txt",
            "\n".join(head) + "\n\n" + message.body_text,
        )
