"""Chasing late agencies: each chaser and escalation exactly once, on working days, whatever
runs twice or loses its memory. The sweep runs in this process, as at each moment; where two
schedulers sweep at once, as two `dhr sweep --at` processes started together.

The factories' trawl goes to five agencies on Monday 7 December 2026 and is due on Monday 21
December; the first chaser goes on Tuesday 22nd at 09:00, the second on Monday 4 January 2027
(over Christmas, the bank holidays and the example partnership's closure days).
"""

from __future__ import annotations

import datetime as dt
import re

import redis
from sqlalchemy import select

from service import clock, db, runtime
from service.models import (
    AuditEvent,
    Case,
    CaseStatus,
    MessageStatus,
    TrawlExtension,
    TrawlRequest,
)
from service.trawls import extensions, links, messages, returns, sending
from tests.delivered import delivered_text
from tests.jobs import run_worker_burst
from tests.sweeping import check_count, sweep_outputs_at_once
from tests.sweeping import outbox as all_messages
from tests.sweeping import sweep_here as sweep_once
from tests.trawls.factories import PEOPLE, agencies, make_case, sent_trawl
from workers import sweep as sweep_mod

UTC = dt.UTC
FIRST = dt.datetime(2026, 12, 22, 9, 0, tzinfo=UTC)  # 09:00 London (GMT)
SECOND = dt.datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
THIRD = dt.datetime(2027, 1, 7, 9, 0, tzinfo=UTC)
MINUTE = dt.timedelta(minutes=1)
CHASER, ESCALATION, OFFICER = (
    messages.CHASER.name,
    messages.ESCALATION.name,
    messages.ESCALATION_OFFICER.name,
)
NAMES = [p["name"] for p in PEOPLE]


def chasers_in(output: str) -> int:
    return check_count(output, "trawl chasers")


def sweeps_at_once(env: dict, at: dt.datetime) -> list[int]:
    """Two `dhr sweep --at` processes started together; the chasers each one sent."""
    return [chasers_in(out) for out in sweep_outputs_at_once(env, at)]


def sweep_here(at: dt.datetime) -> int:
    """One sweep in this process (quicker where no second process is the point)."""
    return sweep_once(at)["trawl chasers"]


outbox = all_messages


def recipients(session, purpose: str) -> list[str]:
    return sorted(m.recipient for m in outbox(session, purpose))


def row(session, request_id: int) -> TrawlRequest:
    session.rollback()
    session.expire_all()
    return session.get(TrawlRequest, request_id)


def audit_actions(session, action: str) -> list[AuditEvent]:
    session.rollback()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def submit(session, request: TrawlRequest, at: dt.datetime, *, involvement: bool) -> None:
    with clock.frozen_at(at):
        returns.submit(session, request, {"systems_checked": "All"}, involvement=involvement)
    session.commit()


def extend(session, request: TrawlRequest, new_date: dt.date, asked: dt.datetime,
           approved: dt.datetime) -> None:  # fmt: skip
    """The agency asks for more time and the officer approves it."""
    with clock.frozen_at(asked):
        ext = extensions.request(session, request, new_date=new_date, reason="Records archived")
    session.commit()
    with clock.frozen_at(approved):
        extensions.decide(session, ext, approve=True, actor="test", user_id=None)
    session.commit()


def address(request: TrawlRequest) -> str:
    return request.agency.secure_addresses[0]


