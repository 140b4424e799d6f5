"""The emails to panel members about a meeting, each recorded as a PanelDelivery.

One email per member, addressed to them alone. The papers go as attachments made from their
stored files, so any the mail system cannot carry become download links in the console; every
email but the late papers carries the calendar invitation (.ics). Each is queued in the caller's
transaction, with the change that caused it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mail import outbox, routing
from service import audit, clock
from service.clock import long_date
from service.models import (
    Case,
    DeliveryKind,
    MeetingStatus,
    PanelDelivery,
    PanelInvitation,
    PanelMeeting,
    PanelMember,
    PanelPaper,
    Partnership,
    StoredFile,
)
from service.panels import ics, members, messages
from service.workdays import LONDON

PURPOSES = {
    DeliveryKind.PAPERS: messages.PAPERS,
    DeliveryKind.LATE_PAPERS: messages.LATE_PAPERS,
    DeliveryKind.MOVED: messages.MOVED,
    DeliveryKind.CANCELLED: messages.CANCELLED,
}


def when(meeting: PanelMeeting, language: str = "en") -> dict[str, str]:
    """The meeting's date and times in London, as emails and pages write them, in
    ``language``."""
    start = clock.as_utc(meeting.starts_at).astimezone(LONDON)
    end = start + dt.timedelta(minutes=meeting.duration_minutes)
    return {
        "date": f"{clock.weekday(start.date(), language)} {long_date(start.date(), language)}",
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
    }


def current_papers(session: Session, meeting_id: int) -> list[PanelPaper]:
    """The meeting's papers now (not removed), in order."""
    return list(
        session.scalars(
            select(PanelPaper)
            .where(PanelPaper.meeting_id == meeting_id, PanelPaper.removed_at.is_(None))
            .order_by(PanelPaper.position, PanelPaper.id)
        )
    )


def invited(session: Session, meeting_id: int) -> list[tuple[PanelInvitation, PanelMember]]:
    """The members asked to the meeting now, by name."""
    rows = session.execute(
        select(PanelInvitation, PanelMember)
        .join(PanelMember, PanelMember.id == PanelInvitation.member_id)
        .where(PanelInvitation.meeting_id == meeting_id, PanelInvitation.removed_at.is_(None))
        .order_by(PanelMember.name, PanelMember.id)
    )
    return [(invitation, member) for invitation, member in rows]


def deliver(
    session: Session,
    meeting: PanelMeeting,
    member: PanelMember,
    kind: DeliveryKind,
    *,
    case: Case,
    partnership: Partnership,
    papers: Sequence[PanelPaper] = (),
    actor: str = "system",
    extra: dict | None = None,
) -> PanelDelivery:
    """Queue one email to ``member`` and record it. The policy decides what their address gets
    (members are checked when added, but the allowlist may have changed since)."""
    # In the member's own language (their agency's, where they have not chosen).
    language = members.language_of(partnership, member)
    attachments = [outbox.Attachment.of(session.get(StoredFile, paper.file_id)) for paper in papers]
    if kind is not DeliveryKind.LATE_PAPERS:
        method = ics.CANCEL if kind is DeliveryKind.CANCELLED else ics.REQUEST
        attachments.append(
            outbox.Attachment(
                ics.filename(case, method),
                ics.content_type(method),
                ics.invitation(
                    meeting, case, partnership, member, method=method, language=language
                ),
            )
        )
    context = {
        "member_name": member.name,
        "case_reference": case.reference,
        "meeting": meeting,
        "when": when(meeting, language),
        "papers": [p.title for p in papers],
        **(extra or {}),
    }
    delivery = PanelDelivery(
        meeting_id=meeting.id, member_id=member.id, kind=kind, paper_ids=[p.id for p in papers]
    )
    try:
        (message,) = outbox.queue_message(
            session,
            partnership=partnership,
            purpose=PURPOSES[kind].name,
            reference=case.reference,
            to=[member.email],
            context=context,
            attachments=attachments,
            actor=actor,
            language=language,
        )
        delivery.message_id = message.id
    except (routing.RoutingError, outbox.MessageRefused):
        # An address the mail system will not take at all: recorded with no message, and the
        # meeting page shows it as not sent.
        pass
    session.add(delivery)
    return delivery


def send_papers(session: Session, meeting: PanelMeeting, now: dt.datetime) -> int:
    """The dispatch, once the caller has claimed the meeting: each member's papers and
    invitation. The members sent to."""
    case = session.get(Case, meeting.case_id)
    partnership = session.get(Partnership, meeting.partnership_id)
    papers = current_papers(session, meeting.id)
    sent = 0
    for invitation, member in invited(session, meeting.id):
        deliver(session, meeting, member, DeliveryKind.PAPERS, case=case,
                partnership=partnership, papers=papers)  # fmt: skip
        invitation.papers_sent_at = now
        sent += 1
    for paper in papers:
        paper.sent_at = paper.sent_at or now
    audit.record(
        session,
        "panel.papers_dispatched",
        partnership_id=meeting.partnership_id,
        object_type="panel_meeting",
        object_id=meeting.id,
        case_id=meeting.case_id,
        members=sent,
        papers=[p.id for p in papers],
    )
    return sent


def claim_dispatch(session: Session, meeting: PanelMeeting, now: dt.datetime) -> bool:
    """Take the meeting's dispatch for this sweep: True for the one caller that did. The guard
    is what the sweep read, so a meeting moved or cancelled meanwhile is not sent."""
    taken = session.execute(
        update(PanelMeeting)
        .where(
            PanelMeeting.id == meeting.id,
            PanelMeeting.status == MeetingStatus.SCHEDULED,
            PanelMeeting.dispatched_at.is_(None),
            PanelMeeting.dispatch_at == meeting.dispatch_at,
        )
        .values(dispatched_at=now, dispatch_at=None)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1
