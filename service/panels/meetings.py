"""Panel meetings: scheduling, moving and cancelling them, and how the console shows one.

When a meeting's papers go is worked out by ``dispatch_dates``; its papers are ``papers``.

Moving a meeting
    Its dispatch is worked out again if the papers have not gone (they stay sent if they
    have), its SEQUENCE goes up, and every invited member is told the new date with an updated
    invitation. The officer usually agrees a date with the panel before putting it here, so
    members are told even before the papers go. The papers already sent go again only if the
    officer asks.

Cancelling a meeting
    Nothing more is sent for it, and every invited member gets the cancellation (with a CANCEL
    invitation that takes it out of their calendar), for the same reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service import audit, clock, db
from service.models import (
    Case,
    CaseStatus,
    DeliveryKind,
    MeetingStatus,
    PanelInvitation,
    PanelMeeting,
    PanelMember,
    PanelPaper,
    Partnership,
)
from service.panels import dispatch
from service.panels.dispatch_dates import Schedule, schedule_for
from service.workdays import LONDON

NOTE_MAX = 5000
PLACE_MAX = 2000


class MeetingRefused(ValueError):
    """Why it cannot be done; safe to show. ``field`` is the form field it is about."""

    def __init__(self, message: str, field: str = "date") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Details:
    """What the officer says about a meeting."""

    date: dt.date
    start: dt.time
    duration_minutes: int
    location: str | None
    joining_details: str | None
    note: str | None = None

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.start, tzinfo=LONDON).astimezone(dt.UTC)


def record(
    session: Session,
    action: str,
    meeting: PanelMeeting,
    *,
    actor: str,
    client_address: str | None,
    **detail: Any,
) -> None:
    """An audit event about the meeting (its case's and partnership's)."""
    audit.record(
        session,
        action,
        actor=actor,
        partnership_id=meeting.partnership_id,
        object_type="panel_meeting",
        object_id=meeting.id,
        case_id=meeting.case_id,
        client_address=client_address,
        **detail,
    )


def _check(details: Details, now: dt.datetime) -> None:
    if details.starts_at <= now:
        raise MeetingRefused("The meeting must be in the future")
    if not (details.location or details.joining_details):
        raise MeetingRefused("Enter where the meeting is, or how to join it online", "location")
    if not 1 <= details.duration_minutes <= 24 * 60:
        raise MeetingRefused("The length must be between 1 and 1,440 minutes", "duration")


def _panel(session: Session, case_id: int, member_ids: list[int]) -> list[PanelMember]:
    """The chosen members, if each is on the case's panel now."""
    wanted = set(member_ids)
    if not wanted:
        raise MeetingRefused("Select at least one panel member to invite", "members")
    found = list(
        session.scalars(
            select(PanelMember).where(
                PanelMember.case_id == case_id,
                PanelMember.removed_at.is_(None),
                PanelMember.id.in_(wanted),
            )
        )
    )
    if len(found) != len(wanted):
        raise MeetingRefused("Select panel members from the list", "members")
    return found


def schedule(
    session: Session,
    case: Case,
    details: Details,
    member_ids: list[int],
    *,
    created_by: int | None,
    actor: str,
    client_address: str | None = None,
) -> tuple[PanelMeeting, Schedule]:
    """A new meeting of the case's panel. Nothing is sent until the papers go."""
    now = clock.now()
    if case.status is not CaseStatus.OPEN:
        raise MeetingRefused("This case is closed: a panel meeting cannot be scheduled")
    _check(details, now)
    members = _panel(session, case.id, member_ids)
    partnership = session.get(Partnership, case.partnership_id)
    plan = schedule_for(partnership, details.date, now)
    meeting = PanelMeeting(
        partnership_id=case.partnership_id,
        case_id=case.id,
        starts_at=details.starts_at,
        duration_minutes=details.duration_minutes,
        location=details.location,
        joining_details=details.joining_details,
        note=details.note,
        created_by=created_by,
        **plan.columns,
    )
    meeting.invitations = [PanelInvitation(member_id=m.id) for m in members]
    session.add(meeting)
    session.flush()
    record(
        session,
        "panel.meeting_scheduled",
        meeting,
        actor=actor,
        client_address=client_address,
        starts_at=meeting.starts_at.isoformat(),
        dispatch_at=plan.dispatch_at.isoformat(),
        members=len(members),
        notice_short=plan.late,
    )
    return meeting, plan


def locked(session: Session, meeting_id: int) -> PanelMeeting:
    """The meeting as the database has it now, locked for this transaction: a dispatch and an
    upload or a move take turns, so no paper is left out of the papers and none sent twice."""
    meeting = session.get(
        PanelMeeting, meeting_id, populate_existing=True, with_for_update=db.NO_KEY_UPDATE
    )
    if meeting is None:
        raise MeetingRefused("This meeting no longer exists")
    return meeting


@dataclass(frozen=True)
class Change:
    moved: bool  # date, time, length or place changed: members were told
    plan: Schedule | None  # the new dispatch, if the papers had not gone
    told: int
    added: int
    removed: int