def test_five_agencies_two_return_three_are_chased_then_escalated_exactly_once(
    cli_env, session, partnership
):
    """Time walks through the sweep in this process; at the second chaser, which escalates, two
    `dhr sweep --at` processes race for each chaser and escalation."""
    trawl = sent_trawl(session, partnership)
    session.commit()
    case = session.get(Case, trawl.case_id)
    found, no_trace, silent, late, extended = trawl.requests
    ids = {r.agency.key: r.id for r in trawl.requests}
    submit(session, found, dt.datetime(2026, 12, 15, 11, tzinfo=UTC), involvement=True)
    submit(session, no_trace, dt.datetime(2026, 12, 18, 14, tzinfo=UTC), involvement=False)

    # Nothing before the morning after the due date.
    assert sweep_here(dt.datetime(2026, 12, 21, 17, tzinfo=UTC)) == 0
    assert sweep_here(FIRST - MINUTE) == 0
    assert outbox(session, CHASER) == []

    # Tuesday 22 December, 09:00: one chaser each for the three.
    assert sweep_here(FIRST) == 3
    chasers = outbox(session, CHASER)
    assert sorted(m.recipient for m in chasers) == sorted(map(address, (silent, late, extended)))
    for message in chasers:
        assert message.subject == (
            f"OFFICIAL-SENSITIVE: Reminder: trawl return overdue [{case.reference}]"
        )
        assert "reply by 21 December 2026" in message.body_text
        assert message.status is MessageStatus.QUEUED and message.policy == "secure"
        for name in NAMES:
            assert name not in message.body_text and name not in message.body_html
    for request in (silent, late, extended):
        chased = row(session, request.id)
        assert (chased.chasers_sent, chased.chasers_this_round) == (1, 1)
        assert chased.last_chased_at == FIRST and chased.next_chaser_at == SECOND
        assert chased.escalated_at is None
        (message,) = [m for m in chasers if m.recipient == address(request)]
        assert links.current_url(session, chased) in delivered_text(message)
    assert row(session, found.id).chasers_sent == 0
    assert row(session, no_trace.id).next_chaser_at is None

    # Redis is emptied; sweeps until the second chaser find nothing to do.
    redis.Redis.from_url(runtime.settings().REDIS_URL).flushall()
    for at in (FIRST + MINUTE, dt.datetime(2026, 12, 24, 9, tzinfo=UTC),
               dt.datetime(2026, 12, 29, 9, tzinfo=UTC), SECOND - MINUTE):  # fmt: skip
        assert sweep_here(at) == 0, at
    assert len(outbox(session, CHASER)) == 3

    # One agency asks for more time after its first chaser; the officer agrees to 8 January.
    extend(session, row(session, extended.id), dt.date(2027, 1, 8),
           asked=dt.datetime(2026, 12, 23, 10, tzinfo=UTC),
           approved=dt.datetime(2026, 12, 24, 10, tzinfo=UTC))  # fmt: skip
    moved = row(session, extended.id)
    assert moved.due_date == dt.date(2027, 1, 8)
    assert moved.next_chaser_at == dt.datetime(2027, 1, 11, 9, tzinfo=UTC)
    assert moved.chasers_this_round == 0

    # Monday 4 January: two schedulers sweep at once; the second chaser for the two still
    # silent, and escalation for each.
    assert sorted(sweeps_at_once(cli_env, SECOND)) in ([0, 2], [1, 1])
    assert recipients(session, CHASER) == sorted(
        [address(silent)] * 2 + [address(late)] * 2 + [address(extended)]
    )
    assert recipients(session, ESCALATION) == sorted(
        r.agency.escalation_contact for r in (silent, late)
    )
    officer = outbox(session, OFFICER)
    assert [m.recipient for m in officer] == ["dhr.officer@exampleshire.gov.uk"] * 2
    for message in officer:
        assert message.subject == (
            f"OFFICIAL-SENSITIVE: Trawl return overdue: agency escalated [{case.reference}]"
        )
        assert f"https://dhr.exampleshire.gov.uk/console/cases/{case.id}/trawls" in (
            message.body_text
        )
    named = sorted(
        a.name for a in (silent.agency, late.agency) for m in officer if a.name in m.body_text
    )
    assert named == sorted([silent.agency.name, late.agency.name])
    for message in outbox(session, ESCALATION, OFFICER):
        for name in NAMES:
            assert name not in message.body_text and name not in message.body_html
        assert "token=" not in message.body_text  # the agency's link stays with the agency
    assert row(session, silent.id).escalated_at == SECOND

    # A return after the second chaser stops the chasers for that agency.
    submit(session, row(session, late.id), SECOND + dt.timedelta(hours=3), involvement=True)
    redis.Redis.from_url(runtime.settings().REDIS_URL).flushall()

    # Thursday 7 January: the third chaser for the one still silent, and no new escalation.
    assert sweep_here(THIRD) == 1
    assert sweep_here(THIRD + MINUTE) == 0
    assert recipients(session, CHASER).count(address(silent)) == 3
    assert len(outbox(session, ESCALATION)) == 2

    # The extended agency is chased from its new date: Monday 11 January, then 14 January
    # (the second of its new round, so escalated); the silent one on the 12th.
    assert sweep_here(dt.datetime(2027, 1, 11, 9, tzinfo=UTC)) == 1
    assert sweep_here(dt.datetime(2027, 1, 12, 9, tzinfo=UTC)) == 1
    assert len(outbox(session, ESCALATION)) == 2
    assert sweep_here(dt.datetime(2027, 1, 14, 9, tzinfo=UTC)) == 1
    assert recipients(session, ESCALATION) == sorted(
        r.agency.escalation_contact for r in (silent, late, extended)
    )
    assert len(outbox(session, OFFICER)) == 3
    latest = [m for m in outbox(session, CHASER) if m.recipient == address(extended)][-1]
    assert "reply by 8 January 2027" in latest.body_text

    chased = {key: row(session, i).chasers_sent for key, i in ids.items()}
    assert chased == {
        found.agency.key: 0, no_trace.agency.key: 0, silent.agency.key: 4,
        late.agency.key: 2, extended.agency.key: 3,
    }  # fmt: skip
    assert len(audit_actions(session, "trawl.chaser_sent")) == 9
    escalated = audit_actions(session, "trawl.escalated")
    assert sorted(int(e.object_id) for e in escalated) == sorted([silent.id, late.id, extended.id])
    assert all(e.detail["escalation_contact"] and e.detail["dhr_officer"] for e in escalated)


