"""Drafts for comment: the officer sends a draft (an overview report, an action plan, ...) to
the case's panel members with a deadline; each member answers through their own link with
their comments or "no comments"; the comments are collated per draft.

When reminders go (``FeedbackRecipient.next_reminder_at``, claimed by the sweep):

- 3 working days before the deadline, at the partnership's dispatch hour;
- on the deadline day at the same hour. A deadline that is not a working day (a weekend, a bank
  holiday, a closure day) gets it on the last working day before, so the reminder always reaches
  an office that is open, before the deadline has passed;
- a draft sent so close to its deadline that the first moment has already passed starts with
  the on-the-day reminder (and one sent later still gets none);
- a sweep that runs late sends one reminder, not one for each moment missed, and none once the
  deadline day has ended;
- never after the member's answer, nor once the draft is closed or the member has left the
  panel.

Here: sending, closing and what each member's part looks like. The members' answers are in
``feedback_answers``, the reminder sweep in ``feedback_reminders``, the collated comments as a
spreadsheet or PDF in ``feedback_documents``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mail import outbox, policy, routing
from service import audit, clock, uploads
from service.clock import long_date
from service.models import (
    Case,
    CaseStatus,
    FeedbackRecipient,
    FeedbackRequest,
    Message,
    PanelMember,
    Partnership,
    StoredFile,
)
from service.panels import feedback_links as links
from service.panels import feedback_messages as messages
from service.panels import members as panel_members
from service.workdays import Calendar, at_hour, end_of, london_date

log = logging.getLogger(__name__)

#: What a draft may be (content type → how an error message names it), and its size limit.
DRAFT_TYPES: dict[str, str] = {uploads.PDF: "PDF", uploads.DOCX: "Word document (DOCX)"}
DRAFT_MAX_BYTES = 20 * uploads.MB
#: The first reminder goes this many working days before the deadline.
REMINDER_WORKING_DAYS = 3
TITLE_MAX = 200
NOTE_MAX = 5000
COMMENTS_MAX = 20000
NAME_MAX = 200


class SendRefused(ValueError):
    """Why the draft cannot be sent; safe to show to the officer. ``field`` is the form field
    it is about."""

    def __init__(self, message: str, field: str = "recipients") -> None:
        super().__init__(message)
        self.field = field


class AnswerRefused(ValueError):
    """Why an answer cannot be taken; safe to show to the member."""


# --- dates -----------------------------------------------------------------------------------


def default_deadline(partnership: Partnership, now: datetime | None = None) -> dt.date:
    """The standard deadline: the partnership's feedback days (14) after the day it is sent."""
    return london_date(now or clock.now()) + dt.timedelta(days=partnership.feedback_days)


def reminder_moments(partnership: Partnership, deadline: dt.date) -> tuple[datetime, datetime]:
    """(3 working days before the deadline, on the deadline day), each at the dispatch hour.
    The deadline day is the last working day on or before the deadline."""
    calendar = Calendar.of(partnership)
    before = calendar.add(deadline, -REMINDER_WORKING_DAYS)
    on_day = deadline if calendar.is_working_day(deadline) else calendar.add(deadline, -1)
    hour = partnership.dispatch_hour
    return at_hour(before, hour), at_hour(on_day, hour)


def next_reminder(partnership: Partnership, deadline: dt.date, after: datetime) -> datetime | None:
    """The first reminder moment strictly after ``after``, if there is one."""
    return next((m for m in reminder_moments(partnership, deadline) if m > after), None)


def deadline_passed(request: FeedbackRequest, now: datetime | None = None) -> bool:
    """True once the deadline day has ended in London."""
    return (now or clock.now()) >= end_of(request.deadline)


def is_late(request: FeedbackRequest, recipient: FeedbackRecipient) -> bool:
    """The member's first answer came after the deadline day ended."""
    return recipient.answered_at is not None and recipient.answered_at >= end_of(request.deadline)


def can_change(request: FeedbackRequest, recipient: FeedbackRecipient) -> bool:
    """A member may answer: for the first time while the draft is open, or change their
    answer until the deadline has passed."""
    if request.closed_at is not None:
        return False
    return recipient.answered_at is None or not deadline_passed(request)


# --- what each draft is called -----------------------------------------------------------------


def reference(request: FeedbackRequest, case: Case) -> str:
    """The draft's reference in email subjects: the case's and the draft's number."""
    return f"{case.reference}/D{request.id}"


def draft_filename(case: Case, request: FeedbackRequest, file: StoredFile) -> str:
    """The draft's name in emails and downloads: the case and the draft's number, never a name
    the officer's file happened to have."""
    extension = ".docx" if file.content_type == uploads.DOCX else ".pdf"
    return f"draft-{case.reference}-D{request.id}{extension}"


