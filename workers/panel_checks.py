"""Panel meetings: papers dispatched 5 working days before, and the officer's warnings.

Two checks, in this order in every sweep:

- **warnings**: a meeting with no papers at its ``papers_warning_at`` (the dispatch hour of the
  working day before dispatch, then the dispatch itself) gets one email to the DHR officer's
  inbox for each. The slot is taken with a compare-and-set on what the sweep read
  (``papers_warning_at``, ``papers_warnings_sent``), so each warning goes once.
- **dispatch**: at ``dispatch_at`` the meeting is claimed (``dispatched_at`` set, ``dispatch_at``
  cleared, only where it is still scheduled, undispatched and due at the moment the sweep read)
  and every invited member is sent the papers and the invitation in the same transaction. Two
  sweeps at once, or a sweep after Redis was emptied, find nothing left to claim.

A cancelled meeting has neither column set, and both checks also require it to be scheduled.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mail import outbox, routing
from service import audit, runtime
from service.clock import london_time
from service.models import Case, MeetingStatus, PanelMeeting, Partnership
from service.panels import dispatch, messages
from workers.sweep import deadline_check

log = logging.getLogger(__name__)


def _due(session: Session, column, now: datetime) -> list[PanelMeeting]:  # noqa: ANN001
    return list(
        session.scalars(
            select(PanelMeeting)
            .where(PanelMeeting.status == MeetingStatus.SCHEDULED, column <= now)
            .order_by(column, PanelMeeting.id)
        )
    )


def _meeting_link(meeting: PanelMeeting) -> str:
    base = runtime.settings().SERVICE_URL.rstrip("/")
    return f"{base}/console/panel-meetings/{meeting.id}"


def _warn(session: Session, meeting: PanelMeeting, now: datetime) -> bool:
    """Take this warning slot; True if a warning was sent."""
    no_papers = not dispatch.current_papers(session, meeting.id)
    slot = meeting.papers_warning_at
    # After the day-before warning comes the one at dispatch; after that, none.
    following = (
        meeting.dispatch_at
        if meeting.dispatch_at is not None and slot < meeting.dispatch_at
        else None
    )
    taken = session.execute(
        update(PanelMeeting)
        .where(
            PanelMeeting.id == meeting.id,
            PanelMeeting.status == MeetingStatus.SCHEDULED,
            PanelMeeting.papers_warning_at == slot,
            PanelMeeting.papers_warnings_sent == meeting.papers_warnings_sent,
        )
        .values(
            papers_warning_at=following,
            papers_warnings_sent=meeting.papers_warnings_sent + (1 if no_papers else 0),
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1 or not no_papers:
        return False
    case = session.get(Case, meeting.case_id)
    partnership = session.get(Partnership, meeting.partnership_id)
    on_the_day = following is None
    try:
        outbox.queue_message(
            session,
            partnership=partnership,
            purpose=messages.NO_PAPERS.name,
            reference=case.reference,
            context={
                "case_reference": case.reference,
                "when": dispatch.when(meeting),
                "dispatch_at": london_time(meeting.dispatch_at or meeting.dispatched_at or now),
                "on_the_day": on_the_day,
                "link": _meeting_link(meeting),
            },
        )
    except routing.RoutingError:
        log.warning("no DHR officer inbox for the panel papers warning",
                    extra={"meeting_id": meeting.id})  # fmt: skip
    audit.record(
        session,
        "panel.no_papers_warning",
        partnership_id=meeting.partnership_id,
        object_type="panel_meeting",
        object_id=meeting.id,
        case_id=meeting.case_id,
        warning=meeting.papers_warnings_sent + 1,
    )
    return True


@deadline_check("panel papers warnings")
def warn_officers(session: Session, now: datetime) -> int:
    """Warn the officer of each meeting whose papers are due to go and none are uploaded."""
    return sum(_warn(session, m, now) for m in _due(session, PanelMeeting.papers_warning_at, now))


@deadline_check("panel papers dispatched")
def dispatch_papers(session: Session, now: datetime) -> int:
    """Send the papers of every meeting whose dispatch moment has come; the meetings sent."""
    sent = 0
    for meeting in _due(session, PanelMeeting.dispatch_at, now):
        if meeting.dispatched_at is None and dispatch.claim_dispatch(session, meeting, now):
            dispatch.send_papers(session, meeting, now)
            sent += 1
    return sent
