"""What the console shows of a case's panel: its members, its meetings with their status, and
one meeting's papers, invitations and what each member was sent. Every row of the case is read
through the caller's Scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.scope import Scope
from service.models import (
    Agency,
    Case,
    Message,
    PanelDelivery,
    PanelInvitation,
    PanelMeeting,
    PanelMember,
    PanelPaper,
    Partnership,
    StoredFile,
)
from service.panels import dispatch, meetings, members

DELIVERY_LABELS = {
    "papers": "Papers and invitation",
    "late_papers": "Additional papers (late)",
    "moved": "Meeting moved",
    "cancelled": "Cancellation",
}
MESSAGE_TAGS = {
    "queued": ("Queued", "govuk-tag--blue"),
    "sending": ("Sending", "govuk-tag--blue"),
    "sent": ("Sent", "govuk-tag--green"),
    "failed": ("Failed", "govuk-tag--red"),
    "held": ("Held", "govuk-tag--yellow"),
    "cancelled": ("Cancelled", "govuk-tag--grey"),
}


def agencies(session: Session, case: Case) -> list[Agency]:
    """The agencies of the case's partnership, by name."""
    return list(
        session.scalars(
            select(Agency)
            .where(Agency.partnership_id == case.partnership_id)
            .order_by(func.lower(Agency.name), Agency.id)
        )
    )


def with_representative(session: Session, case: Case) -> list[Agency]:
    """The agencies whose representative can be reached at a secure address."""
    partnership = session.get(Partnership, case.partnership_id)
    return [a for a in agencies(session, case) if members.representative_address(partnership, a)]


def current_members(session: Session, sc: Scope, case: Case) -> list[PanelMember]:
    """The case's panel as it is now, by name."""
    return list(
        session.scalars(
            sc.select(
                PanelMember, PanelMember.case_id == case.id, PanelMember.removed_at.is_(None)
            ).order_by(PanelMember.name, PanelMember.id)
        )
    )


def listed_meetings(session: Session, sc: Scope, case: Case) -> list[dict[str, Any]]:
    """The case's meetings, latest first, each with its status and when its papers go."""
    rows = session.scalars(
        sc.select(PanelMeeting, PanelMeeting.case_id == case.id).order_by(
            PanelMeeting.starts_at.desc(), PanelMeeting.id.desc()
        )
    )
    return [
        {
            "row": m,
            "status": meetings.status(m, dispatch.current_papers(session, m.id)),
            "when": dispatch.when(m),
        }
        for m in rows
    ]


@dataclass
class MeetingDetail:
    """One meeting's papers (with their files), invitations and each member's emails."""

    papers: list[PanelPaper]
    files: dict[int, StoredFile]
    invitations: list[PanelInvitation]
    deliveries: dict[int, list[dict[str, Any]]]
    partnership: Partnership


def deliveries(session: Session, sc: Scope, meeting: PanelMeeting) -> dict[int, list[dict]]:
    """Each member's emails about the meeting, newest first, with their outbox status."""
    rows = session.execute(
        sc.select(PanelDelivery, PanelDelivery.meeting_id == meeting.id)
        .add_columns(Message.status)
        .outerjoin(Message, Message.id == PanelDelivery.message_id)
        .order_by(PanelDelivery.id.desc())
    ).all()
    found: dict[int, list[dict]] = {}
    for delivery, status in rows:
        text, classes = MESSAGE_TAGS.get(
            status.value if status else "", ("Not sent", "govuk-tag--red")
        )
        found.setdefault(delivery.member_id, []).append(
            {
                "row": delivery,
                "kind": DELIVERY_LABELS[delivery.kind.value],
                "tag": {"text": text, "classes": classes},
            }
        )
    return found


def meeting_detail(session: Session, sc: Scope, meeting: PanelMeeting) -> MeetingDetail:
    """The meeting's page."""
    papers = list(
        session.scalars(
            sc.select(
                PanelPaper, PanelPaper.meeting_id == meeting.id, PanelPaper.removed_at.is_(None)
            ).order_by(PanelPaper.position, PanelPaper.id)
        )
    )
    files = {
        f.id: f
        for f in session.scalars(
            sc.select(StoredFile, StoredFile.id.in_([p.file_id for p in papers]))
        )
    }
    invitations = list(
        session.scalars(
            sc.select(PanelInvitation, PanelInvitation.meeting_id == meeting.id).order_by(
                PanelInvitation.id
            )
        )
    )
    return MeetingDetail(
        papers,
        files,
        invitations,
        deliveries(session, sc, meeting),
        session.get(Partnership, meeting.partnership_id),
    )
