"""The emails of the report stage: to the Home Office's quality assurance panel with the
overview report and the executive summary attached, and the published report to the Domestic
Abuse Commissioner. Each is a prefilled draft the officer edits, previews and sends once.

    draft ──send (a conditional update guarded by the status)──▶ sent

A double click or two officers at once send it once: only the caller whose update moved it from
draft queues the email. Two officers preparing a draft at once make one (the unique round).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mail import outbox, policy, render, routing
from mail.sizing import Attachment
from service import clock
from service.models import (
    Message,
    NotificationStatus,
    Partnership,
    Referral,
    ReportMessage,
    ReportMessageKind,
    ReviewProgress,
    StoredFile,
)
from service.reviews import drafting, notifications
from service.reviews.report_stage import ReportRefused, Stage, audit_stage, past_day

TEMPLATE = "report_message"
PURPOSES = {
    ReportMessageKind.QUALITY_ASSURANCE: routing.purpose(
        "report.quality_assurance",
        title="Domestic Homicide Review overview report for quality assurance",
        template=TEMPLATE,
        audience="direct",
    ),
    ReportMessageKind.COMMISSIONER: routing.purpose(
        "report.published",
        title="Published Domestic Homicide Review",
        template=TEMPLATE,
        audience="direct",
    ),
}
#: The partnership file's inbox each goes to.
INBOXES = {
    ReportMessageKind.QUALITY_ASSURANCE: "home_office",
    ReportMessageKind.COMMISSIONER: "commissioner",
}
BODY_MAX = notifications.BODY_MAX
RECIPIENT_NAMES = {
    ReportMessageKind.QUALITY_ASSURANCE: "the Home Office",
    ReportMessageKind.COMMISSIONER: "the Domestic Abuse Commissioner",
}
# --- the drafts ---------------------------------------------------------------------------------


def _facts(session: Session, stage: Stage) -> drafting.Facts:
    referral = session.get(Referral, stage.progress.referral_id)
    partnership = session.get(Partnership, stage.case.partnership_id)
    return drafting.facts(
        partnership, referral, reference=stage.case.reference,
        decided_on=stage.progress.decided_on,
        chair=notifications.chair_of(session, stage.case.id),
        report_due_on=stage.progress.report_due_on,
    )  # fmt: skip


def draft_body(session: Session, stage: Stage, kind: ReportMessageKind, round_: int = 1) -> str:
    """The prefilled text: the reference, initials and ages, never a full name or a date of
    birth; the documents go as attachments."""
    f = _facts(session, stage)
    progress = stage.progress
    contact = [x for x in (f.partnership.contact_email, f.partnership.contact_phone) if x]
    ask = "If you have any questions, contact the DHR officer" + (
        f": {', '.join(contact)}." if contact else "."
    )
    if kind is ReportMessageKind.QUALITY_ASSURANCE:
        parts = [
            "Overview report for the quality assurance panel",
            f"{f.partnership.name} sends the overview report and the executive summary of its "
            f"Domestic Homicide Review (reference {f.reference}) for the Home Office's quality "
            "assurance panel.",
            (
                "This is the report revised after the panel's comments of "
                f"{clock.long_date(progress.qa_answered_on)}."
                if round_ > 1 and progress.qa_answered_on
                else ""
            ),
            f"The decision to hold the review was made on {clock.long_date(f.decided_on)}.",
            f"Date of death: {clock.long_date(f.date_of_death) or 'not known'}",
            f"The person who died: {f.victim}",
            f"Chair of the review: {f.chair}" if f.chair else "",
            (
                f"The report was due by {clock.long_date(progress.report_due_on)}"
                + (" (a date agreed since the decision)." if progress.report_due_reason else ".")
                if progress.report_due_on
                else ""
            ),
            "Attached: the overview report and the executive summary.",
            ask,
        ]
    else:
        parts = [
            "A published Domestic Homicide Review",
            f"{f.partnership.name} published the overview report of its Domestic Homicide "
            f"Review (reference {f.reference}) on {clock.long_date(progress.published_on)}.",
            "Attached: the published overview report and executive summary, for your records.",
            ask,
        ]
    return "\n\n".join(p for p in parts if p)


def _make(session: Session, stage: Stage, kind: ReportMessageKind, round_: int) -> ReportMessage:
    """The draft for ``round_``: made now, or the one another officer made a moment ago."""
    found = session.scalar(
        select(ReportMessage).where(
            ReportMessage.case_id == stage.case.id,
            ReportMessage.kind == kind,
            ReportMessage.round == round_,
        )
    )
    if found is not None:
        return found
    made = ReportMessage(
        partnership_id=stage.case.partnership_id, referral_id=stage.progress.referral_id,
        case_id=stage.case.id, kind=kind, round=round_,
        body=draft_body(session, stage, kind, round_), status=NotificationStatus.DRAFT,
        file_ids=[],
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(made)
    except IntegrityError:
        return _make(session, stage, kind, round_)
    stage.messages.append(made)
    return made


def prepare_quality_assurance(
    session: Session, stage: Stage, *, actor: str, client_address: str | None = None
) -> ReportMessage:
    """The draft to the Home Office for this round (made once, however often it is asked)."""
    qa = stage.quality_assurance
    if qa is not None and qa.status is NotificationStatus.DRAFT:
        return qa
    if not stage.can_prepare:
        if not stage.open:
            raise ReportRefused("This case is closed")
        if stage.awaiting_answer:
            raise ReportRefused("The report is with the Home Office: record its answer first")
        if stage.progress.qa_answer == "approved":
            raise ReportRefused("The Home Office has approved this report already")
        raise ReportRefused("Upload the overview report and the executive summary first")
    round_ = (qa.round + 1) if qa is not None else 1
    made = _make(session, stage, ReportMessageKind.QUALITY_ASSURANCE, round_)
    audit_stage(session, stage, "report.drafted", actor, client_address,
           kind=made.kind.value, round=made.round)  # fmt: skip
    return made


def current_body(session: Session, stage: Stage, message: ReportMessage) -> str:
    """An unedited draft follows the case (a chair appointed since is named); edited text is
    kept as the officer wrote it."""
    if message.status is not NotificationStatus.DRAFT or message.edited_at is not None:
        return message.body
    return draft_body(session, stage, message.kind, message.round)


def edit(
    session: Session, stage: Stage, message: ReportMessage, body: str, *, actor: str,
    client_address: str | None = None,
) -> None:  # fmt: skip
    body = (body or "").strip().replace("\r\n", "\n")
    if not body:
        raise ReportRefused("Enter the text of the email", "body")
    if len(body) > BODY_MAX:
        raise ReportRefused(f"The text must be {BODY_MAX:,} characters or fewer", "body")
    changed = session.execute(
        update(ReportMessage)
        .where(ReportMessage.id == message.id, ReportMessage.status == NotificationStatus.DRAFT)
        .values(body=body, edited_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise ReportRefused("This email has already been sent, so it cannot change", "body")
    session.refresh(message)
    audit_stage(session, stage, "report.message_edited", actor, client_address,
           kind=message.kind.value, round=message.round)  # fmt: skip


# --- preview and send ---------------------------------------------------------------------------


def files_of(stage: Stage, message: ReportMessage) -> list[StoredFile]:
    """What it carries: the files it went with once sent, the current ones while a draft."""
    if message.status is NotificationStatus.SENT and message.file_ids:
        by_id = {f.id: f for f in (stage.report, stage.summary) if f is not None}
        return [by_id[i] for i in message.file_ids if i in by_id] or [
            f for f in (stage.report, stage.summary) if f is not None
        ]
    return [f for f in (stage.report, stage.summary) if f is not None]


def problem_with(partnership: Partnership, stage: Stage, message: ReportMessage, body: str):  # noqa: ANN201
    inbox = INBOXES[message.kind]
    if not partnership.inbox(inbox):
        return (
            f"The partnership file has no {RECIPIENT_NAMES[message.kind]} inbox: add "
            f"inboxes.{inbox} to it and load it again, or send the report outside the service"
        )
    if stage.report is None or stage.summary is None:
        return "Upload the overview report and the executive summary first"
    if notifications.PLACEHOLDER.search(body):
        return "Replace the text in square brackets before sending"
    return None


@dataclass(frozen=True)
class Preview:
    subject: str
    recipients: list[notifications.Recipient]
    text: str
    files: list[StoredFile]
    problem: str | None


def preview(session: Session, stage: Stage, message: ReportMessage) -> Preview:
    partnership = session.get(Partnership, message.partnership_id)
    body = current_body(session, stage, message)
    text, _ = render.render(TEMPLATE, {"partnership": partnership, "body": body})
    found = []
    for address in partnership.inbox(INBOXES[message.kind]):
        try:
            verdict = policy.decide(partnership, address, sensitive=True)
            found.append(notifications.Recipient(verdict.address, verdict.decision.value))
        except policy.InvalidAddress:
            found.append(notifications.Recipient(address, "invalid"))
    return Preview(
        subject=routing.subject(
            PURPOSES[message.kind].title, stage.case.reference, partnership=partnership
        ),
        recipients=found,
        text=text,
        files=files_of(stage, message),
        problem=problem_with(partnership, stage, message, body),
    )


def send(
    session: Session, stage: Stage, message: ReportMessage, *, actor: str,
    client_address: str | None = None,
) -> list[Message]:  # fmt: skip
    """Queue the email once, with the report and summary attached; ``ReportRefused`` if it was
    sent already (a second click, another officer) or cannot go."""
    if message.status is not NotificationStatus.DRAFT:
        raise ReportRefused("This email has already been sent")
    if not stage.open:
        raise ReportRefused("This case is closed")
    partnership = session.get(Partnership, message.partnership_id)
    body = current_body(session, stage, message)
    problem = problem_with(partnership, stage, message, body)
    if problem:
        raise ReportRefused(problem)
    files = files_of(stage, message)
    now = clock.now()
    claimed = session.execute(
        update(ReportMessage)
        .where(ReportMessage.id == message.id, ReportMessage.status == NotificationStatus.DRAFT)
        .values(status=NotificationStatus.SENT, sent_at=now, sent_by=actor, body=body,
                file_ids=[f.id for f in files])
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if claimed.rowcount != 1:
        raise ReportRefused("This email has already been sent")
    messages = outbox.queue_message(
        session, partnership=partnership, purpose=PURPOSES[message.kind].name,
        reference=stage.case.reference, context={"body": body},
        to=partnership.inbox(INBOXES[message.kind]),
        attachments=[Attachment.of(f) for f in files], actor=actor,
    )  # fmt: skip
    session.execute(
        update(ReportMessage)
        .where(ReportMessage.id == message.id)
        .values(message_ids=[m.id for m in messages])
        .execution_options(synchronize_session=False)
    )
    session.refresh(message)
    if message.kind is ReportMessageKind.QUALITY_ASSURANCE:
        # The panel's answer, if any, was to the version before: this one awaits its own.
        progress = stage.progress
        progress.report_sent_at = now
        progress.qa_answer = progress.qa_answered_on = progress.qa_notes = None
    else:
        stage.progress.commissioner_sent_at = now
    session.flush()
    audit_stage(session, stage, "report.sent", actor, client_address, kind=message.kind.value,
           round=message.round, messages=len(messages), files=len(files))  # fmt: skip
    return messages


def delivery_of(session: Session, message: ReportMessage) -> tuple[dt.date | None, str | None]:
    """The day the outbox delivered it, and how its messages stand."""
    ids = message.message_ids or []
    found = session.scalars(select(Message).where(Message.id.in_(ids))).all() if ids else []
    return notifications._delivery(list(found))


def record_publication(
    session: Session,
    stage: Stage,
    *,
    published_on: dt.date | None,
    actor: str,
    client_address: str | None = None,
) -> ReportMessage | None:
    """The date the report was published (once); the Commissioner's draft where the partnership
    has a ``commissioner`` inbox. Returns that draft, if any."""
    if not stage.can_publish:
        raise ReportRefused(
            "The publication date has already been recorded" if stage.published
            else "Record the Home Office's approval first", "published_on",
        )  # fmt: skip
    past_day(published_on, "published_on", "Enter the date the report was published",
              stage.progress.qa_answered_on, "publication date")  # fmt: skip
    recorded = session.execute(
        update(ReviewProgress)
        .where(ReviewProgress.id == stage.progress.id, ReviewProgress.published_on.is_(None))
        .values(published_on=published_on, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if recorded.rowcount != 1:
        raise ReportRefused("The publication date has already been recorded", "published_on")
    session.refresh(stage.progress)
    audit_stage(session, stage, "report.published", actor, client_address,
           published_on=published_on.isoformat())  # fmt: skip
    partnership = session.get(Partnership, stage.case.partnership_id)
    if not partnership.inbox(INBOXES[ReportMessageKind.COMMISSIONER]):
        return None
    made = _make(session, stage, ReportMessageKind.COMMISSIONER, 1)
    audit_stage(session, stage, "report.drafted", actor, client_address,
           kind=made.kind.value, round=made.round)  # fmt: skip
    return made
