"""The retention schedule over its whole length, swept as the scheduler sweeps: a referral not
taken forward, a closed case, a case under a legal hold, sent and held messages. Each goes
exactly when due and not a day before; the held case is untouched; the 30-day notice goes once;
and afterwards a search of every table and every stored file finds none of the people, while the
statistics still count the case."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from mail import outbox
from service import clock, demo_data
from service.auth import scope
from service.models import (
    AttachmentBlob,
    AuditEvent,
    Case,
    CaseClosure,
    CaseOutcome,
    CasePerson,
    Message,
    MessageAttachment,
    MessageStatus,
    Referral,
    Role,
    StoredFile,
    TrawlRequest,
)
from service.panels import meetings, members, papers
from service.referrals import decisions
from service.retention import closing, holds
from service.trawls import statistics
from tests.console import make_user
from tests.referrals.factories import complete_answers
from tests.retention.searching import find
from tests.sweeping import sweep_here
from tests.uploads.files import pdf

DAY = dt.timedelta(days=1)
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)  # a Monday
CLOSED_ON = dt.date(2026, 6, 1)
#: The example partnership keeps a closed case 6 years, at its dispatch hour (09:00 London, BST).
DELETE_AT = dt.datetime(2032, 6, 1, 8, 0, tzinfo=dt.UTC)
NOTICE_AT = DELETE_AT - dt.timedelta(days=30)

PEOPLE = [p["name"] for p in demo_data.PARTWAY_PEOPLE] + ["Charlie Example"]
BIRTHS = [p["date_of_birth"] for p in demo_data.PARTWAY_PEOPLE]
REFERRAL_PEOPLE = [complete_answers()["deceased_name"], complete_answers()["suspect_name"]]
REFERRAL_BIRTHS = [dt.date.fromisoformat(complete_answers()["deceased_dob"])]
HELD_PEOPLE = [p["name"] for p in demo_data.DEMO_PEOPLE]


def _deliver_everything_queued(session, at):
    """Every queued message sent at ``at``, through the outbox's own status changes."""
    with clock.frozen_at(at):
        for message_id in session.scalars(
            select(Message.id).where(Message.status == MessageStatus.QUEUED)
        ).all():
            assert outbox.claim(session, message_id, at)
            message = session.get(Message, message_id)
            session.refresh(message)
            assert outbox.mark_sent(session, message_id, message.claimed_at, "250 OK")
    session.commit()


def _panel_paper_naming_the_victim(session, case):
    """A panel with a paper that names the victim in plain text, dispatched to its member."""
    member = members.add(
        session,
        case,
        name="Pat Panel",
        email="pat.panel@example.police.uk",
        agency=None,
        role=None,
        actor="test",
    )
    details = meetings.Details(
        date=(T0 + 20 * DAY).date(),
        start=dt.time(10, 0),
        duration_minutes=60,
        location="Room 1",
        joining_details=None,
        note=None,
    )
    meeting, _ = meetings.schedule(
        session, case, details, [member.id], created_by=None, actor="test"
    )
    papers.add_paper(
        session,
        meeting,
        title="Chronology",
        filename="chronology.pdf",
        data=pdf("Jordan Example born 3 May 1979"),
        uploaded_by=None,
        actor="test",
    )
    session.flush()
    return meeting


def _world(session, partnership):
    officer = make_user(session, partnership, Role.OFFICER)
    with clock.frozen_at(T0):
        case = demo_data.ensure_partway_case(session, partnership)
        _panel_paper_naming_the_victim(session, case)
        held_case = demo_data.ensure_case(session, partnership)
        demo_data._send_trawl(session, held_case, partnership, ("police",), T0)
        holds.place(
            session, held_case, reason="Criminal proceedings", user_id=officer.id, actor="test"
        )
        demo_data.seed_outbox(session, partnership)  # a failed and a held message
        referral = Referral(
            partnership_id=partnership.id,
            reference="NOTFORWARD",
            status=decisions.ReferralStatus.SUBMITTED,
            answers=complete_answers(),
            submitted_at=T0 - 10 * DAY,
        )
        session.add(referral)
        session.flush()
        decisions.record_decision(
            session,
            referral,
            meets_criteria="no",
            relevant_people=None,
            trawl_years=None,
            date_received=None,
            date_considered=None,
            recommendation="Not a review",
            date_notified_chair=None,
            date_notified_home_office=None,
            actor="test",
        )
    session.commit()
    return officer, case, held_case, referral


def _stats(session, officer):
    report = statistics.responses(
        session, scope.Scope(officer), dt.date(2025, 1, 1), dt.date(2027, 1, 1), now=T0 + 90 * DAY
    )
    return report.total.requests, report.total.returned


def _messages_about(session, reference):
    session.rollback()
    return list(session.scalars(select(Message).where(Message.reference == reference)))


