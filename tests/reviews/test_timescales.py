"""The review's timescales, by time travel: the weekly reminder of notifications past their
deadline, the report reminders at 8 weeks, 4 weeks and overdue (each once, and moved by an agreed
new date), and the one-month decision moved by correcting the date the referral was received."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from service import clock
from service.models import NotificationKind, Referral, ReviewProgress
from service.reviews import notifications, timescales
from tests.reviews.conftest import decide
from tests.sweeping import check_count, outbox, sweep_here, sweep_outputs_at_once

NOTICES = "decision notification reminders"
REPORT = "overview report reminders"
OFFICER = "dhr.officer@exampleshire.gov.uk"


def fresh(session):
    """What the sweep wrote since (it updates rows behind the loaded objects' backs)."""
    session.rollback()
    session.expire_all()
    return session


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    """``hour`` o'clock London time on ``day``."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.LONDON).astimezone(dt.UTC)


def test_months_are_added_as_the_calendar_has_them():
    assert timescales.add_months(dt.date(2026, 10, 20), 1) == dt.date(2026, 11, 20)
    assert timescales.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert timescales.add_months(dt.date(2026, 12, 15), 1) == dt.date(2027, 1, 15)


def test_unsent_notifications_past_the_month_are_reminded_weekly_and_once_each_week(
    session, decided
):
    referral = decided("yes")  # decided 20 October 2026: due by 20 November
    assert sweep_here(at(dt.date(2026, 11, 20), 12))[NOTICES] == 0
    assert outbox(session) == []

    assert sweep_here(at(dt.date(2026, 11, 21)))[NOTICES] == 1
    assert sweep_here(at(dt.date(2026, 11, 21), 10))[NOTICES] == 0
    (reminder,) = outbox(session, notifications.OVERDUE_REMINDER.name)
    assert reminder.recipient == OFFICER
    assert reminder.subject == (
        f"OFFICIAL-SENSITIVE: Decision notifications not yet sent [{referral.reference}]"
    )
    assert "to the Home Office, due by 20 November 2026" in reminder.body_text
    assert "to the Coroner, due by 20 November 2026" in reminder.body_text
    assert "Alex Example" not in reminder.body_text
    assert f"/console/referrals/{referral.id}/after-decision" in reminder.body_text

    # A week later, another; sending them all stops the reminders.
    assert sweep_here(at(dt.date(2026, 11, 27)))[NOTICES] == 0
    assert sweep_here(at(dt.date(2026, 11, 28)))[NOTICES] == 1
    fresh(session)
    for row in notifications.rows_for(session, referral.id):
        notifications.send(session, row.notification, actor="user:1")
    session.commit()
    assert sweep_here(at(dt.date(2026, 12, 5)))[NOTICES] == 0
    assert sweep_here(at(dt.date(2026, 12, 12)))[NOTICES] == 0
    assert len(outbox(session, notifications.OVERDUE_REMINDER.name)) == 2
    progress = session.scalar(select(ReviewProgress))
    assert progress.notices_reminder_at is None


def test_two_sweeps_at_once_send_one_reminder(cli_env, session, decided):
    decided("yes")
    outputs = sweep_outputs_at_once(cli_env, at(dt.date(2026, 11, 21)))
    assert sorted(check_count(out, NOTICES) for out in outputs) == [0, 1]
    assert len(outbox(session, notifications.OVERDUE_REMINDER.name)) == 1


def test_report_reminders_at_8_weeks_4_weeks_and_overdue_each_once(session, decided):
    referral = decided("yes")
    due = dt.date(2027, 4, 20)  # six months after 20 October 2026
    eight, four = due - dt.timedelta(weeks=8), due - dt.timedelta(weeks=4)
    # Only the report's reminders, from here: the notifications are sent.
    for row in notifications.rows_for(session, referral.id):
        notifications.send(session, row.notification, actor="user:1")
    session.commit()

    assert sweep_here(at(eight, 8))[REPORT] == 0
    assert sweep_here(at(eight))[REPORT] == 1
    assert sweep_here(at(eight) + dt.timedelta(days=3))[REPORT] == 0
    assert sweep_here(at(four))[REPORT] == 1
    assert sweep_here(at(due, 18))[REPORT] == 0  # the whole of the due day is the author's
    assert sweep_here(at(due + dt.timedelta(days=1)))[REPORT] == 1
    assert sweep_here(at(due + dt.timedelta(days=30)))[REPORT] == 0
    reminders = (timescales.REPORT_DUE_8W, timescales.REPORT_DUE_4W, timescales.REPORT_OVERDUE)
    sent = outbox(session, *(p.name for p in reminders))
    assert [m.subject.split(": ", 1)[1] for m in sent] == [
        f"Overview report due in 8 weeks [{referral.reference}]",
        f"Overview report due in 4 weeks [{referral.reference}]",
        f"Overview report overdue [{referral.reference}]",
    ]
    assert {m.recipient for m in sent} == {OFFICER}
    assert "on 20 April 2027" in sent[0].body_text
    assert "was due on 20 April 2027" in sent[2].body_text


def test_an_agreed_new_date_moves_the_reminders(session, partnership, decided):
    decided("yes")
    due = dt.date(2027, 4, 20)
    assert sweep_here(at(due - dt.timedelta(weeks=8)))[REPORT] == 1
    # Two months more, agreed a week after the first reminder.
    new = dt.date(2027, 6, 20)
    fresh(session)
    progress = session.scalar(select(ReviewProgress))
    with clock.frozen_at(at(due - dt.timedelta(weeks=7))):
        timescales.record_report_date(
            session, progress, partnership, due_on=new, reason="Trial adjourned", actor="user:1"
        )
    session.commit()
    # The old 4-week moment passes without a reminder; the new 8-week one sends it again.
    assert sweep_here(at(due - dt.timedelta(weeks=4)))[REPORT] == 0
    assert sweep_here(at(new - dt.timedelta(weeks=8)))[REPORT] == 1
    assert sweep_here(at(new - dt.timedelta(weeks=4)))[REPORT] == 1
    assert sweep_here(at(due + dt.timedelta(days=1)))[REPORT] == 0
    assert sweep_here(at(new + dt.timedelta(days=1)))[REPORT] == 1
    names = [m.purpose for m in outbox(session) if m.purpose.startswith("review.")]
    assert names == [
        "review.report_due_8_weeks", "review.report_due_8_weeks", "review.report_due_4_weeks",
        "review.report_overdue",
    ]  # fmt: skip
    assert "on 20 June 2027" in outbox(session, "review.report_due_4_weeks")[0].body_text


def test_a_decision_not_to_hold_a_review_has_no_report_deadline(session, decided):
    decided("no")
    progress = session.scalar(select(ReviewProgress))
    assert progress.report_due_on is None
    assert sweep_here(at(dt.date(2027, 4, 21)))[REPORT] == 0


def test_correcting_the_date_received_moves_the_one_month_deadline(
    session, partnership, make_referral
):
    referral = make_referral(partnership)  # sent 8 October 2026: due 7 November
    first_due = clock.as_utc(referral.decision_due_at)
    # The officer records the date received as the day it was sent: nothing moves.
    decide(session, referral, None, at=at(dt.date(2026, 10, 9)), trawl_years=None)
    assert clock.as_utc(referral.decision_due_at) == first_due
    # The sweep reminds a week before, then the officer corrects the date: it came to the
    # partnership's attention on 1 October, so the decision is due on 31 October.
    assert sweep_here(at(dt.date(2026, 10, 31), 12))["referral decision reminders"] == 1
    fresh(session)
    referral = session.get(Referral, referral.id)
    decide(session, referral, None, at=at(dt.date(2026, 10, 31), 13), trawl_years=None,
           date_received=dt.date(2026, 10, 1))  # fmt: skip
    assert clock.as_utc(referral.decision_due_at) == first_due - dt.timedelta(days=7)
    assert sweep_here(at(dt.date(2026, 10, 31), 14))["referral decision reminders"] == 1
    # Corrected later again (to 20 October): the deadline is 19 November, both reminders anew.
    decide(session, referral, None, at=at(dt.date(2026, 11, 1)), trawl_years=None,
           date_received=dt.date(2026, 10, 20))  # fmt: skip
    fresh(session)
    referral = session.get(Referral, referral.id)
    assert clock.london_date(referral.decision_due_at) == dt.date(2026, 11, 19)
    assert referral.reminder_sent_at is None and referral.overdue_sent_at is None
    assert sweep_here(at(dt.date(2026, 11, 12), 12))["referral decision reminders"] == 1
    assert sweep_here(at(dt.date(2026, 11, 19), 12))["referral decision reminders"] == 1
    purposes = [m.purpose for m in outbox(session) if m.purpose.startswith("referral.")]
    assert purposes == [
        "referral.decision_due", "referral.decision_overdue", "referral.decision_due",
        "referral.decision_overdue",
    ]  # fmt: skip
    assert NotificationKind  # the decision itself is still to come
