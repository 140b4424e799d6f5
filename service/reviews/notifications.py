"""Telling others of the decision on a referral: the Home Office, the Coroner, the Domestic Abuse
Commissioner, the chair of the DHR sub-group and the chair of the partnership.

When the officer records the decision, one draft is made for each that must be told, with its
deadline (within the month of the decision). The officer edits, previews and sends each; it goes
through the outbox and the secure-recipient policy like every other message.

    draft ──send (a conditional update guarded by the status)──▶ sent
      │
      └──the decision is corrected before it was sent──▶ withdrawn

A double click or two officers at once send it once: only the caller whose update moved it from
draft queues the email. The case shows the date the outbox delivered it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mail import outbox, policy, render, routing
from service import audit, clock
from service.models import (
    Case,
    CaseChair,
    DecisionNotification,
    Message,
    MessageStatus,
    NotificationKind,
    NotificationStatus,
    Partnership,
    Referral,
    ReviewProgress,
    User,
)
from service.reviews import drafting, timescales
from service.workdays import at_hour

TEMPLATE = "decision_notification"
PURPOSES = {
    kind: routing.purpose(
        f"notification.{kind.value}",
        title="Domestic Homicide Review decision",
        template=TEMPLATE,
        audience="direct",
    )
    for kind in NotificationKind
}
OVERDUE_REMINDER = routing.purpose(
    "notification.overdue_reminder",
    title="Decision notifications not yet sent",
    template="notifications_overdue",
    audience="inbox:dhr_officer",
)
#: The weekly reminder of notifications past their deadline.
REMINDER_EVERY = dt.timedelta(weeks=1)
BODY_MAX = 20_000
#: Text the prefilled draft asks the officer to replace before it can go.
PLACEHOLDER = re.compile(r"\[(?:Give|describe)[^\]]*\]")


class NotificationRefused(ValueError):
    """The notification cannot be changed or sent as asked; the reason is safe to show."""


def kinds_for(partnership: Partnership, outcome: str) -> list[NotificationKind]:
    """Who is told of a decision: the Coroner only when a review is held (004 paragraph 33), the
    Commissioner only when the partnership has switched it on."""
    kinds = [NotificationKind.HOME_OFFICE]
    if outcome == "yes":
        kinds.append(NotificationKind.CORONER)
    if partnership.commissioner_told_of_decisions:
        kinds.append(NotificationKind.COMMISSIONER)
    kinds += [NotificationKind.SUBGROUP_CHAIR, NotificationKind.PARTNERSHIP_CHAIR]
    return kinds


def reference_of(session: Session, referral: Referral) -> str:
    """The case reference once a case is opened, the referral's until then."""
    if referral.case_id is not None:
        case = session.get(Case, referral.case_id)
        if case is not None:
            return case.reference
    return referral.reference


def chair_of(session: Session, case_id: int | None) -> str | None:
    if case_id is None:
        return None
    labels = session.scalars(
        select(User)
        .join(CaseChair, CaseChair.user_id == User.id)
        .where(CaseChair.case_id == case_id)
        .order_by(CaseChair.assigned_at, CaseChair.id)
    ).all()
    return ", ".join(u.label for u in labels) or None


def _facts(session: Session, referral: Referral, progress: ReviewProgress) -> drafting.Facts:
    partnership = session.get(Partnership, referral.partnership_id)
    return drafting.facts(
        partnership,
        referral,
        reference=reference_of(session, referral),
        decided_on=progress.decided_on,
        chair=chair_of(session, referral.case_id),
        report_due_on=progress.report_due_on,
    )


