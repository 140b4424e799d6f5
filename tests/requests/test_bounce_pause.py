"""The chasers of a request whose email bounced (``service.requests.bounces``): they wait while the
agency has no address the request reached, skip an address that bounced while another works,
and the request is not treated as overdue meanwhile.

The factories' trawl is sent on Monday 7 December 2026 and due on Monday 21 December; the first
chaser goes on Tuesday 22nd at 09:00, the second on Monday 4 January 2027.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from service import clock
from service.models import Agency, TrawlRequest
from service.requests import bounces, chasing
from service.requests.tracking import waiting_status
from service.trawls import messages, sending
from tests.requests.bouncing import bounce, mark_all_sent
from tests.requests.bouncing import messages as outbox
from tests.sweeping import sweep_here
from tests.trawls.factories import SENT_AT, agencies, sent_trawl

UTC = dt.UTC
FIRST = dt.datetime(2026, 12, 22, 9, 0, tzinfo=UTC)
SECOND = dt.datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
SENT = SENT_AT + dt.timedelta(minutes=1)
BOUNCED_AT = SENT_AT + dt.timedelta(hours=1)
REQUEST, CHASER = messages.REQUEST.name, messages.CHASER.name


def row(session, request_id: int) -> TrawlRequest:
    session.rollback()
    session.expire_all()
    return session.get(TrawlRequest, request_id)


def undelivered_ids(session) -> list[int]:
    """The trawl requests the SQL clause finds undelivered."""
    session.rollback()
    return list(
        session.scalars(
            select(TrawlRequest.id)
            .where(bounces.undelivered(sending.TRAWL))
            .order_by(TrawlRequest.id)
        )
    )


def test_a_request_that_bounced_at_its_only_address_waits_and_is_not_overdue(
    settings, session, partnership
):
    trawl = sent_trawl(session, partnership, agency_count=2)
    session.commit()
    dead, alive = trawl.requests
    dead_id, alive_id = dead.id, alive.id
    dead_address, alive_address = dead.agency.secure_addresses[0], alive.agency.secure_addresses[0]
    mark_all_sent(session, SENT)
    assert undelivered_ids(session) == []
    (email,) = outbox(session, REQUEST, dead_address)
    bounce(email, BOUNCED_AT)

    assert undelivered_ids(session) == [dead_id]
    assert sweep_here(FIRST)["trawl chasers"] == 1
    assert [m.recipient for m in outbox(session, CHASER)] == [alive_address]
    waiting = row(session, dead_id)
    assert (waiting.chasers_sent, waiting.next_chaser_at) == (0, FIRST)  # paused, not moved
    # Asked directly, the engine still will not chase it.
    with clock.frozen_at(SECOND):
        assert chasing.chase(sending.TRAWL, session, waiting, SECOND) is False
        state = bounces.of(session, sending.TRAWL, waiting)
        assert waiting_status(waiting, SECOND, state) == {
            "text": "Email bounced", "classes": "govuk-tag--red", "since": "on 7 December 2026",
        }  # fmt: skip
        assert waiting_status(waiting, SECOND)["text"] == "Overdue"  # what it would say
        assert waiting_status(row(session, alive_id), SECOND)["text"] == "Chased 1 time"
    assert state.dead == {dead_address: BOUNCED_AT} and state.undelivered
    assert sweep_here(SECOND)["trawl chasers"] == 1
    assert row(session, dead_id).escalated_at is None
    assert row(session, alive_id).escalated_at == SECOND
    # The response statistics do not count the request the agency never got as late.
    from service.auth.scope import Scope
    from service.models import Role, User
    from service.trawls import statistics

    officer = User(partnership_id=partnership.id, role=Role.OFFICER, email="o@x.gov.uk")
    report = statistics.responses(
        session, Scope(officer), SENT_AT.date(), SECOND.date(), now=SECOND
    )
    assert report.total.requests == 2 and report.total.decided == 1


def test_a_chaser_that_bounces_stops_the_next_one(settings, session, partnership):
    trawl = sent_trawl(session, partnership, agency_count=1)
    session.commit()
    (request,) = trawl.requests
    request_id = request.id
    mark_all_sent(session, SENT)
    assert sweep_here(FIRST)["trawl chasers"] == 1
    mark_all_sent(session, FIRST + dt.timedelta(minutes=1))
    (chaser,) = outbox(session, CHASER)
    assert undelivered_ids(session) == []  # the request reached the agency; the chaser did too
    bounce(chaser, FIRST + dt.timedelta(hours=1))

    # The mailbox closed after the request arrived: the request it holds stands, but nothing
    # more goes there.
    assert undelivered_ids(session) == [request_id]
    assert sweep_here(SECOND)["trawl chasers"] == 0
    stopped = row(session, request_id)
    assert (stopped.chasers_sent, stopped.escalated_at) == (1, None)


def test_with_two_addresses_the_chaser_skips_the_one_that_bounced(settings, session, partnership):
    (agency,) = agencies(session, partnership, 1)
    first = agency.secure_addresses[0]
    second = f"duty.desk@{first.split('@')[1]}"
    agency.secure_addresses = [first, second]
    session.commit()
    trawl = sent_trawl(session, partnership, agency_count=1)
    session.commit()
    (request,) = trawl.requests
    request_id = request.id
    mark_all_sent(session, SENT)
    assert sorted(m.recipient for m in outbox(session, REQUEST)) == sorted([first, second])
    bounce(outbox(session, REQUEST, first)[0], BOUNCED_AT)

    # The agency got the request at its other address: not undelivered, and chased as usual,
    # there only.
    assert undelivered_ids(session) == []
    state = bounces.of(session, sending.TRAWL, row(session, request_id))
    assert state.dead == {first: BOUNCED_AT} and not state.undelivered
    with clock.frozen_at(FIRST):
        assert waiting_status(row(session, request_id), FIRST, state)["text"] == "Overdue"
    assert sweep_here(FIRST)["trawl chasers"] == 1
    assert [m.recipient for m in outbox(session, CHASER)] == [second]
    assert sweep_here(SECOND)["trawl chasers"] == 1
    assert [m.recipient for m in outbox(session, CHASER)] == [second, second]
    assert row(session, request_id).escalated_at == SECOND
    assert session.get(Agency, agency.id).secure_addresses == [first, second]  # unchanged
