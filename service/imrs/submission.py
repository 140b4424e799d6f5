"""The agency's side of an IMR request: its draft (the uploaded document and the checklist so
far), each submitted version, the checklist PDF and the emails.

Submitting stores the next ``ImrSubmission`` and keeps the IMR template's dates on the request:
the first submission (``returned_at``, which also stops the chasers), the latest revision
(``revised_at``) and the final version (``final_at``). The IMR document and a PDF of the QA
checklist go to the chair's inbox and the DHR officer's inbox, and the agency gets an
acknowledgement with no personal data, all in the caller's transaction. A revised IMR comes
through the same link later and is the next version.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from forms import imr as catalogue
from mail import outbox, policy, queueing, routing
from service import audit, clock, runtime, uploads
from service.actions import plan as action_plan
from service.clock import long_moment
from service.imrs import messages, report, report_pdf
from service.models import Agency, Case, ImrRequest, ImrSubmission, Partnership, StoredFile
from service.pdf import render_html, write_pdf

PDF_CONTENT_TYPE = "application/pdf"


class NotReady(ValueError):
    """The draft cannot be submitted: no document, or the checklist has problems."""

    def __init__(self, problems: dict[str, Any]) -> None:
        super().__init__("the IMR cannot be submitted: " + ", ".join(sorted(problems)))
        self.problems = problems


# --- the draft -------------------------------------------------------------------------------


def draft_of(request: ImrRequest) -> dict[str, Any]:
    """A copy of the draft (the JSON column only notices a new object)."""
    return copy.deepcopy(request.draft or {})


def save_draft(session: Session, request: ImrRequest, draft: dict[str, Any]) -> None:
    request.draft = draft
    request.last_activity_at = clock.now()


def save_checklist(session: Session, request: ImrRequest, part: dict[str, Any]) -> None:
    """Merge one page's answers (checklist keys) into the draft checklist."""
    draft = draft_of(request)
    checklist = dict(draft.get("checklist") or {})
    criteria = part.pop("criteria", None)
    checklist.update(part)
    if criteria is not None:
        checklist["criteria"] = {**(checklist.get("criteria") or {}), **criteria}
    draft["checklist"] = checklist
    save_draft(session, request, draft)


def _in_use(session: Session, file_id: str) -> bool:
    return (
        session.scalar(select(ImrSubmission.id).where(ImrSubmission.document_id == file_id))
        is not None
    )


def upload_document(
    session: Session, request: ImrRequest, *, filename: str | None, data: bytes,
    client_address: str | None = None,
) -> StoredFile:  # fmt: skip
    """Check and keep the agency's IMR document as the draft's; ``uploads.UploadRefused`` if it
    is not acceptable (the draft is then unchanged). A document it replaces that no version
    uses is deleted."""
    stored = uploads.store(
        session,
        partnership_id=request.partnership_id,
        filename=filename,
        data=data,
        allowed=uploads.IMR_TYPES,
        max_bytes=uploads.IMR_MAX_BYTES,
    )
    session.flush()
    draft = draft_of(request)
    previous = draft.get("document_id")
    draft["document_id"] = stored.id
    save_draft(session, request, draft)
    if previous and previous != stored.id and not _in_use(session, previous):
        old = session.get(StoredFile, previous)
        if old is not None and old.partnership_id == request.partnership_id:
            session.delete(old)
    audit.record(
        session,
        "imr.document_uploaded",
        actor=f"agency:{request.agency_id}",
        partnership_id=request.partnership_id,
        object_type="imr_request",
        object_id=request.id,
        case_id=request.case_id,
        client_address=client_address,
        file_id=stored.id,
        size=stored.size,
        scan_status=stored.scan_status.value,
    )
    return stored


def draft_document(session: Session, request: ImrRequest) -> StoredFile | None:
    file_id = (request.draft or {}).get("document_id")
    if not isinstance(file_id, str):
        return None
    found = session.get(StoredFile, file_id)
    if found is None or found.partnership_id != request.partnership_id:
        return None
    return found


def problems(session: Session, request: ImrRequest) -> dict[str, Any]:
    """What stops the draft being submitted (empty when it is ready)."""
    found = catalogue.problems(
        (request.draft or {}).get("checklist") or {}, names=_names(session, request)
    )
    if report.written(request):
        if report.problems(session, request):
            found["report"] = ["Complete every section of your IMR report"]
    elif draft_document(session, request) is None:
        found["document"] = ["Upload your IMR report"]
    return found


