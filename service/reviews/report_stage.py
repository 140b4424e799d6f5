"""The report stage of a held review (003 paragraph 4.18, 002 line 66).

    upload the overview report and the executive summary (checked and scanned as every upload)
      → the email to the Home Office's quality assurance panel, with both attached (a draft the
        officer edits, previews and sends once)
      → the panel's answer: approved, or changes asked for (then a revised report, sent again as
        the next round)
      → the publication date; where the partnership has a ``commissioner`` inbox, the copy to
        the Domestic Abuse Commissioner (a draft as above, sent once)
      → the officer closes the case (``service.retention.closing``): the one record of closure,
        which the retention schedule counts from.

Each email (``service.reviews.report_messages``) goes through the outbox and the secure-recipient
policy; a double click or two officers at once send it once (a conditional update guarded by
the draft's status), and two officers preparing it at once make one draft (the unique round).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import audit, clock, uploads
from service.models import (
    Case,
    CaseClosure,
    CaseOutcome,
    CaseStatus,
    NotificationStatus,
    ReportMessage,
    ReportMessageKind,
    ReviewProgress,
    StoredFile,
)

ANSWERS = {
    "approved": "Approved for publication",
    "changes": "Changes asked for before publication",
}
DOCUMENTS = {"report": "overview report", "summary": "executive summary"}
REPORT_TYPES: dict[str, str] = dict(uploads.IMR_TYPES)
REPORT_MAX_BYTES = 20 * uploads.MB
NOTES_MAX = 5000


class ReportRefused(ValueError):
    """The step cannot be taken as asked; the reason is safe to show. ``field`` names the form
    field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- where the case is --------------------------------------------------------------------------


@dataclass
class Stage:
    """The report stage of one case, as its page shows it."""

    case: Case
    progress: ReviewProgress
    report: StoredFile | None
    summary: StoredFile | None
    messages: list[ReportMessage]
    closure: CaseClosure | None

    def _latest(self, kind: ReportMessageKind) -> ReportMessage | None:
        mine = [m for m in self.messages if m.kind is kind]
        return mine[-1] if mine else None

    @property
    def quality_assurance(self) -> ReportMessage | None:
        return self._latest(ReportMessageKind.QUALITY_ASSURANCE)

    @property
    def commissioner(self) -> ReportMessage | None:
        return self._latest(ReportMessageKind.COMMISSIONER)

    @property
    def open(self) -> bool:
        return self.case.status is CaseStatus.OPEN

    @property
    def awaiting_answer(self) -> bool:
        qa = self.quality_assurance
        return qa is not None and qa.status is NotificationStatus.SENT and not self.answered

    @property
    def answered(self) -> bool:
        """The panel answered the report last sent (sending a revised one clears the answer)."""
        return self.progress.qa_answer is not None

    @property
    def can_upload(self) -> bool:
        return self.open and not self.awaiting_answer and self.progress.qa_answer != "approved"

    @property
    def can_prepare(self) -> bool:
        return self.can_upload and self.report is not None and self.summary is not None

    @property
    def can_answer(self) -> bool:
        return self.open and self.progress.report_sent_at is not None and not self.published

    @property
    def published(self) -> bool:
        return self.progress.published_on is not None

    @property
    def can_publish(self) -> bool:
        return self.open and self.progress.qa_answer == "approved" and not self.published

    @property
    def can_close(self) -> bool:
        return self.open and self.published


def progress_of_case(session: Session, case: Case) -> ReviewProgress | None:
    return session.scalar(
        select(ReviewProgress)
        .where(ReviewProgress.case_id == case.id)
        .order_by(ReviewProgress.id)
        .limit(1)
    )


def stage_of(session: Session, case: Case) -> Stage | None:
    """The report stage of a case whose review is held; None otherwise."""
    progress = progress_of_case(session, case)
    if progress is None or progress.outcome != "yes":
        return None
    files = {
        key: session.get(StoredFile, file_id) if file_id else None
        for key, file_id in (("report", progress.report_file_id),
                             ("summary", progress.summary_file_id))
    }  # fmt: skip
    messages = session.scalars(
        select(ReportMessage)
        .where(ReportMessage.case_id == case.id)
        .order_by(ReportMessage.round, ReportMessage.id)
    ).all()
    return Stage(
        case=case,
        progress=progress,
        report=files["report"],
        summary=files["summary"],
        messages=list(messages),
        closure=session.get(CaseClosure, case.id),
    )


