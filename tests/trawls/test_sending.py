"""Sending a trawl, below the console: each draft is sent once, whoever clicks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import db
from service.models import Message, Trawl, TrawlRequest
from service.trawls import sending
from tests.trawls.factories import agencies, make_case


def test_a_draft_sent_twice_at_once_is_sent_once(session, partnership):
    case = make_case(session, partnership)
    draft = sending.start(session, case, created_by=None)
    draft.agency_ids = [a.id for a in agencies(session, partnership, 2)]
    session.commit()

    first, second = (Session(db.engine(), expire_on_commit=False) for _ in range(2))
    try:
        theirs = second.get(Trawl, draft.id)
        people = sending.chosen_people(second, theirs)  # the second officer's page read it
        second.commit()  # (its read ends; the object it loaded stays, still a draft)
        assert theirs.status.value == "draft" and people

        # Each sends in a writing transaction, as the console does (db.transaction()).
        first.connection(execution_options={db.WRITE_OPTION: True})
        sending.send(first, first.get(Trawl, draft.id), actor="officer-1")
        first.commit()
        second.connection(execution_options={db.WRITE_OPTION: True})
        with pytest.raises(sending.SendRefused, match="already been sent"):
            sending.send(second, theirs, actor="officer-2")
        second.rollback()
    finally:
        first.close()
        second.close()

    session.rollback()
    assert session.scalar(select(func.count()).select_from(TrawlRequest)) == 2
    assert session.scalar(select(func.count()).select_from(Message)) == 2


def test_a_trawl_needs_agencies_people_and_a_scoping_period_in_order(session, partnership):
    case = make_case(session, partnership)
    draft = sending.start(session, case, created_by=None)
    draft.agency_ids, draft.person_ids = [], []
    draft.scope_from, draft.scope_to = draft.scope_to, draft.scope_from
    problems = [field for field, _ in sending.check(session, draft).problems]
    assert problems == ["agencies", "people", "scope_from"]
    with pytest.raises(sending.SendRefused):
        sending.send(session, draft, actor="officer")