def _names(session: Session, request: ImrRequest) -> str:
    return report.names_of(session.get(Partnership, request.partnership_id))


def start_revision(session: Session, request: ImrRequest) -> None:
    """Begin a revised IMR: the latest checklist comes back to be checked and signed again; the
    document is uploaded afresh."""
    if request.draft is not None or request.latest is None:
        return
    checklist = copy.deepcopy(request.latest.checklist or {})
    for key in ("signed_name", "signed_on"):
        checklist.pop(key, None)
    draft: dict[str, Any] = {"checklist": checklist, "revision": True}
    if request.latest.report is not None:
        # A written IMR comes back as it was sent, to be revised here.
        draft |= {"report": copy.deepcopy(request.latest.report), "report_kind": report.WRITTEN}
    save_draft(session, request, draft)


def cancel_revision(session: Session, request: ImrRequest) -> None:
    """Drop a revision not yet submitted; the submitted versions stay as they are."""
    if request.draft is None or request.latest is None:
        return
    document = draft_document(session, request)
    if document is not None and not _in_use(session, document.id):
        session.delete(document)
    request.draft = None
    request.last_activity_at = clock.now()


# --- the checklist as a PDF ------------------------------------------------------------------


def pdf_filename(case: Case, version: int) -> str:
    return f"imr-qa-checklist-{case.reference}-v{version}.pdf"


def document_filename(case: Case, agency: Agency, version: int, document: StoredFile) -> str:
    """The IMR's name in emails: the case and the agency, never a name the author typed."""
    extension = ".docx" if document.content_type == uploads.DOCX else ".pdf"
    return f"imr-{case.reference}-{agency.key}-v{version}{extension}"


def render_checklist_html(
    row: ImrSubmission, request: ImrRequest, *, case: Case, agency: Agency,
    partnership: Partnership, document: StoredFile | None,
) -> str:  # fmt: skip
    checklist = row.checklist or {}
    return render_html(
        "pdf/imr_checklist.html",
        row=row,
        request=request,
        case=case,
        agency=agency,
        partnership=partnership,
        document=document,
        submitted=long_moment(row.submitted_at),
        first_submitted=long_moment(request.returned_at),
        revised=long_moment(request.revised_at),
        final=long_moment(request.final_at),
        parts=catalogue.checklist_parts(checklist, report.names_of(partnership)),
        criteria=catalogue.criteria(checklist),
    )


def render_checklist_pdf(
    row: ImrSubmission, request: ImrRequest, *, case: Case, agency: Agency,
    partnership: Partnership, document: StoredFile | None,
) -> bytes:  # fmt: skip
    """One version's QA checklist as a PDF, marked OFFICIAL-SENSITIVE on every page."""
    return write_pdf(
        render_checklist_html(row, request, case=case, agency=agency, partnership=partnership,
                              document=document)
    )  # fmt: skip


# --- submitting ------------------------------------------------------------------------------


