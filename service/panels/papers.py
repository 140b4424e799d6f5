"""A panel meeting's papers: uploading one and taking one off.

Uploaded at any time before the meeting. Once the papers have gone, an upload goes at once to
every invited member as "additional papers", marked late, in the same transaction. A paper can
be removed only before it has been sent.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import clock, uploads
from service.models import Case, DeliveryKind, MeetingStatus, PanelMeeting, PanelPaper, Partnership
from service.panels import dispatch, meetings

PAPER_TYPES = dict(uploads.IMR_TYPES)
PAPER_MAX_BYTES = 20 * uploads.MB


def add_paper(
    session: Session,
    meeting: PanelMeeting,
    *,
    title: str,
    filename: str | None,
    data: bytes,
    uploaded_by: int | None,
    actor: str,
    client_address: str | None = None,
) -> PanelPaper:
    """Add a paper; after dispatch it goes at once to every invited member, marked late.
    Raises ``meetings.MeetingRefused`` or ``uploads.UploadRefused``, adding nothing."""
    now = clock.now()
    meeting = meetings.locked(session, meeting.id)
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise meetings.MeetingRefused(
            "This meeting has been cancelled: papers cannot be added", "paper"
        )
    if meeting.starts_at <= now:
        raise meetings.MeetingRefused("This meeting has started: papers cannot be added", "paper")
    stored = uploads.store(
        session,
        partnership_id=meeting.partnership_id,
        filename=filename,
        data=data,
        allowed=PAPER_TYPES,
        max_bytes=PAPER_MAX_BYTES,
    )
    session.flush()
    last = session.scalar(
        select(func.max(PanelPaper.position)).where(PanelPaper.meeting_id == meeting.id)
    )
    late = meeting.dispatched_at is not None
    paper = PanelPaper(
        meeting_id=meeting.id,
        file_id=stored.id,
        title=title.strip(),
        position=(last or 0) + 1,
        uploaded_by=uploaded_by,
        late=late,
        sent_at=now if late else None,
    )
    session.add(paper)
    session.flush()
    told = 0
    if late:
        case = session.get(Case, meeting.case_id)
        partnership = session.get(Partnership, meeting.partnership_id)
        for _invitation, member in dispatch.invited(session, meeting.id):
            dispatch.deliver(session, meeting, member, DeliveryKind.LATE_PAPERS, case=case,
                             partnership=partnership, papers=[paper], actor=actor)  # fmt: skip
            told += 1
    meetings.record(
        session,
        "panel.paper_added",
        meeting,
        actor=actor,
        client_address=client_address,
        paper_id=paper.id,
        file_id=stored.id,
        late=late,
        members_sent=told,
    )
    return paper


def remove_paper(
    session: Session, paper: PanelPaper, *, actor: str, client_address: str | None = None
) -> None:
    """Take a paper off the meeting, if it has not been sent."""
    meeting = meetings.locked(session, paper.meeting_id)
    session.refresh(paper)
    if paper.removed_at is not None:
        raise meetings.MeetingRefused("This paper has already been removed", "paper")
    if paper.sent_at is not None or meeting.dispatched_at is not None:
        raise meetings.MeetingRefused(
            "This paper has been sent to the panel: it cannot be removed", "paper"
        )
    paper.removed_at = clock.now()
    meetings.record(
        session,
        "panel.paper_removed",
        meeting,
        actor=actor,
        client_address=client_address,
        paper_id=paper.id,
    )