def on_decision(
    session: Session, referral: Referral, *, actor: str, client_address: str | None = None
) -> list[DecisionNotification]:
    """After the decision is recorded: the drafts that must now be sent, and the progress row.

    A corrected outcome withdraws the unsent drafts of the old one and drafts the new; drafts
    already made for the outcome are kept (with the officer's edits). Returns the new drafts.
    """
    if referral.decided_at is None or referral.meets_criteria not in ("yes", "no"):
        _withdraw(session, referral.id, keep=None)
        return []
    partnership = session.get(Partnership, referral.partnership_id)
    decided_on = clock.london_date(referral.decided_at)
    progress = timescales.set_decision(session, referral, partnership, decided_on)
    outcome = referral.meets_criteria
    _withdraw(session, referral.id, keep=outcome)
    existing = session.scalars(
        select(DecisionNotification).where(
            DecisionNotification.referral_id == referral.id,
            DecisionNotification.outcome == outcome,
            DecisionNotification.status != NotificationStatus.WITHDRAWN,
        )
    ).all()
    have = {n.kind for n in existing}
    due_on = timescales.notifications_due(decided_on)
    for n in existing:
        if n.status is NotificationStatus.DRAFT:
            n.due_on = due_on
    facts = _facts(session, referral, progress)
    made = []
    for kind in kinds_for(partnership, outcome):
        if kind in have:
            continue
        made.append(
            DecisionNotification(
                partnership_id=referral.partnership_id,
                referral_id=referral.id,
                case_id=referral.case_id,
                kind=kind,
                outcome=outcome,
                due_on=due_on,
                body=drafting.body(kind, facts),
                status=NotificationStatus.DRAFT,
            )
        )
    session.add_all(made)
    progress.notices_reminder_at = at_hour(due_on + dt.timedelta(days=1), partnership.dispatch_hour)
    session.flush()
    if made:
        audit.record(
            session,
            "notification.drafted",
            actor=actor,
            partnership_id=referral.partnership_id,
            object_type="referral",
            object_id=referral.id,
            case_id=referral.case_id,
            client_address=client_address,
            kinds=[n.kind.value for n in made],
            due_on=due_on.isoformat(),
        )
    return made


def _withdraw(session: Session, referral_id: int, *, keep: str | None) -> None:
    criteria = [
        DecisionNotification.referral_id == referral_id,
        DecisionNotification.status == NotificationStatus.DRAFT,
    ]
    if keep is not None:
        criteria.append(DecisionNotification.outcome != keep)
    session.execute(
        update(DecisionNotification)
        .where(*criteria)
        .values(status=NotificationStatus.WITHDRAWN)
        .execution_options(synchronize_session="fetch")
    )


def link_case(session: Session, referral: Referral, case: Case) -> None:
    """A case opened from the referral takes its notifications and progress."""
    for model in (DecisionNotification, ReviewProgress):
        session.execute(
            update(model)
            .where(model.referral_id == referral.id)
            .values(case_id=case.id)
            .execution_options(synchronize_session="fetch")
        )


def current_body(session: Session, notification: DecisionNotification) -> str:
    """The text as it would go now: an unedited draft follows the case (a chair appointed since
    it was drafted is named); the officer's edited text is kept as they wrote it."""
    if notification.status is not NotificationStatus.DRAFT or notification.edited_at is not None:
        return notification.body
    referral = session.get(Referral, notification.referral_id)
    progress = timescales.progress_of(session, referral.id)
    if progress is None:
        return notification.body
    return drafting.body(notification.kind, _facts(session, referral, progress))