def submit(
    session: Session, request: ImrRequest, *, is_final: bool, client_address: str | None = None
) -> ImrSubmission:
    """Submit the draft as the request's next version and send it to the chair and the DHR
    officer. Raises NotReady, changing nothing, if the draft is not complete."""
    session.flush()
    # As the database has it now: a second click (or tab) may have submitted it meanwhile.
    session.refresh(request)
    if request.draft is None and request.latest is not None:
        raise NotReady({"draft": ["This version has already been submitted"]})
    found = problems(session, request)
    if found:
        raise NotReady(found)
    draft = draft_of(request)
    checklist = draft["checklist"]
    now = clock.now()
    version = (
        session.scalar(
            select(func.max(ImrSubmission.version)).where(ImrSubmission.request_id == request.id)
        )
        or 0
    ) + 1
    written = draft.get("report") if report.written(request) else None
    if written is not None:
        document = _written_document(session, request, written, version, is_final, now)
    else:
        document = draft_document(session, request)
    row = ImrSubmission(
        request_id=request.id,
        version=version,
        document_id=document.id,
        checklist=checklist,
        report=written,
        is_final=is_final,
        submitted_at=now,
        submitted_by=(checklist.get("completed_by") or {}).get("name"),
    )
    session.add(row)
    # Conditional, like the chaser's claim: the first submission stops chasing for good, even
    # if a sweep is running at this moment.
    session.execute(
        update(ImrRequest)
        .where(ImrRequest.id == request.id, ImrRequest.returned_at.is_(None))
        .values(returned_at=now)
        .execution_options(synchronize_session=False)
    )
    dates: dict[str, Any] = {"next_chaser_at": None, "draft": None, "last_activity_at": now}
    if version > 1:
        dates["revised_at"] = now
    if is_final:
        dates["final_at"] = now
    session.execute(
        update(ImrRequest)
        .where(ImrRequest.id == request.id)
        .values(**dates)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.refresh(request)
    audit.record(
        session,
        "imr.submitted" if version == 1 else "imr.revised",
        actor=f"agency:{request.agency_id}",
        partnership_id=request.partnership_id,
        object_type="imr_request",
        object_id=request.id,
        case_id=request.case_id,
        client_address=client_address,
        version=version,
        final=is_final,
    )
    _send(session, row, request, document)
    if written is not None:
        action_plan.from_imr(session, request, row)
    return row


def _written_document(
    session: Session, request: ImrRequest, written: dict[str, Any], version: int,
    is_final: bool, now: Any,
) -> StoredFile:  # fmt: skip
    """The IMR written in the service, as the PDF this version sends and keeps."""
    case = session.get(Case, request.case_id)
    data = report_pdf.report_pdf(
        session, request, written, version=version,
        first_submitted=request.returned_at or now, revised=now if version > 1 else None,
        final=now if is_final else None,
    )  # fmt: skip
    stored = uploads.store(
        session, partnership_id=request.partnership_id,
        filename=report_pdf.filename(case, session.get(Agency, request.agency_id), version),
        data=data, allowed={uploads.PDF: "PDF"}, max_bytes=uploads.IMR_MAX_BYTES,
    )  # fmt: skip
    session.flush()
    return stored


def _send(session: Session, row: ImrSubmission, request: ImrRequest, document: StoredFile) -> None:
    case = session.get(Case, request.case_id)
    agency = session.get(Agency, request.agency_id)
    partnership = session.get(Partnership, request.partnership_id)
    pdf = render_checklist_pdf(row, request, case=case, agency=agency, partnership=partnership,
                               document=document)  # fmt: skip
    flagged = [c for c in catalogue.criteria(row.checklist or {}) if c.flagged]
    completed_by = (row.checklist or {}).get("completed_by") or {}
    context = {
        "agency_name": agency.name,
        "version": row.version,
        "revision": row.version > 1,
        "is_final": row.is_final,
        "submitted": long_moment(row.submitted_at),
        "first_submitted": long_moment(request.returned_at),
        "flagged": flagged,
        "link": f"{runtime.settings().SERVICE_URL.rstrip('/')}/console/imr-requests/{request.id}",
    }
    attachments = [
        # Sent as a console link instead if it would make the email too big.
        outbox.Attachment(
            document_filename(case, agency, row.version, document), document.content_type,
            document.data, file_id=document.id,
        ),
        outbox.Attachment(pdf_filename(case, row.version), PDF_CONTENT_TYPE, pdf),
    ]  # fmt: skip
    actor = f"agency:{agency.id}"
    for purpose in messages.SUBMITTED:
        # A partnership without one of the inboxes: the other still gets it, the console shows
        # every version, and the case page says which email was not sent.
        queueing.queue_if_addressed(
            session,
            partnership=partnership,
            purpose=purpose.name,
            reference=case.reference,
            case_id=case.id,
            context=context,
            attachments=attachments,
            actor=actor,
        )
    queueing.queue_if_addressed(
        session,
        partnership=partnership,
        purpose=messages.ACKNOWLEDGEMENT.name,
        reference=case.reference,
        case_id=case.id,
        agency=agency,
        # A copy to the person who completed the form, if theirs is a secure address.
        to=policy.secure_only(partnership, [completed_by.get("email")]),
        context={
            "agency_name": agency.name,
            "version": row.version,
            "revision": row.version > 1,
            "is_final": row.is_final,
            # In the acknowledgement's own language: the agency's.
            "submitted": long_moment(
                row.submitted_at,
                routing.language(messages.ACKNOWLEDGEMENT, partnership, agency),
            ),
        },
        actor=actor,
    )
