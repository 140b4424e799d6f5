"""Reminding members who have not answered, the mail going to a real SMTP server: one reminder
3 working days before the deadline and one on the day, each exactly once whatever runs twice or
loses its memory, none for members who answered, and nothing once the draft is closed. The
sweep runs in this process, as at each moment; where two schedulers sweep at once, as two
`dhr sweep --at` processes started together."""

from __future__ import annotations

import datetime as dt

import redis
from sqlalchemy import select

from service import clock, runtime
from service.models import AuditEvent, Case, FeedbackRecipient, Message
from service.panels import feedback, feedback_reminders
from service.panels import feedback_links as links
from service.panels import feedback_messages as messages
from tests.feedback.factories import BEFORE, ON_DAY, answered, sent_draft
from tests.jobs import run_worker_burst
from tests.sweeping import check_count, sweep_outputs_at_once
from tests.sweeping import sweep_here as sweep_once
from tests.trawls.factories import PEOPLE

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
NAMES = [p["name"] for p in PEOPLE]


def reminders_in(output: str) -> int:
    return check_count(output, "feedback reminders")


def sweeps_at_once(env: dict, at: dt.datetime) -> list[int]:
    """Two `dhr sweep --at` processes started together; the reminders each one sent."""
    return [reminders_in(out) for out in sweep_outputs_at_once(env, at)]


def sweep_here(at: dt.datetime) -> int:
    return sweep_once(at)["feedback reminders"]


def outbox(session, purpose: str) -> list[Message]:
    session.rollback()
    session.expire_all()
    return list(
        session.scalars(
            select(Message).where(Message.purpose == purpose).order_by(Message.created_at)
        )
    )


def row(session, recipient_id: int) -> FeedbackRecipient:
    session.rollback()
    session.expire_all()
    return session.get(FeedbackRecipient, recipient_id)


def test_members_who_have_not_answered_are_reminded_once_before_and_once_on_the_day(
    cli_env, settings, session, partnership, mail_server
):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    env = {**cli_env, "MAIL_TRANSPORT": mail_server.url}
    draft = sent_draft(session, partnership)
    session.commit()
    case = session.get(Case, draft.case_id)
    early, middle, late = draft.recipients  # in the order they were added
    address = {r.id: r.member.email for r in draft.recipients}
    assert {r.next_reminder_at for r in draft.recipients} == {BEFORE}
    answered(session, early, comments="Section 4 misses the 2024 referral.")

    # Nothing before Wednesday 9 December at 09:00.
    assert sweep_here(BEFORE - MINUTE) == 0
    # Two schedulers sweep at once: one reminder each for the two who have not answered.
    assert sorted(sweeps_at_once(env, BEFORE)) in ([0, 2], [1, 1])
    # Redis is emptied; later sweeps find nothing more to do until the deadline day.
    redis.Redis.from_url(runtime.settings().REDIS_URL).flushdb()
    assert sweep_here(BEFORE + MINUTE) == 0
    assert sweep_here(ON_DAY - MINUTE) == 0
    first = outbox(session, messages.REMINDER.name)
    assert sorted(m.recipient for m in first) == sorted([address[middle.id], address[late.id]])
    for r in (middle, late):
        reminded = row(session, r.id)
        assert (reminded.reminders_sent, reminded.next_reminder_at) == (1, ON_DAY)
    assert row(session, early.id).reminders_sent == 0

    # One of them answers "no comments" before the deadline day.
    answered(session, row(session, middle.id), at=BEFORE + dt.timedelta(hours=5), comments=None,
             name="Sam Nurse")  # fmt: skip
    assert row(session, middle.id).next_reminder_at is None

    # Monday 14 December: the last reminder, to the one still silent, once.
    assert sweep_here(ON_DAY) == 1
    assert sweep_here(ON_DAY + MINUTE) == 0
    assert sweep_here(dt.datetime(2026, 12, 15, 9, tzinfo=UTC)) == 0
    reminders = outbox(session, messages.REMINDER.name)
    assert [m.recipient for m in reminders].count(address[late.id]) == 2
    assert [m.recipient for m in reminders].count(address[middle.id]) == 1
    assert (row(session, late.id).reminders_sent, row(session, late.id).next_reminder_at) == (
        2,
        None,
    )
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "feedback.reminder_sent")
    ).all()
    assert sorted((e.detail["member_id"], e.detail["on_the_day"]) for e in events) == sorted(
        [(middle.member_id, False), (late.member_id, False), (late.member_id, True)]
    )

    # Everything delivered through the real SMTP server: the draft to each member, attached,
    # and the reminders with the member's own link, no names of the people in the case.
    run_worker_burst()
    received: dict[str, list] = {}
    for got in mail_server.messages:
        received.setdefault(got.rcpt_tos[0], []).append(got.message)
    reference = f"{case.reference}/D{draft.id}"
    request_subject = f"OFFICIAL-SENSITIVE: Draft for comment [{reference}]"
    reminder_subject = f"OFFICIAL-SENSITIVE: Reminder: comments on a draft [{reference}]"
    assert sorted(received) == sorted(address.values())
    assert [m["Subject"] for m in received[address[early.id]]] == [request_subject]
    assert [m["Subject"] for m in received[address[late.id]]].count(reminder_subject) == 2
    (draft_email,) = [m for m in received[address[late.id]] if m["Subject"] == request_subject]
    (attachment,) = list(draft_email.iter_attachments())
    assert attachment.get_filename() == f"draft-{case.reference}-D{draft.id}.pdf"
    link = links.current_url(session, row(session, late.id))
    last = [m for m in received[address[late.id]] if m["Subject"] == reminder_subject][-1]
    body = last.get_body(("plain",)).get_content()
    assert link in body and "This is the last reminder" in body
    assert "by 14 December 2026" in body
    for name in NAMES:
        assert name not in body


