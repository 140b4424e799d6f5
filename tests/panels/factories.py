"""Panels and meetings for the panel tests, built through the service's own functions.

The factories' meeting is on Thursday 25 March 2027 at 10:00 London time (GMT). Five working days
before it is Thursday 18 March, so the papers go at 09:00 that day; the officer is warned at
09:00 on Wednesday 17 March if no papers are uploaded by then.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from service import clock
from service.models import Case, PanelMeeting, PanelMember, Partnership
from service.panels import meetings, members, papers
from tests.trawls.factories import make_case
from tests.uploads.files import pdf

UTC = dt.UTC
SCHEDULED_AT = dt.datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
MEETING_DAY = dt.date(2027, 3, 25)
DISPATCH = dt.datetime(2027, 3, 18, 9, 0, tzinfo=UTC)
WARNING = dt.datetime(2027, 3, 17, 9, 0, tzinfo=UTC)
MINUTE = dt.timedelta(minutes=1)

MEMBERS = [
    ("Morgan Police", "panel.police@example.police.uk"),
    ("Nia Health", "panel.health@nhs.net"),
]
AGENDA = pdf("Agenda for the panel meeting")
MINUTES = pdf("Minutes of the last panel meeting")


def details(day: dt.date = MEETING_DAY, start: dt.time = dt.time(10, 0), **kw) -> meetings.Details:
    values = {"duration_minutes": 120, "location": "Room 4, Exampleshire County Hall",
              "joining_details": "https://meet.example.gov.uk/j/123 passcode 4455",
              "note": None} | kw  # fmt: skip
    return meetings.Details(date=day, start=start, **values)


def panel(session: Session, partnership: Partnership, case: Case | None = None
          ) -> tuple[Case, list[PanelMember]]:  # fmt: skip
    """A case with two panel members on secure addresses (flushed, not committed)."""
    case = case or make_case(session, partnership)
    added = [
        members.add(session, case, name=name, email=email, agency=None, role=None, actor="test")
        for name, email in MEMBERS
    ]
    return case, added


def scheduled_meeting(
    session: Session,
    partnership: Partnership,
    *,
    at: dt.datetime = SCHEDULED_AT,
    day: dt.date = MEETING_DAY,
    start: dt.time = dt.time(10, 0),
) -> PanelMeeting:
    """A meeting of a new case's panel, both members invited (flushed, not committed)."""
    case, people = panel(session, partnership)
    with clock.frozen_at(at):
        meeting, _plan = meetings.schedule(
            session, case, details(day, start), [m.id for m in people], created_by=None,
            actor="test",
        )  # fmt: skip
    session.flush()
    return meeting


def upload(session: Session, meeting: PanelMeeting, at: dt.datetime, *, title: str = "Agenda",
           data: bytes = AGENDA):  # fmt: skip
    with clock.frozen_at(at):
        paper = papers.add_paper(
            session, meeting, title=title, filename=f"{title}.pdf", data=data, uploaded_by=None,
            actor="test",
        )  # fmt: skip
    session.commit()
    return paper