def audit_stage(session: Session, stage: Stage, action: str, actor: str, client_address, **detail):  # noqa: ANN001
    audit.record(
        session, action, actor=actor, partnership_id=stage.case.partnership_id,
        object_type="case", object_id=stage.case.id, case_id=stage.case.id,
        client_address=client_address, **detail,
    )  # fmt: skip


# --- uploading the report -----------------------------------------------------------------------


def upload(
    session: Session, stage: Stage, *, documents: dict[str, tuple[str | None, bytes]],
    actor: str, client_address: str | None = None,
) -> list[StoredFile]:  # fmt: skip
    """Keep the overview report and/or the executive summary (``{"report": (name, bytes)}``),
    each checked and scanned by ``uploads.store``. Raises ``ReportRefused`` (or
    ``uploads.UploadRefused``, with the field in ``.field``), adding nothing."""
    if not stage.open:
        raise ReportRefused("This case is closed: the report cannot change", "report")
    if stage.awaiting_answer:
        raise ReportRefused(
            "The report is with the Home Office: record its answer before uploading a new version",
            "report",
        )
    if stage.progress.qa_answer == "approved":
        raise ReportRefused("The Home Office approved this report: it cannot change", "report")
    if not documents:
        raise ReportRefused("Select the overview report or the executive summary", "report")
    stored = []
    for key, (filename, data) in documents.items():
        try:
            kept = uploads.store(
                session, partnership_id=stage.case.partnership_id, filename=filename,
                data=data, allowed=REPORT_TYPES, max_bytes=REPORT_MAX_BYTES,
            )  # fmt: skip
        except uploads.UploadRefused as refused:
            refused.field = key  # type: ignore[attr-defined]
            raise
        stored.append(kept)
        session.flush()
        setattr(stage.progress, f"{key}_file_id", kept.id)
        setattr(stage, key, kept)
    audit_stage(session, stage, "report.uploaded", actor, client_address,
           documents=sorted(documents), file_ids=[f.id for f in stored])  # fmt: skip
    return stored


# --- the panel's answer, the publication, the closure -------------------------------------------


def past_day(day: dt.date | None, field: str, missing: str, after: dt.date | None, what: str):  # noqa: ANN202
    if day is None:
        raise ReportRefused(missing, field)
    if day > clock.london_date(clock.now()):
        raise ReportRefused(f"The {what} must be today or in the past", field)
    if after is not None and day < after:
        raise ReportRefused(f"The {what} must be on or after {clock.long_date(after)}", field)


def record_answer(
    session: Session, stage: Stage, *, answered_on: dt.date | None, answer: str | None,
    notes: str | None, actor: str, client_address: str | None = None,
) -> None:  # fmt: skip
    """The quality assurance panel's answer to the report last sent: audited without the notes."""
    if not stage.can_answer:
        raise ReportRefused(
            "The report has been published" if stage.published
            else "Send the report to the Home Office first", "answered_on",
        )  # fmt: skip
    if answer not in ANSWERS:
        raise ReportRefused("Select the panel's answer", "answer")
    sent_on = clock.london_date(clock.as_utc(stage.progress.report_sent_at))
    past_day(answered_on, "answered_on", "Enter the date of the panel's answer", sent_on,
              "date of the answer")  # fmt: skip
    notes = (notes or "").strip() or None
    if notes and len(notes) > NOTES_MAX:
        raise ReportRefused(f"The notes must be {NOTES_MAX:,} characters or fewer", "notes")
    progress = stage.progress
    progress.qa_answer, progress.qa_answered_on, progress.qa_notes = answer, answered_on, notes
    session.flush()
    audit_stage(session, stage, "report.qa_answered", actor, client_address, answer=answer,
           answered_on=answered_on.isoformat(), with_notes=notes is not None)  # fmt: skip


def close_defaults(session: Session, case: Case) -> dict[str, object]:
    """What the close page starts with: a published report's outcome and date."""
    progress = progress_of_case(session, case)
    if progress is None or progress.published_on is None:
        return {}
    return {"outcome": CaseOutcome.PUBLISHED.value, "ended_on": progress.published_on}


def sent_count(session: Session, case_id: int, kind: ReportMessageKind) -> int:
    return session.scalar(
        select(func.count(ReportMessage.id)).where(
            ReportMessage.case_id == case_id,
            ReportMessage.kind == kind,
            ReportMessage.status == NotificationStatus.SENT,
        )
    )