def test_a_closed_draft_sends_no_reminders(settings, session, partnership):
    draft = sent_draft(session, partnership)
    session.commit()
    with clock.frozen_at(BEFORE - dt.timedelta(days=1)):
        assert feedback.close(session, draft, actor="test")
    session.commit()
    assert sweep_here(BEFORE) == 0
    assert sweep_here(ON_DAY) == 0
    assert outbox(session, messages.REMINDER.name) == []
    assert all(row(session, r.id).next_reminder_at is None for r in draft.recipients)


def test_an_answer_landing_after_the_sweep_read_the_row_wins(settings, session, partnership):
    """The claim checks there is still no answer, so an answer between the sweep's read and
    its update stops the reminder."""
    from service import db

    draft = sent_draft(session, partnership)
    session.commit()
    recipient = draft.recipients[0]
    with db.transaction() as s:
        stale = s.get(FeedbackRecipient, recipient.id)
        s.expunge(stale)  # what the sweep read
    answered(session, row(session, recipient.id), at=BEFORE - MINUTE)
    with clock.frozen_at(BEFORE), db.transaction() as s:
        assert feedback_reminders.remind(s, stale, BEFORE) is False
    assert outbox(session, messages.REMINDER.name) == []


def test_a_sweep_that_runs_late_sends_one_reminder_and_none_after_the_deadline(
    settings, session, partnership
):
    draft = sent_draft(session, partnership)
    session.commit()
    # The scheduler was off from before the first reminder until Monday 14th at 11:00.
    assert sweep_here(dt.datetime(2026, 12, 14, 11, tzinfo=UTC)) == 3
    assert sweep_here(dt.datetime(2026, 12, 14, 11, 1, tzinfo=UTC)) == 0
    assert {row(session, r.id).reminders_sent for r in draft.recipients} == {1}
    second = sent_draft(session, partnership)
    session.commit()
    # And one that was off until after the deadline day sends nothing at all.
    assert sweep_here(dt.datetime(2026, 12, 15, 9, tzinfo=UTC)) == 0
    assert {row(session, r.id).next_reminder_at for r in second.recipients} == {None}
    assert len(outbox(session, messages.REMINDER.name)) == 3


def test_a_member_who_left_the_panel_is_not_reminded(settings, session, partnership):
    draft = sent_draft(session, partnership)
    draft.recipients[0].member.removed_at = BEFORE - dt.timedelta(days=1)
    session.commit()
    assert sweep_here(BEFORE) == 2
