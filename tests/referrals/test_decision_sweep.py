"""The sweep's referral checks: decision reminders sent exactly once, and drafts nobody came
back to deleted. The sweep runs in this process, as at each moment; two `dhr sweep --at`
processes at once prove that concurrent sweeps still send each reminder once."""

from __future__ import annotations

import subprocess
from datetime import timedelta

from sqlalchemy import select

from service import clock, db, runtime, tokens
from service.models import AccessToken, AuditEvent, Message, Referral, ReferralStatus
from service.referrals import drafts
from tests.conftest import DHR
from tests.referrals.conftest import SUBMITTED_AT
from tests.referrals.factories import complete_answers, draft_referral
from tests.sweeping import check_count, sweep_here, sweep_outputs_at_once

DUE_AT = SUBMITTED_AT + timedelta(days=30)  # the example partnership decides in 30 days
DUE = "referral.decision_due"
OVERDUE = "referral.decision_overdue"


def sweep(env, at):
    """One `dhr sweep --at` process, as an operator runs it; what it printed."""
    run = subprocess.run(
        [*DHR, "sweep", "--at", at.isoformat()], env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run.stdout


def messages(session, purpose=None):
    session.rollback()
    session.expire_all()
    query = select(Message).order_by(Message.created_at, Message.id)
    if purpose:
        query = query.where(Message.purpose == purpose)
    return list(session.scalars(query))


def reminders(at) -> int:
    """One sweep in this process; the decision reminders it sent."""
    return sweep_here(at)["referral decision reminders"]


def drafts_deleted(at) -> int:
    """One sweep in this process; the expired drafts it deleted."""
    return sweep_here(at)["expired referral drafts deleted"]


def referral_row(session, referral_id):
    session.rollback()
    session.expire_all()
    return session.get(Referral, referral_id)


def test_a_reminder_a_week_before_then_one_when_overdue(session, partnership, make_referral):
    referral = make_referral(partnership)
    assert reminders(DUE_AT - timedelta(days=8)) == 0
    assert messages(session) == []

    assert reminders(DUE_AT - timedelta(days=7)) == 1
    (due,) = messages(session, DUE)
    assert due.recipient == "dhr.officer@exampleshire.gov.uk"
    assert due.subject == "OFFICIAL-SENSITIVE: Referral decision due in 7 days [ABCDEFGHJK]"
    assert "7 November 2026" in due.body_text
    assert f"https://dhr.exampleshire.gov.uk/console/referrals/{referral.id}" in due.body_text
    # The reference and the date only: nothing the referral says about anyone.
    answers = complete_answers()
    for value in (answers["deceased_name"], answers["suspect_name"], "Example Street"):
        assert value not in due.body_text and value not in (due.body_html or "")
    assert referral_row(session, referral.id).reminder_sent_at is not None

    assert reminders(DUE_AT - timedelta(days=3)) == 0
    assert len(messages(session)) == 1

    assert reminders(DUE_AT) == 1
    (overdue,) = messages(session, OVERDUE)
    assert overdue.subject == "OFFICIAL-SENSITIVE: Referral decision overdue [ABCDEFGHJK]"
    assert "was due on 7 November 2026" in overdue.body_text
    assert "Alex Example" not in overdue.body_text

    sweep_here(DUE_AT + timedelta(days=10))
    assert [m.purpose for m in messages(session)] == [DUE, OVERDUE]


def test_a_referral_first_seen_overdue_gets_only_the_overdue_reminder(
    session, partnership, make_referral
):
    referral = make_referral(partnership)
    sweep_here(DUE_AT + timedelta(days=1))
    assert [m.purpose for m in messages(session)] == [OVERDUE]
    row = referral_row(session, referral.id)
    assert row.overdue_sent_at is not None and row.reminder_sent_at is not None
    sweep_here(DUE_AT + timedelta(days=2))
    assert len(messages(session)) == 1


def test_decided_referrals_and_drafts_get_no_reminders(session, partnership, make_referral):
    make_referral(partnership, "ABCDEFGHJK", meets_criteria="no", decided_at=SUBMITTED_AT,
                  status=ReferralStatus.NOT_ACCEPTED)  # fmt: skip
    make_referral(partnership, "BCDEFGHJKL", meets_criteria="yes", decided_at=SUBMITTED_AT)
    sweep_here(DUE_AT + timedelta(days=1))
    assert messages(session) == []


def test_two_sweeps_at_once_send_each_reminder_once(cli_env, session, partnership, make_referral):
    ids = [make_referral(partnership, f"ABCDEFGH{n:02d}").id for n in range(8)]
    # Half are a week from due, half are overdue.
    with db.transaction() as s:
        for n, referral_id in enumerate(ids):
            if n % 2:
                s.get(Referral, referral_id).decision_due_at = DUE_AT - timedelta(days=10)

    outputs = sweep_outputs_at_once(cli_env, DUE_AT - timedelta(days=6))
    assert sum(check_count(out, "referral decision reminders") for out in outputs) == 8
    assert len(messages(session, DUE)) == 4
    assert len(messages(session, OVERDUE)) == 4

    runtime.redis().flushdb()  # as if Redis were lost: the database still knows what was sent
    assert reminders(DUE_AT) == 4
    assert len(messages(session, DUE)) == 4
    assert len(messages(session, OVERDUE)) == 8
    assert sorted(m.reference for m in messages(session, OVERDUE)) == sorted(
        f"ABCDEFGH{n:02d}" for n in range(8)
    )


def test_drafts_past_their_expiry_are_deleted_with_their_links(session, partnership):
    now = clock.now()
    old = draft_referral(session, partnership)
    old.expires_at = now - timedelta(minutes=1)
    fresh_draft = draft_referral(session, partnership)
    fresh_draft.expires_at = now + timedelta(days=1)
    for draft in (old, fresh_draft):
        tokens.issue(
            session, purpose=drafts.RESUME, subject_type="referral", subject_id=draft.id,
            partnership_id=partnership.id, expires_at=draft.expires_at,
        )  # fmt: skip
    session.commit()
    old_id, fresh_id = old.id, fresh_draft.id

    assert drafts_deleted(now) == 1
    session.rollback()
    session.expire_all()
    assert session.get(Referral, old_id) is None
    assert session.get(Referral, fresh_id) is not None
    links = session.scalars(
        select(AccessToken.subject_id).where(AccessToken.purpose == "referral-draft")
    )
    assert list(links) == [str(fresh_id)]
    (event,) = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral.draft_deleted")
    ).all()
    assert (event.object_type, event.object_id) == ("referral", str(old_id))
    assert event.partnership_id == partnership.id
    assert event.detail == {}

    assert drafts_deleted(now) == 0
    # The fresh one goes once its 28 days have passed.
    assert drafts_deleted(now + timedelta(days=2)) == 1


def test_submitted_referrals_are_never_deleted_as_drafts(session, partnership, make_referral):
    referral = make_referral(partnership, expires_at=SUBMITTED_AT)
    sweep_here(DUE_AT + timedelta(days=365))
    assert referral_row(session, referral.id) is not None