def change(
    session: Session,
    meeting: PanelMeeting,
    details: Details,
    member_ids: list[int],
    *,
    resend_papers: bool,
    actor: str,
    client_address: str | None = None,
) -> Change:
    """Edit or move a meeting and who is invited to it."""
    now = clock.now()
    meeting = locked(session, meeting.id)
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise MeetingRefused("This meeting has been cancelled: it cannot be changed")
    _check(details, now)
    members = _panel(session, meeting.case_id, member_ids)
    case = session.get(Case, meeting.case_id)
    partnership = session.get(Partnership, meeting.partnership_id)
    moved = (
        details.starts_at != meeting.starts_at
        or details.duration_minutes != meeting.duration_minutes
        or (details.location or None) != (meeting.location or None)
        or (details.joining_details or None) != (meeting.joining_details or None)
    )
    plan = None
    meeting.note = details.note
    if moved:
        meeting.starts_at = details.starts_at
        meeting.duration_minutes = details.duration_minutes
        meeting.location = details.location
        meeting.joining_details = details.joining_details
        meeting.ics_sequence += 1
        if meeting.dispatched_at is None:
            plan = schedule_for(partnership, details.date, now)
            for column, value in plan.columns.items():
                setattr(meeting, column, value)
    # Who is invited: the members kept are told of a move; the ones added after the papers
    # went get them now; the ones taken off are told it is cancelled for them.
    wanted = {m.id: m for m in members}
    told = added = removed = 0
    current = {i.member_id: i for i in meeting.invitations if i.removed_at is None}
    for member_id, invitation in current.items():
        if member_id not in wanted:
            invitation.removed_at = now
            dispatch.deliver(session, meeting, invitation.member, DeliveryKind.CANCELLED,
                             case=case, partnership=partnership, actor=actor,
                             extra={"for_you_only": True})  # fmt: skip
            removed += 1
    papers = dispatch.current_papers(session, meeting.id) if meeting.dispatched_at else []
    for member_id, member in wanted.items():
        invitation = current.get(member_id)
        if invitation is None:
            invitation = next((i for i in meeting.invitations if i.member_id == member_id), None)
            if invitation is None:
                invitation = PanelInvitation(member_id=member_id)
                meeting.invitations.append(invitation)
            invitation.removed_at = None
            added += 1
            if meeting.dispatched_at is not None:
                dispatch.deliver(session, meeting, member, DeliveryKind.PAPERS, case=case,
                                 partnership=partnership, papers=papers, actor=actor)  # fmt: skip
                invitation.papers_sent_at = now
        elif moved:
            again = resend_papers and meeting.dispatched_at is not None
            dispatch.deliver(session, meeting, member, DeliveryKind.MOVED, case=case,
                             partnership=partnership, papers=papers if again else (),
                             actor=actor, extra={"papers_again": again})  # fmt: skip
            if again:
                invitation.papers_sent_at = now
            told += 1
    session.flush()
    record(
        session,
        "panel.meeting_moved" if moved else "panel.meeting_updated",
        meeting,
        actor=actor,
        client_address=client_address,
        starts_at=meeting.starts_at.isoformat(),
        sequence=meeting.ics_sequence,
        members_told=told,
        members_added=added,
        members_removed=removed,
        papers_sent_again=bool(resend_papers and moved and meeting.dispatched_at),
        notice_short=bool(plan and plan.late),
    )
    return Change(moved, plan, told, added, removed)


def cancel(
    session: Session,
    meeting: PanelMeeting,
    *,
    reason: str | None,
    user_id: int | None,
    actor: str,
    client_address: str | None = None,
) -> int:
    """Cancel the meeting: nothing more goes for it, and every invited member is told. The
    members told."""
    now = clock.now()
    taken = session.execute(
        update(PanelMeeting)
        .where(PanelMeeting.id == meeting.id, PanelMeeting.status == MeetingStatus.SCHEDULED)
        .values(
            status=MeetingStatus.CANCELLED,
            cancelled_at=now,
            cancelled_by=user_id,
            cancellation_reason=reason or None,
            dispatch_at=None,
            papers_warning_at=None,
            ics_sequence=PanelMeeting.ics_sequence + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise MeetingRefused("This meeting has already been cancelled", "reason")
    meeting = session.get(PanelMeeting, meeting.id, populate_existing=True)
    case = session.get(Case, meeting.case_id)
    partnership = session.get(Partnership, meeting.partnership_id)
    told = 0
    for _invitation, member in dispatch.invited(session, meeting.id):
        dispatch.deliver(session, meeting, member, DeliveryKind.CANCELLED, case=case,
                         partnership=partnership, actor=actor,
                         extra={"reason": meeting.cancellation_reason})  # fmt: skip
        told += 1
    record(
        session,
        "panel.meeting_cancelled",
        meeting,
        actor=actor,
        client_address=client_address,
        members_told=told,
        papers_had_gone=meeting.dispatched_at is not None,
    )
    return told


# --- how the console shows a meeting ------------------------------------------------------------


def status(meeting: PanelMeeting, papers: list[PanelPaper]) -> dict[str, str]:
    """The meeting's dispatch status as a GOV.UK tag."""
    if meeting.status is MeetingStatus.CANCELLED:
        return {"text": "Cancelled", "classes": "govuk-tag--grey"}
    if meeting.dispatched_at is None:
        when = clock.london_time(meeting.dispatch_at)
        return {"text": f"Papers go {when}", "classes": "govuk-tag--blue"}
    if any(p.late for p in papers):
        return {"text": "Papers sent, some late", "classes": "govuk-tag--orange"}
    return {"text": "Papers sent", "classes": "govuk-tag--green"}