def edit(
    session: Session,
    notification: DecisionNotification,
    body: str,
    *,
    actor: str,
    client_address: str | None = None,
) -> None:
    body = (body or "").strip().replace("\r\n", "\n")
    if not body:
        raise NotificationRefused("Enter the text of the notification")
    if len(body) > BODY_MAX:
        raise NotificationRefused(f"The text must be {BODY_MAX:,} characters or fewer")
    changed = session.execute(
        update(DecisionNotification)
        .where(
            DecisionNotification.id == notification.id,
            DecisionNotification.status == NotificationStatus.DRAFT,
        )
        .values(body=body, edited_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise NotificationRefused("This notification has already been sent, so it cannot change")
    session.refresh(notification)
    _audit(session, notification, "notification.edited", actor, client_address)


@dataclass(frozen=True)
class Recipient:
    address: str
    decision: str  # the policy's: "secure", "notice" or "hold"


@dataclass(frozen=True)
class Preview:
    subject: str
    recipients: list[Recipient]
    text: str
    problem: str | None  # why it cannot be sent yet


def recipients_of(partnership: Partnership, kind: NotificationKind) -> list[str]:
    return partnership.inbox(kind.value)


def problem_with(partnership: Partnership, kind: NotificationKind, body: str) -> str | None:
    if not recipients_of(partnership, kind):
        return (
            f"The partnership file has no {drafting.RECIPIENT_NAMES[kind]} inbox: add "
            f"inboxes.{kind.value} to it and load it again, or tell them outside the service"
        )
    if PLACEHOLDER.search(body):
        return "Replace the text in square brackets before sending"
    return None


def preview(session: Session, notification: DecisionNotification) -> Preview:
    partnership = session.get(Partnership, notification.partnership_id)
    referral = session.get(Referral, notification.referral_id)
    body = current_body(session, notification)
    text, _ = render.render(TEMPLATE, {"partnership": partnership, "body": body})
    found = []
    for address in recipients_of(partnership, notification.kind):
        try:
            verdict = policy.decide(partnership, address, sensitive=True)
            found.append(Recipient(verdict.address, verdict.decision.value))
        except policy.InvalidAddress:
            found.append(Recipient(address, "invalid"))
    return Preview(
        subject=routing.subject(
            PURPOSES[notification.kind].title,
            reference_of(session, referral),
            partnership=partnership,
        ),
        recipients=found,
        text=text,
        problem=problem_with(partnership, notification.kind, body),
    )


def send(
    session: Session,
    notification: DecisionNotification,
    *,
    actor: str,
    client_address: str | None = None,
) -> list[Message]:
    """Queue the notification once; NotificationRefused if it was sent already (a second click,
    another officer) or cannot go."""
    partnership = session.get(Partnership, notification.partnership_id)
    referral = session.get(Referral, notification.referral_id)
    if notification.status is not NotificationStatus.DRAFT:
        raise NotificationRefused("This notification has already been sent")
    body = current_body(session, notification)
    problem = problem_with(partnership, notification.kind, body)
    if problem:
        raise NotificationRefused(problem)
    now = clock.now()
    claimed = session.execute(
        update(DecisionNotification)
        .where(
            DecisionNotification.id == notification.id,
            DecisionNotification.status == NotificationStatus.DRAFT,
        )
        .values(status=NotificationStatus.SENT, sent_at=now, sent_by=actor, body=body)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise NotificationRefused("This notification has already been sent")
    messages = outbox.queue_message(
        session,
        partnership=partnership,
        purpose=PURPOSES[notification.kind].name,
        reference=reference_of(session, referral),
        context={"body": body},
        to=recipients_of(partnership, notification.kind),
        actor=actor,
    )
    session.execute(
        update(DecisionNotification)
        .where(DecisionNotification.id == notification.id)
        .values(message_ids=[m.id for m in messages])
        .execution_options(synchronize_session=False)
    )
    session.refresh(notification)
    _audit(
        session, notification, "notification.sent", actor, client_address, messages=len(messages)
    )
    return messages


def _audit(session, notification, action, actor, client_address, **detail) -> None:  # noqa: ANN001
    audit.record(
        session,
        action,
        actor=actor,
        partnership_id=notification.partnership_id,
        object_type="notification",
        object_id=notification.id,
        case_id=notification.case_id,
        client_address=client_address,
        kind=notification.kind.value,
        **detail,
    )


# --- reading them back ------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    notification: DecisionNotification
    recipient: str  # "the Home Office"
    told_on: dt.date | None  # the day the outbox delivered it
    delivery: str | None  # "queued", "sent", "failed", "held" ... of its messages
    overdue: bool


def _delivery(messages: list[Message]) -> tuple[dt.date | None, str | None]:
    if not messages:
        return None, None
    if all(m.status is MessageStatus.SENT for m in messages):
        return clock.london_date(max(clock.as_utc(m.sent_at) for m in messages)), "sent"
    worst = [
        s
        for s in (MessageStatus.FAILED, MessageStatus.HELD)
        if any(m.status is s for m in messages)
    ]
    return None, (worst[0].value if worst else "queued")


def rows_for(session: Session, referral_id: int) -> list[Row]:
    """The referral's notifications (not the withdrawn), in the order they are listed."""
    found = session.scalars(
        select(DecisionNotification)
        .where(
            DecisionNotification.referral_id == referral_id,
            DecisionNotification.status != NotificationStatus.WITHDRAWN,
        )
        .order_by(DecisionNotification.id)
    ).all()
    ids = [i for n in found for i in (n.message_ids or [])]
    messages = {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(ids)))}
    today = clock.london_date(clock.now())
    rows = []
    for n in found:
        told_on, delivery = _delivery([messages[i] for i in n.message_ids or [] if i in messages])
        rows.append(
            Row(
                notification=n,
                recipient=drafting.RECIPIENT_NAMES[n.kind],
                told_on=told_on,
                delivery=delivery,
                overdue=n.status is NotificationStatus.DRAFT and n.due_on < today,
            )
        )
    return rows


def overdue_unsent(
    session: Session, referral_id: int, today: dt.date
) -> list[DecisionNotification]:
    return list(
        session.scalars(
            select(DecisionNotification)
            .where(
                DecisionNotification.referral_id == referral_id,
                DecisionNotification.status == NotificationStatus.DRAFT,
                DecisionNotification.due_on < today,
            )
            .order_by(DecisionNotification.due_on, DecisionNotification.id)
        )
    )


def overdue_criteria(today: dt.date) -> tuple:
    """Notifications past their deadline and not sent (for the dashboard's count)."""
    return (
        DecisionNotification.status == NotificationStatus.DRAFT,
        DecisionNotification.due_on < today,
    )
