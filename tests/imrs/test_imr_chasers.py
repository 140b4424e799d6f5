"""Chasing a late IMR, the sweep run in this process as at each moment: the trawl's engine, so
one chaser on the first working day after the due date, the second escalating to the agency's
escalation contact and the DHR officer, each exactly once, and none after the IMR arrives.
(That two sweeps at once send each chaser once is shown with real processes for the trawl's
chasers, in tests/trawls/test_chasers.py.)"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from service.imrs import links, messages
from service.models import AuditEvent, Case, ImrRequest, Message
from tests.delivered import delivered_text
from tests.imrs.factories import (
    FIRST_CHASER,
    OFFICER_INBOX,
    SECOND_CHASER,
    requested_imr,
    submitted_imr,
)
from tests.sweeping import sweep_here
from tests.trawls.factories import PEOPLE

MINUTE = dt.timedelta(minutes=1)
THIRD_CHASER = dt.datetime(2027, 1, 7, 9, 0, tzinfo=dt.UTC)
NAMES = [p["name"] for p in PEOPLE]


def chasers_at(at: dt.datetime) -> int:
    """One sweep in this process; the IMR chasers it sent."""
    return sweep_here(at)["imr chasers"]


def outbox(session, purpose: str) -> list[Message]:
    session.rollback()
    session.expire_all()
    return list(session.scalars(select(Message).where(Message.purpose == purpose)))


def test_an_overdue_imr_gets_exactly_one_chaser_then_escalation_with_the_second(
    settings, session, partnership
):
    req = requested_imr(session, partnership)
    session.commit()
    case = session.get(Case, req.case_id)
    address = req.agency.secure_addresses[0]
    escalation_contact = req.agency.escalation_contact
    link = links.current_url(session, req)

    assert chasers_at(FIRST_CHASER - MINUTE) == 0
    assert chasers_at(FIRST_CHASER) == 1
    assert chasers_at(FIRST_CHASER + MINUTE) == 0  # once, however often it runs
    (chaser,) = outbox(session, messages.CHASER.name)
    assert chaser.recipient == address
    assert chaser.subject == (
        f"OFFICIAL-SENSITIVE: Reminder: Individual Management Review overdue [{case.reference}]"
    )
    assert "by 21 December 2026" in chaser.body_text and link in delivered_text(chaser)
    for name in NAMES:
        assert name not in chaser.body_text and name not in chaser.subject
    assert outbox(session, messages.ESCALATION.name) == []
    chased = session.get(ImrRequest, req.id)
    assert (chased.chasers_sent, chased.next_chaser_at) == (1, SECOND_CHASER)

    # The second, after Christmas and the closure days, escalates, once.
    assert chasers_at(SECOND_CHASER) == 1
    assert chasers_at(SECOND_CHASER + MINUTE) == 0
    assert [m.recipient for m in outbox(session, messages.CHASER.name)] == [address] * 2
    (escalation,) = outbox(session, messages.ESCALATION.name)
    assert escalation.recipient == escalation_contact
    assert "token=" not in escalation.body_text  # the agency's link stays with the agency
    (officer,) = outbox(session, messages.ESCALATION_OFFICER.name)
    assert officer.recipient == OFFICER_INBOX
    assert f"https://dhr.exampleshire.gov.uk/console/imr-requests/{req.id}" in officer.body_text
    assert session.get(ImrRequest, req.id).escalated_at == SECOND_CHASER
    events = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("imr.%")))
    assert sorted(events) == ["imr.chaser_sent", "imr.chaser_sent", "imr.escalated",
                              "imr.requested"]  # fmt: skip

    # The IMR arrives: no more chasers.
    submitted_imr(session, session.get(ImrRequest, req.id), at=SECOND_CHASER + 3 * MINUTE)
    assert chasers_at(THIRD_CHASER) == 0
    assert len(outbox(session, messages.CHASER.name)) == 2