def test_the_whole_schedule(session, partnership):
    officer, case, held_case, referral = _world(session, partnership)
    referral_id = referral.id
    _deliver_everything_queued(session, T0 + dt.timedelta(hours=1))
    stats_before = _stats(session, officer)
    assert stats_before[0] == 6  # five requests of the closed case, one of the held case
    # Before anything is due, the search does find the people (so it can find them).
    assert {
        "case_person.name",
        "trawl_person.name",
        "message.body_text",
        "stored_file.data",
        "consent_request.name",
        "referral.answers",
        "trawl_person.date_of_birth",
    } <= set(find(session, PEOPLE + REFERRAL_PEOPLE, BIRTHS))

    # --- sent messages: purged outbox_days (30) after sending, held and failed ones kept ----
    sent_at = T0 + dt.timedelta(hours=1)
    sweep_here(sent_at + dt.timedelta(days=30) - DAY)
    assert all(m.content_purged_at is None for m in _messages_about(session, case.reference))
    # The panel's papers went meanwhile (not yet delivered): the paper is an attachment now.
    assert "attachment_blob.data" in find(session, PEOPLE, BIRTHS)
    checks = sweep_here(sent_at + dt.timedelta(days=30))
    assert checks["sent messages' content purged"] > 0
    about_case = _messages_about(session, case.reference)
    purged = [m for m in about_case if m.status is MessageStatus.SENT]
    assert purged and all(m.content_purged_at is not None for m in purged)
    # Sent later (papers, chasers, queued by the sweeps meanwhile): not yet due.
    later = [m for m in about_case if m.status is not MessageStatus.SENT]
    assert later and all(m.content_purged_at is None for m in later)
    one = next(m for m in purged if m.purpose == "trawl.request")
    assert "@" not in one.recipient and one.body_html is None and one.attachments == []
    assert one.status is MessageStatus.SENT and one.message_id_header and one.sent_at
    demo = _messages_about(session, demo_data.DEMO_REFERENCE)
    assert sorted(m.status.value for m in demo) == ["failed", "held"]
    assert all(m.content_purged_at is None and "@" in m.recipient for m in demo)

    # --- the referral not taken forward: 12 months after the decision ------------------------
    decided = clock.as_utc(session.get(Referral, referral_id).decided_at)
    sweep_here(decided.replace(year=2027) - DAY)
    assert session.get(Referral, referral_id) is not None
    sweep_here(decided.replace(year=2027))
    session.rollback()
    assert session.get(Referral, referral_id) is None
    assert find(session, REFERRAL_PEOPLE, REFERRAL_BIRTHS) == []

    # --- the cases are closed (one is under a legal hold) -------------------------------------
    with clock.frozen_at(dt.datetime(2026, 6, 3, 12, 0, tzinfo=dt.UTC)):
        for c in (case, held_case):
            closing.close(
                session,
                session.get(Case, c.id),
                outcome=CaseOutcome.PUBLISHED,
                ended_on=CLOSED_ON,
                user_id=officer.id,
                actor="test",
            )
    session.commit()
    assert session.get(CaseClosure, case.id).delete_at == DELETE_AT

    # --- the notice, 30 days before, once ------------------------------------------------------
    sweep_here(NOTICE_AT - DAY)
    assert _messages_about(session, case.reference)[-1].purpose != "case.deletion_notice"
    sweep_here(NOTICE_AT)
    sweep_here(NOTICE_AT + DAY)
    notices = list(
        session.scalars(select(Message).where(Message.purpose == "case.deletion_notice"))
    )
    assert [(n.reference, n.recipient) for n in notices] == [
        (case.reference, "dhr.officer@exampleshire.gov.uk")
    ]
    assert "1 June 2032" in notices[0].body_text

    # --- the deletion: not a day before, then exactly when due ---------------------------------
    sweep_here(DELETE_AT - DAY)
    assert session.scalar(select(func.count()).where(CasePerson.case_id == case.id)) == 3
    checks = sweep_here(DELETE_AT)
    assert checks["closed cases' personal data deleted"] == 1
    sweep_here(DELETE_AT + dt.timedelta(days=400))  # later sweeps leave the stub alone
    session.rollback()

    assert find(session, PEOPLE, BIRTHS) == []
    # The stub: reference, dates, outcome, counts; the statistics still count the case.
    stub = session.get(Case, case.id)
    closure = session.get(CaseClosure, case.id)
    assert stub.reference == case.reference and stub.status.value == "closed"
    assert closure.outcome is CaseOutcome.PUBLISHED and closure.ended_on == CLOSED_ON
    assert closure.counts["people"] == 3 and closure.counts["trawl_returns"] == 4
    assert closure.counts["imr_submissions"] == 1 and closure.counts["consent_requests"] == 1
    assert _stats(session, officer) == stats_before
    assert (
        session.scalar(
            select(func.count()).select_from(TrawlRequest).where(TrawlRequest.case_id == case.id)
        )
        == 5
    )
    deleted = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.personal_data_deleted")
    ).all()
    assert [e.case_id for e in deleted] == [case.id]
    # No file of the case is left, and no attachment any message still refers to is lost.
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert (
        session.scalar(
            select(func.count())
            .select_from(MessageAttachment)
            .where(~MessageAttachment.sha256.in_(select(AttachmentBlob.sha256)))
        )
        == 0
    )

    # The held case is untouched: its people, and its emails' content.
    assert sorted(find(session, HELD_PEOPLE, [])) != []
    assert session.scalar(select(func.count()).where(CasePerson.case_id == held_case.id)) == 3
    held_messages = _messages_about(session, held_case.reference)
    assert held_messages and all(m.content_purged_at is None for m in held_messages)
    assert session.get(CaseClosure, held_case.id).deleted_at is None
