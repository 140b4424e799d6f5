"""A panel member's answer to a draft for comment.

Answers: the member can change their answer until the deadline has ended (``answered_at`` stays
the first answer, ``updated_at`` is the latest; each change is in the audit trail, and only the
latest answer is kept). After the deadline a first answer is still taken, marked late (officers
want late comments rather than none); an answer already given can then no longer be changed.
When the last member answers, the DHR officer gets one short notice with no comments in it.

"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mail import outbox, routing
from service import audit, clock, db, runtime
from service.models import Case, FeedbackRecipient, FeedbackRequest, Partnership
from service.panels import feedback_messages as messages
from service.panels.feedback import NAME_MAX, AnswerRefused, can_change, is_late, reference

log = logging.getLogger(__name__)


def actor_of(recipient: FeedbackRecipient) -> str:
    return f"panel_member:{recipient.member_id}"


def answer(
    session: Session,
    recipient_id: int,
    *,
    no_comments: bool,
    comments: str | None,
    name: str,
    client_address: str | None = None,
) -> tuple[FeedbackRecipient, bool]:
    """Record the member's answer; (their row, True if it was their first answer).

    Answers to one draft are taken one at a time (its row is locked), so the notice that
    everyone has answered goes exactly once. Raises AnswerRefused, changing nothing.
    """
    probe = session.get(FeedbackRecipient, recipient_id)
    if probe is None:
        raise AnswerRefused("This link does not open a draft")
    request = session.get(
        FeedbackRequest, probe.request_id, populate_existing=True, with_for_update=db.NO_KEY_UPDATE
    )
    recipient = session.get(FeedbackRecipient, recipient_id, populate_existing=True)
    if request.closed_at is not None:
        raise AnswerRefused("This draft is closed: answers are no longer taken")
    if not can_change(request, recipient):
        raise AnswerRefused("The deadline has passed: your answer can no longer be changed")
    comments = None if no_comments else (comments or "").strip()
    if not no_comments and not comments:
        raise AnswerRefused("Enter your comments on the draft")
    now = clock.now()
    first = recipient.answered_at is None
    previous = None if first else ("no_comments" if recipient.no_comments else "comments")
    if first:
        recipient.answered_at = now
    recipient.updated_at = now
    recipient.no_comments = no_comments
    recipient.comments = comments
    recipient.answered_by = name.strip()[:NAME_MAX]
    recipient.next_reminder_at = None
    session.flush()
    detail: dict[str, Any] = {"answer": "no_comments" if no_comments else "comments"}
    if first:
        detail["late"] = is_late(request, recipient)
    else:
        detail["previous"] = previous
    audit.record(
        session,
        "feedback.answered" if first else "feedback.answer_changed",
        actor=actor_of(recipient),
        partnership_id=request.partnership_id,
        object_type="feedback_request",
        object_id=request.id,
        case_id=request.case_id,
        client_address=client_address,
        member_id=recipient.member_id,
        **detail,
    )
    if first:
        waiting = session.scalar(
            select(func.count())
            .select_from(FeedbackRecipient)
            .where(
                FeedbackRecipient.request_id == request.id, FeedbackRecipient.answered_at.is_(None)
            )
        )
        if waiting == 0:
            _tell_officer(session, request)
    return recipient, first


def _tell_officer(session: Session, request: FeedbackRequest) -> None:
    """The one notice that every member has answered (content-free: where to read them)."""
    partnership = session.get(Partnership, request.partnership_id)
    case = session.get(Case, request.case_id)
    base = runtime.settings().SERVICE_URL.rstrip("/")
    try:
        outbox.queue_message(
            session,
            partnership=partnership,
            purpose=messages.ALL_ANSWERED.name,
            reference=reference(request, case),
            context={
                "case_reference": case.reference,
                "members": len(request.recipients),
                "link": f"{base}/console/drafts/{request.id}",
            },
        )
    except (routing.RoutingError, outbox.MessageRefused):
        log.warning(
            "every member has answered, but the DHR officer has no inbox to tell",
            extra={"feedback_request_id": request.id},
        )
        return
    audit.record(
        session,
        "feedback.all_answered",
        partnership_id=request.partnership_id,
        object_type="feedback_request",
        object_id=request.id,
        case_id=request.case_id,
    )