def test_an_extension_approved_before_the_due_date_moves_the_first_chaser(
    settings, session, partnership
):
    trawl = sent_trawl(session, partnership, agency_count=2)
    session.commit()
    on_time, extended = trawl.requests
    # Asked for Thursday 24 December: the first chaser is then after Christmas and the
    # closure days, on Monday 4 January.
    extend(session, extended, dt.date(2026, 12, 24),
           asked=dt.datetime(2026, 12, 10, 10, tzinfo=UTC),
           approved=dt.datetime(2026, 12, 11, 10, tzinfo=UTC))  # fmt: skip
    assert row(session, extended.id).next_chaser_at == SECOND

    assert sweep_here(FIRST) == 1
    assert recipients(session, CHASER) == [address(on_time)]
    assert sweep_here(SECOND) == 2  # the second for one, the first for the other
    assert row(session, extended.id).chasers_this_round == 1
    assert recipients(session, ESCALATION) == [on_time.agency.escalation_contact]
    (chaser,) = [m for m in outbox(session, CHASER) if m.recipient == address(extended)]
    assert "reply by 24 December 2026" in chaser.body_text


def test_a_new_round_after_an_extension_escalates_again(settings, session, partnership):
    trawl = sent_trawl(session, partnership, agency_count=1)
    session.commit()
    (request,) = trawl.requests
    assert sweep_here(FIRST) == 1
    assert sweep_here(SECOND) == 1
    assert len(outbox(session, ESCALATION)) == 1
    later = dt.timedelta(hours=2)
    extend(session, row(session, request.id), dt.date(2027, 1, 15),
           asked=SECOND + later, approved=SECOND + 2 * later)  # fmt: skip
    assert sweep_here(THIRD) == 0
    assert sweep_here(dt.datetime(2027, 1, 18, 9, tzinfo=UTC)) == 1
    assert len(outbox(session, ESCALATION)) == 1
    assert sweep_here(dt.datetime(2027, 1, 21, 9, tzinfo=UTC)) == 1
    assert len(outbox(session, ESCALATION)) == 2
    assert len(outbox(session, OFFICER)) == 2
    assert row(session, request.id).escalated_at == dt.datetime(2027, 1, 21, 9, tzinfo=UTC)