def comments_filename(case: Case, request: FeedbackRequest, extension: str) -> str:
    return f"comments-{case.reference}-D{request.id}.{extension}"


# --- sending -----------------------------------------------------------------------------------


def current_members(session: Session, case_id: int) -> list[PanelMember]:
    """The case's panel as it is now (members not removed), by name."""
    return list(
        session.scalars(
            select(PanelMember)
            .where(PanelMember.case_id == case_id, PanelMember.removed_at.is_(None))
            .order_by(func.lower(PanelMember.name), PanelMember.id)
        )
    )


def send(
    session: Session,
    case: Case,
    *,
    title: str,
    filename: str | None,
    data: bytes,
    note: str | None,
    deadline: dt.date,
    member_ids: list[int],
    created_by: int | None,
    actor: str,
    client_address: str | None = None,
) -> FeedbackRequest:
    """Send a draft for comment: store it, then for each chosen member their part, their link
    and their email, all in the caller's transaction. Raises SendRefused or
    ``uploads.UploadRefused``, adding nothing."""
    now = clock.now()
    if case.status is not CaseStatus.OPEN:
        raise SendRefused("This case is closed: a draft cannot be sent for comment", "title")
    title = (title or "").strip()
    if not title:
        raise SendRefused("Enter the title of the draft", "title")
    if len(title) > TITLE_MAX:
        raise SendRefused(f"The title must be {TITLE_MAX} characters or fewer", "title")
    if deadline <= london_date(now):
        raise SendRefused("The deadline must be in the future", "deadline")
    wanted = set(member_ids)
    members = [m for m in current_members(session, case.id) if m.id in wanted]
    if not members or len(members) != len(wanted):
        raise SendRefused("Select the panel members to send the draft to")
    stored = uploads.store(
        session,
        partnership_id=case.partnership_id,
        filename=filename,
        data=data,
        allowed=DRAFT_TYPES,
        max_bytes=DRAFT_MAX_BYTES,
    )
    session.flush()  # the request's foreign key names it: no relationship orders the inserts
    partnership = session.get(Partnership, case.partnership_id)
    request = FeedbackRequest(
        partnership_id=case.partnership_id,
        case_id=case.id,
        title=title,
        file_id=stored.id,
        note=(note or "").strip() or None,
        deadline=deadline,
        created_by=created_by,
        sent_at=now,
    )
    session.add(request)
    session.flush()
    first = next_reminder(partnership, deadline, now)
    for member in members:
        recipient = FeedbackRecipient(
            request_id=request.id, member_id=member.id, next_reminder_at=first
        )
        session.add(recipient)
        session.flush()
        deliver(session, recipient, partnership=partnership, case=case, actor=actor)
    audit.record(
        session,
        "feedback.sent",
        actor=actor,
        partnership_id=case.partnership_id,
        object_type="feedback_request",
        object_id=request.id,
        case_id=case.id,
        client_address=client_address,
        members=len(members),
        deadline=deadline.isoformat(),
    )
    return request


def message_context(
    request: FeedbackRequest,
    case: Case,
    member: PanelMember,
    link: str | None,
    language: str = "en",
) -> dict[str, Any]:
    """What a member's email about the draft says, its dates in ``language``."""
    return {
        "member_name": member.name,
        "case_reference": case.reference,
        "title": request.title,
        "note": request.note,
        "deadline": long_date(request.deadline, language),
        "sent_date": long_date(london_date(request.sent_at), language),
        "link": link,
    }


def deliver(
    session: Session,
    recipient: FeedbackRecipient,
    *,
    partnership: Partnership,
    case: Case,
    actor: str,
) -> bool:
    """Give the member a new link (any earlier one stops working) and queue the email with the
    draft attached. True if an email was queued."""
    request = recipient.request
    member = session.get(PanelMember, recipient.member_id)
    url = links.issue(session, recipient)
    file = session.get(StoredFile, request.file_id)
    attachment = outbox.Attachment.of(file)
    # Named after the case and the draft, not after whatever the officer's file was called.
    attachment = outbox.Attachment(
        draft_filename(case, request, file), attachment.content_type, attachment.data,
        file_id=attachment.file_id,
    )  # fmt: skip
    # In the member's own language (their agency's, where they have not chosen).
    language = panel_members.language_of(partnership, member)
    try:
        outbox.queue_message(
            session,
            partnership=partnership,
            purpose=messages.REQUEST.name,
            reference=reference(request, case),
            to=[member.email],
            context=message_context(request, case, member, url, language),
            attachments=[attachment],
            actor=actor,
            language=language,
        )
    except (routing.RoutingError, outbox.MessageRefused):
        # No usable address: nothing is sent, and the draft's page shows no email for them.
        log.warning(
            "draft for comment not sent: no usable address",
            extra={"feedback_recipient_id": recipient.id},
        )
        return False
    return True


