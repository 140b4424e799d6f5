"""Drafts for comment for the tests, built through the service's own functions.

The factories' draft goes to three panel members on Monday 30 November 2026 with the standard
deadline, Monday 14 December; the reminders go on Wednesday 9 December (3 working days before)
and on Monday 14 December, at 09:00.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import clock
from service.models import (
    Agency,
    Case,
    FeedbackRecipient,
    FeedbackRequest,
    PanelMember,
    Partnership,
)
from service.panels import feedback, feedback_answers
from service.panels import feedback_links as links
from tests.trawls.factories import make_case
from tests.uploads.files import pdf

UTC = dt.UTC
SENT_AT = dt.datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
DEADLINE = dt.date(2026, 12, 14)
BEFORE = dt.datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
ON_DAY = dt.datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
ANSWERING_AT = dt.datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
DRAFT = pdf("Draft overview report for the panel")
TITLE = "Draft overview report, version 2"
OFFICER_INBOX = "dhr.officer@exampleshire.gov.uk"

#: (name, secure address, agency key, role)
MEMBERS = [
    ("Pat Constable", "pat.constable@example.police.uk", "police", "Detective Inspector"),
    ("Sam Nurse", "sam.nurse@nhs.net", "acute-trust", "Named nurse, safeguarding"),
    ("Lee Social", "lee.social@exampleshire.gov.uk", "adult-social-care", "Head of service"),
]


def add_members(session: Session, case: Case, count: int = 3) -> list[PanelMember]:
    """Panel members for ``case``, as the panel pages add them (flushed)."""
    rows = []
    for name, email, key, role in MEMBERS[:count]:
        agency = session.scalar(
            select(Agency).where(Agency.partnership_id == case.partnership_id, Agency.key == key)
        )
        rows.append(
            PanelMember(
                partnership_id=case.partnership_id, case_id=case.id, name=name, email=email,
                agency_id=agency.id if agency else None, role=role,
            )
        )  # fmt: skip
    session.add_all(rows)
    session.flush()
    return rows


def sent_draft(
    session: Session,
    partnership: Partnership,
    *,
    case: Case | None = None,
    members: list[PanelMember] | None = None,
    at: dt.datetime = SENT_AT,
    deadline: dt.date = DEADLINE,
    title: str = TITLE,
    note: str | None = "Sections 4 and 5 are new.",
) -> FeedbackRequest:
    """A draft sent at ``at`` to every member (flushed, not committed)."""
    case = case or make_case(session, partnership)
    members = members if members is not None else add_members(session, case)
    with clock.frozen_at(at):
        request = feedback.send(
            session, case, title=title, filename="overview.pdf", data=DRAFT, note=note,
            deadline=deadline, member_ids=[m.id for m in members], created_by=None,
            actor="test",
        )  # fmt: skip
    session.flush()
    return request


def answered(
    session: Session,
    recipient: FeedbackRecipient,
    *,
    at: dt.datetime = ANSWERING_AT,
    comments: str | None = "Paragraph 4.2 should say when the GP last saw her.",
    name: str = "Pat Constable",
) -> FeedbackRecipient:
    """The member's answer at ``at`` (committed); no comments when ``comments`` is None."""
    with clock.frozen_at(at):
        row, _first = feedback_answers.answer(
            session, recipient.id, no_comments=comments is None, comments=comments, name=name
        )
    session.commit()
    return row


def link_path(session: Session, recipient: FeedbackRecipient) -> str:
    """The member's link as a path on the test client (``/comments?token=...``)."""
    url = links.current_url(session, recipient)
    assert url, "the member has no working link"
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