def test_a_sweep_after_a_week_off_sends_one_chaser_not_a_burst(settings, session, partnership):
    trawl = sent_trawl(session, partnership, agency_count=2)
    session.commit()
    back_on = dt.datetime(2027, 1, 9, 15, 0, tzinfo=UTC)  # a Saturday, a fortnight late
    assert sweep_here(back_on) == 2
    assert sweep_here(back_on + MINUTE) == 0
    assert len(outbox(session, CHASER)) == 2
    assert outbox(session, ESCALATION, OFFICER) == []
    for request in trawl.requests:
        chased = row(session, request.id)
        assert chased.chasers_sent == 1
        # Three working days from when it went: Monday 11, Tuesday 12, Wednesday 13.
        assert chased.next_chaser_at == dt.datetime(2027, 1, 13, 9, tzinfo=UTC)


def test_a_return_submitted_after_the_sweep_read_the_row_wins(settings, session, partnership):
    """The chaser's claim checks there is still no return, so a return landing between the
    sweep's read and its update stops the chaser."""
    from service.requests import chasing

    trawl = sent_trawl(session, partnership, agency_count=1)
    session.commit()
    (request,) = trawl.requests
    with db.transaction() as s:
        stale = s.get(TrawlRequest, request.id)
        s.expunge(stale)  # what the sweep read
    submit(session, row(session, request.id), FIRST - MINUTE, involvement=False)
    with clock.frozen_at(FIRST), db.transaction() as s:
        assert chasing.chase(sending.TRAWL, s, stale, FIRST) is False
    assert outbox(session, CHASER) == []
    assert row(session, request.id).chasers_sent == 0


def test_a_revoked_link_is_not_replaced_the_chaser_asks_them_to_get_in_touch(
    settings, session, partnership
):
    trawl = sent_trawl(session, partnership, agency_count=1)
    (request,) = trawl.requests
    links.revoke(session, request)
    session.commit()
    assert sweep_here(FIRST) == 1
    (chaser,) = outbox(session, CHASER)
    assert "token=" not in chaser.body_text and "token=" not in chaser.body_html
    assert "The link we sent you no longer works" in chaser.body_text
    assert "dhr@exampleshire.gov.uk" in chaser.body_text
    assert links.current(session, row(session, request.id)) is None
    (event,) = audit_actions(session, "trawl.chaser_sent")
    assert event.detail == {"agency_id": request.agency_id, "chaser": 1, "with_link": False}


def test_an_agency_without_a_secure_address_gets_the_content_free_notice(
    settings, session, partnership
):
    case = make_case(session, partnership)
    insecure = next(a for a in partnership.agencies if a.key == "drug-alcohol-service")
    with clock.frozen_at(dt.datetime(2026, 12, 7, 10, tzinfo=UTC)):
        trawl = sending.start(session, case, created_by=None)
        trawl.agency_ids = [insecure.id]
        (request,) = sending.send(session, trawl, actor="test")
    session.commit()
    assert request.link_withheld
    assert sweep_here(FIRST) == 1
    assert sweep_here(SECOND) == 1
    notices = outbox(session, CHASER)
    assert [m.recipient for m in notices] == [insecure.secure_addresses[0]] * 2
    for notice in notices:
        assert notice.policy == "notice" and not notice.sensitive
        assert notice.subject == f"OFFICIAL-SENSITIVE: Message waiting [{case.reference}]"
        assert "token=" not in notice.body_text and "21 December" not in notice.body_text
    # Its escalation contact is not on a secure domain either: a notice too.
    (escalation,) = outbox(session, ESCALATION)
    assert escalation.policy == "notice"
    (officer,) = outbox(session, OFFICER)
    assert officer.policy == "secure" and insecure.name in officer.body_text


def test_without_an_escalation_contact_only_the_officer_is_told(settings, session, partnership):
    (agency,) = agencies(session, partnership, 1)
    agency.escalation_contact = None
    sent_trawl(session, partnership, agency_count=1)
    session.commit()
    sweep_here(FIRST)
    sweep_here(SECOND)
    assert outbox(session, ESCALATION) == []
    (officer,) = outbox(session, OFFICER)
    assert "It has no escalation contact" in officer.body_text
    (event,) = audit_actions(session, "trawl.escalated")
    assert event.detail["escalation_contact"] is False and event.detail["dhr_officer"] is True