def resend_link(
    session: Session,
    recipient: FeedbackRecipient,
    *,
    actor: str,
    client_address: str | None = None,
) -> bool:
    """A new link for the member (the old one stops working), with the email again."""
    request = recipient.request
    if request.closed_at is not None:
        raise AnswerRefused("This draft is closed: its links no longer work")
    case = session.get(Case, request.case_id)
    partnership = session.get(Partnership, request.partnership_id)
    sent = deliver(session, recipient, partnership=partnership, case=case, actor=actor)
    audit.record(
        session,
        "feedback.link_reissued",
        actor=actor,
        partnership_id=request.partnership_id,
        object_type="feedback_request",
        object_id=request.id,
        case_id=request.case_id,
        client_address=client_address,
        member_id=recipient.member_id,
    )
    return sent


def close(
    session: Session, request: FeedbackRequest, *, actor: str, client_address: str | None = None
) -> bool:
    """Close the draft early: no more reminders, and every member's link stops working.
    False if it was already closed."""
    now = clock.now()
    done = session.execute(
        update(FeedbackRequest)
        .where(FeedbackRequest.id == request.id, FeedbackRequest.closed_at.is_(None))
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return False
    session.execute(
        update(FeedbackRecipient)
        .where(FeedbackRecipient.request_id == request.id)
        .values(next_reminder_at=None)
        .execution_options(synchronize_session=False)
    )
    for recipient in request.recipients:
        links.revoke(session, recipient)
    session.refresh(request)
    for recipient in request.recipients:
        session.refresh(recipient)
    audit.record(
        session,
        "feedback.closed",
        actor=actor,
        partnership_id=request.partnership_id,
        object_type="feedback_request",
        object_id=request.id,
        case_id=request.case_id,
        client_address=client_address,
        unanswered=sum(1 for r in request.recipients if r.answered_at is None),
    )
    return True


# --- what the console shows --------------------------------------------------------------------


@dataclass(frozen=True)
class MemberStatus:
    recipient: FeedbackRecipient
    member: PanelMember
    messages: list[Message]
    late: bool

    @property
    def answer_label(self) -> str:
        r = self.recipient
        if r.answered_at is None:
            return "No answer"
        return "No comments" if r.no_comments else "Comments"

    @property
    def tag(self) -> dict[str, str]:
        r = self.recipient
        if r.answered_at is None:
            return {"text": "Awaiting answer", "classes": "govuk-tag--grey"}
        text = "No comments" if r.no_comments else "Answered"
        if self.late:
            text += " (late)"
        return {"text": text, "classes": "govuk-tag--blue" if r.no_comments else "govuk-tag--green"}


def member_messages(
    session: Session, request: FeedbackRequest, case: Case
) -> dict[str, list[Message]]:
    """The emails sent about this draft, by recipient address, oldest first."""
    found: dict[str, list[Message]] = {}
    for message in session.scalars(
        select(Message)
        .where(
            Message.partnership_id == request.partnership_id,
            Message.reference == reference(request, case),
            Message.purpose.in_(messages.MEMBER_PURPOSES),
        )
        .order_by(Message.created_at, Message.id)
    ):
        found.setdefault(message.recipient, []).append(message)
    return found


def _address_key(address: str) -> str:
    try:
        return policy.normalise(address)
    except policy.InvalidAddress:
        return address


def statuses(session: Session, request: FeedbackRequest, case: Case) -> list[MemberStatus]:
    """Each member sent the draft, by name, with their answer and their emails."""
    sent = member_messages(session, request, case)
    rows = []
    for recipient in request.recipients:
        member = recipient.member
        rows.append(
            MemberStatus(
                recipient=recipient,
                member=member,
                messages=sent.get(_address_key(member.email), []),
                late=is_late(request, recipient),
            )
        )
    rows.sort(key=lambda s: (s.member.name.casefold(), s.member.id))
    return rows


def counts(request: FeedbackRequest) -> dict[str, int]:
    answered = [r for r in request.recipients if r.answered_at is not None]
    return {
        "members": len(request.recipients),
        "answered": len(answered),
        "comments": sum(1 for r in answered if not r.no_comments),
        "no_comments": sum(1 for r in answered if r.no_comments),
    }
