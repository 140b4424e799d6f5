"""Two sweeps at once (two schedulers): each notice goes once, each case's personal data is
deleted once, each referral and each message's content once, and each is audited once. And a
sweep takes a batch at a time, so it stays short."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select

from mail import outbox as mail_outbox
from service import clock, runtime
from service.models import (
    AuditEvent,
    Case,
    CaseClosure,
    CaseOutcome,
    CasePerson,
    Message,
    MessageStatus,
    Referral,
    ReferralStatus,
)
from service.retention import closing
from tests.referrals.factories import complete_answers
from tests.sweeping import check_count, sweep_here, sweep_outputs_at_once
from tests.trawls.factories import make_case, sent_trawl

SENT = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
CLOSED = dt.datetime(2026, 2, 2, 12, 0, tzinfo=dt.UTC)
DELETE_AT = dt.datetime(2032, 1, 30, 9, 0, tzinfo=dt.UTC)  # 6 years after 30 January 2026


def _closed_cases(session, partnership, n):
    ids = []
    for number in range(n):
        case = make_case(session, partnership, reference=f"EXA-DHR-2026-{number + 10:02d}")
        sent_trawl(session, partnership, case=case, agency_count=2, at=SENT)
        with clock.frozen_at(CLOSED):
            closing.close(session, case, outcome=CaseOutcome.ENDED, ended_on=dt.date(2026, 1, 30),
                          user_id=None, actor="test")  # fmt: skip
        ids.append(case.id)
    with clock.frozen_at(SENT):
        for message_id in session.scalars(select(Message.id)).all():
            assert mail_outbox.claim(session, message_id, SENT)
            claimed = session.get(Message, message_id, populate_existing=True).claimed_at
            assert mail_outbox.mark_sent(session, message_id, claimed, "250 OK")
    for number in range(3):
        session.add(Referral(partnership_id=partnership.id, reference=f"NOTFORWD{number:02d}",
                             status=ReferralStatus.NOT_ACCEPTED, answers=complete_answers(),
                             meets_criteria="no", decided_at=SENT))  # fmt: skip
    session.commit()
    return ids


def _audited(session, action):
    session.rollback()
    return Counter(
        e.object_id for e in session.scalars(select(AuditEvent).where(AuditEvent.action == action))
    )


def test_two_sweeps_at_once_delete_once_and_audit_once(cli_env, session, partnership):
    ids = _closed_cases(session, partnership, 3)
    messages = len(session.scalars(select(Message.id)).all())

    outputs = sweep_outputs_at_once(cli_env, DELETE_AT - dt.timedelta(days=30))
    assert all("FAILED" not in o for o in outputs), outputs
    assert sum(check_count(o, "case deletion notices") for o in outputs) == 3
    left = [(m.purpose, m.status, m.reference, m.sent_at, m.content_purged_at)
            for m in session.scalars(select(Message)) if m.purpose == "trawl.request"]  # fmt: skip
    assert sum(check_count(o, "sent messages' content purged") for o in outputs) == messages, (
        outputs,
        left,
    )
    assert sum(check_count(o, "referrals not taken forward deleted") for o in outputs) == 3
    notices = _audited(session, "case.deletion_notice_sent")
    assert sorted(notices) == sorted(str(i) for i in ids) and set(notices.values()) == {1}
    sent_notices = session.scalars(select(Message).where(Message.purpose == "case.deletion_notice"))
    assert len(sent_notices.all()) == 3
    purged = _audited(session, "message.content_purged")
    assert len(purged) == messages and set(purged.values()) == {1}
    referrals = _audited(session, "referral.deleted")
    assert len(referrals) == 3 and set(referrals.values()) == {1}
    assert session.scalars(select(Referral)).all() == []

    runtime.redis().flushdb()  # as if Redis were lost: the database knows what was done
    outputs = sweep_outputs_at_once(cli_env, DELETE_AT)
    assert sum(check_count(o, "closed cases' personal data deleted") for o in outputs) == 3
    deleted = _audited(session, "case.personal_data_deleted")
    assert sorted(deleted) == sorted(str(i) for i in ids) and set(deleted.values()) == {1}
    assert session.scalars(select(CasePerson)).all() == []
    assert all(session.get(CaseClosure, i).deleted_at for i in ids)
    # Done is done: later sweeps find nothing more.
    outputs = sweep_outputs_at_once(cli_env, DELETE_AT + dt.timedelta(days=1))
    assert sum(check_count(o, "closed cases' personal data deleted") for o in outputs) == 0
    assert len(_audited(session, "case.personal_data_deleted")) == 3
    assert [m.status for m in session.scalars(select(Message).where(  # unsent: cancelled
        Message.purpose == "case.deletion_notice"))] == [MessageStatus.CANCELLED] * 3  # fmt: skip


def test_a_sweep_deletes_a_batch_at_a_time(session, partnership):
    ids = _closed_cases(session, partnership, 7)
    sweep_here(DELETE_AT - dt.timedelta(days=30))
    assert sweep_here(DELETE_AT)["closed cases' personal data deleted"] == 5
    assert sweep_here(DELETE_AT)["closed cases' personal data deleted"] == 2
    session.rollback()
    assert all(session.get(CaseClosure, i).deleted_at for i in ids)
    assert all(session.get(Case, i).reference for i in ids)