def test_an_agency_with_no_address_is_chased_once_it_has_one(settings, session, partnership):
    trawl = sent_trawl(session, partnership, agency_count=1)
    (request,) = trawl.requests
    request.agency.secure_addresses = []
    session.commit()
    assert sweep_here(FIRST) == 0
    assert sweep_here(FIRST + MINUTE) == 0
    assert row(session, request.id).chasers_sent == 0
    row(session, request.id).agency.secure_addresses = ["new.safeguarding@exampleshire.gov.uk"]
    session.commit()
    assert sweep_here(FIRST + 2 * MINUTE) == 1
    assert recipients(session, CHASER) == ["new.safeguarding@exampleshire.gov.uk"]


def test_a_closed_case_is_not_chased(settings, session, partnership):
    trawl = sent_trawl(session, partnership, agency_count=2)
    session.get(Case, trawl.case_id).status = CaseStatus.CLOSED
    session.commit()
    assert sweep_here(SECOND) == 0
    assert outbox(session, CHASER) == []


def test_a_pending_extension_request_does_not_stop_the_chasers(settings, session, partnership):
    trawl = sent_trawl(session, partnership, agency_count=1)
    (request,) = trawl.requests
    with clock.frozen_at(dt.datetime(2026, 12, 21, 16, tzinfo=UTC)):
        extensions.request(session, request, new_date=dt.date(2027, 1, 29), reason="Staffing")
    session.commit()
    assert sweep_here(FIRST) == 1
    (chaser,) = outbox(session, CHASER)
    assert "You have asked for more time" in chaser.body_text
    assert session.scalar(select(TrawlExtension.status)) == "requested"


def test_chasers_are_delivered_with_the_agencys_own_link_and_no_names(
    settings, session, partnership, mail_server
):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    trawl = sent_trawl(session, partnership, agency_count=2)
    session.commit()
    case = session.get(Case, trawl.case_id)
    with clock.frozen_at(FIRST):
        assert sweep_mod.run(FIRST).checks["trawl chasers"] == 2
        run_worker_burst()
    received = {}
    for got in mail_server.messages:
        received.setdefault(got.message["Subject"], {})[got.rcpt_tos[0]] = got.message
    request_subject = (
        "OFFICIAL-SENSITIVE: Request to search your records for a Domestic Homicide Review "
        f"[{case.reference}]"
    )
    chaser_subject = f"OFFICIAL-SENSITIVE: Reminder: trawl return overdue [{case.reference}]"
    # The same morning the DHR officer gets the collated summary of what is outstanding.
    summary_subject = (
        f"OFFICIAL-SENSITIVE: Collated summary: trawl due date passed [{case.reference}]"
    )
    assert set(received) == {request_subject, chaser_subject, summary_subject}
    assert sorted(received[chaser_subject]) == sorted(map(address, trawl.requests))
    for request in trawl.requests:
        chaser = received[chaser_subject][address(request)]
        body = chaser.get_body(("plain",)).get_content()
        first = received[request_subject][address(request)].get_body(("plain",)).get_content()
        link = re.search(r"https://\S+/return\?token=\S+", body).group(0)
        assert link == re.search(r"https://\S+/return\?token=\S+", first).group(0)
        assert link == links.current_url(session, row(session, request.id))
        assert f'href="{link}"' in chaser.get_body(("html",)).get_content()
        for name in NAMES:
            assert name not in chaser["Subject"] and name not in body
    assert all(m.status is MessageStatus.SENT for m in outbox(session, CHASER))


def test_one_long_lived_session_sweeping_again_and_again_sends_every_chaser(
    settings, session, partnership
):
    """As `dhr scheduler` does: every sweep in the same session, with the rows it read last
    time still in memory (held here), so each sweep must read the counts afresh."""
    trawl = sent_trawl(session, partnership, agency_count=2)
    session.commit()
    held = list(trawl.requests)
    assert [sweep_here(at) for at in (FIRST, SECOND, THIRD)] == [2, 2, 2]
    assert [row(session, r.id).chasers_sent for r in held] == [3, 3]
