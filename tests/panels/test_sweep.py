"""Papers for a panel meeting: sent once at 09:00 five working days before, whatever runs twice
or loses its memory; the officer warned when there are none; late papers, a moved and a
cancelled meeting; and what members receive over SMTP: the papers and a calendar invitation
that parses. The sweep runs in this process, as at each moment; where two schedulers sweep at
once, as two `dhr sweep --at` processes started together."""

from __future__ import annotations

import datetime as dt

import icalendar
import redis
from sqlalchemy import select

from service import clock, runtime
from service.models import DeliveryKind, PanelDelivery, PanelInvitation, PanelMeeting
from service.panels import meetings, messages
from tests.jobs import run_worker_burst
from tests.panels.factories import (
    DISPATCH,
    MEETING_DAY,
    MINUTE,
    MINUTES,
    WARNING,
    details,
    scheduled_meeting,
    upload,
)
from tests.sweeping import check_count, sweep_outputs_at_once
from tests.sweeping import outbox as all_messages
from tests.sweeping import sweep_here as sweep_once

UTC = dt.UTC
PAPERS, LATE, MOVED, CANCELLED, NO_PAPERS = (
    p.name for p in (messages.PAPERS, messages.LATE_PAPERS, messages.MOVED, messages.CANCELLED,
                     messages.NO_PAPERS)
)  # fmt: skip
OFFICER = "dhr.officer@exampleshire.gov.uk"
ADDRESSES = ["panel.health@nhs.net", "panel.police@example.police.uk"]


count = check_count


sweeps_at_once = sweep_outputs_at_once


sweep_here = sweep_once


outbox = all_messages


def meeting_row(session, meeting_id: int) -> PanelMeeting:
    session.rollback()
    session.expire_all()
    return session.get(PanelMeeting, meeting_id)


def dispatched(at: dt.datetime) -> int:
    """One sweep in this process; the meetings whose papers it sent."""
    return sweep_here(at)["panel papers dispatched"]


def warnings_sent(at: dt.datetime) -> int:
    """One sweep in this process; the no-papers warnings it sent."""
    return sweep_here(at)["panel papers warnings"]


def deliveries(session, meeting_id: int, kind: DeliveryKind) -> list[PanelDelivery]:
    session.rollback()
    return list(session.scalars(select(PanelDelivery).where(
        PanelDelivery.meeting_id == meeting_id, PanelDelivery.kind == kind)))  # fmt: skip


def test_papers_go_once_at_nine_five_working_days_before_and_arrive_with_the_invitation(
    cli_env, session, partnership, mail_server
):
    meeting = scheduled_meeting(session, partnership)
    session.commit()
    assert meeting.dispatch_at == DISPATCH and meeting.papers_warning_at == WARNING

    # Wednesday 17 March, 09:00, no papers: the officer is warned, once.
    assert warnings_sent(WARNING - MINUTE) == 0
    assert warnings_sent(WARNING) == 1
    assert warnings_sent(WARNING + MINUTE) == 0
    (warning,) = outbox(session, NO_PAPERS)
    assert warning.recipient == OFFICER
    assert warning.subject.startswith(
        "OFFICIAL-SENSITIVE: No papers uploaded for a panel meeting ["
    )
    assert "Thursday 25 March 2027 at 10:00" in warning.body_text
    assert f"/console/panel-meetings/{meeting.id}" in warning.body_text

    upload(session, meeting_row(session, meeting.id), WARNING + dt.timedelta(hours=3))
    upload(session, meeting_row(session, meeting.id), WARNING + dt.timedelta(hours=4),
           title="Minutes", data=MINUTES)  # fmt: skip

    # Thursday 18 March: nothing at 08:59; at 09:00 two schedulers sweep at once, one sends.
    assert dispatched(DISPATCH - MINUTE) == 0
    assert outbox(session, PAPERS) == []
    outputs = sweeps_at_once(cli_env, DISPATCH)
    assert sorted(count(o, "panel papers dispatched") for o in outputs) == [0, 1]
    # Papers are there, so no second warning.
    assert sum(count(o, "panel papers warnings") for o in outputs) == 0
    redis.Redis.from_url(runtime.settings().REDIS_URL).flushdb()
    assert dispatched(DISPATCH + MINUTE) == 0
    assert dispatched(DISPATCH + dt.timedelta(days=1)) == 0

    sent = outbox(session, PAPERS)
    assert sorted(m.recipient for m in sent) == ADDRESSES
    row = meeting_row(session, meeting.id)
    assert row.dispatched_at == DISPATCH and row.dispatch_at is None
    papers = deliveries(session, meeting.id, DeliveryKind.PAPERS)
    assert sorted(d.message_id for d in papers) == sorted(m.id for m in sent)
    assert all(len(d.paper_ids) == 2 for d in papers)
    invitations = session.scalars(select(PanelInvitation).where(
        PanelInvitation.meeting_id == meeting.id)).all()  # fmt: skip
    assert [i.papers_sent_at for i in invitations] == [DISPATCH, DISPATCH]
    assert len(outbox(session, NO_PAPERS)) == 1

    # Delivered over SMTP: each member gets the two papers and an invitation that parses.
    settings = runtime.settings()
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    sweep_here(DISPATCH + dt.timedelta(minutes=10))  # hands the queued messages over again
    with clock.frozen_at(DISPATCH + dt.timedelta(minutes=10)):
        run_worker_burst()
    received = [m for m in mail_server.messages if "Papers for the panel" in m.message["Subject"]]
    assert sorted(m.rcpt_tos[0] for m in received) == ADDRESSES
    for got in received:
        assert "Morgan" not in got.message["Subject"] and "Nia" not in got.message["Subject"]
        files = {part.get_filename(): part for part in got.message.iter_attachments()}
        assert sorted(files) == ["Agenda.pdf", "Minutes.pdf",
                                 f"panel-meeting-{sent[0].reference}.ics"]  # fmt: skip
        assert files["Minutes.pdf"].get_content() == MINUTES
        invite = files[f"panel-meeting-{sent[0].reference}.ics"]
        # Calendar clients offer accept/decline only when the part names its method.
        assert invite.get_content_type() == "text/calendar"
        assert invite.get_param("method") == "REQUEST"
        calendar = icalendar.Calendar.from_ical(files[f"panel-meeting-{sent[0].reference}.ics"]
                                                .get_content())  # fmt: skip
        (event,) = calendar.walk("VEVENT")
        assert event.decoded("dtstart").astimezone(UTC) == dt.datetime(2027, 3, 25, 10, tzinfo=UTC)
        assert str(event["attendee"]) == f"mailto:{got.rcpt_tos[0]}"
        body = got.message.get_body(("plain",)).get_content()
        assert "Thursday 25 March 2027" in body and "10:00 to 12:00" in body


def test_papers_added_after_dispatch_go_at_once_marked_late_and_never_again(
    settings, session, partnership
):
    meeting = scheduled_meeting(session, partnership)
    session.commit()
    upload(session, meeting_row(session, meeting.id), WARNING)
    assert dispatched(DISPATCH) == 1
    late_at = DISPATCH + dt.timedelta(days=2)
    paper = upload(
        session,
        meeting_row(session, meeting.id),
        late_at,
        title="Draft overview report",
        data=MINUTES,
    )
    assert paper.late and paper.sent_at == late_at
    late = outbox(session, LATE)
    assert len(late) == 2
    for message in late:
        assert [a.filename for a in message.attachments] == ["Draft overview report.pdf"]
        assert "later than the usual 5 working days" in message.body_text
    (delivery, _) = deliveries(session, meeting.id, DeliveryKind.LATE_PAPERS)
    assert delivery.paper_ids == [paper.id]
    assert dispatched(late_at + MINUTE) == 0
    assert len(outbox(session, PAPERS)) == 2 and len(outbox(session, LATE)) == 2


def test_a_moved_meeting_is_sent_on_its_new_date_and_members_are_told(
    settings, session, partnership
):
    meeting = scheduled_meeting(session, partnership)
    session.commit()
    upload(session, meeting_row(session, meeting.id), WARNING - dt.timedelta(days=1))
    # Moved on Monday 15 March to Thursday 1 April at 14:00 (after the clocks go forward):
    # papers now on Tuesday 23 March (Easter Monday and Good Friday are not counted).
    member_ids = [i.member_id for i in meeting_row(session, meeting.id).invitations]
    with clock.frozen_at(dt.datetime(2027, 3, 15, 11, tzinfo=UTC)):
        done = meetings.change(session, meeting_row(session, meeting.id),
                               details(dt.date(2027, 4, 1), dt.time(14, 0)), member_ids,
                               resend_papers=False, actor="test")  # fmt: skip
    session.commit()
    assert done.moved and done.told == 2
    row = meeting_row(session, meeting.id)
    assert row.dispatch_on == dt.date(2027, 3, 23)
    assert row.dispatch_at == dt.datetime(2027, 3, 23, 9, tzinfo=UTC)
    assert row.ics_sequence == 1
    moved = outbox(session, MOVED)
    assert len(moved) == 2
    for message in moved:
        assert (
            "Thursday 1 April 2027" in message.body_text and "14:00 to 16:00" in message.body_text
        )
        (invite,) = message.attachments
        event = icalendar.Calendar.from_ical(invite.data).walk("VEVENT")[0]
        assert int(event["sequence"]) == 1
        assert event.decoded("dtstart").astimezone(UTC) == dt.datetime(2027, 4, 1, 13, tzinfo=UTC)

    # Nothing goes at the old time; the papers go at the new one.
    assert dispatched(DISPATCH) == 0
    new_dispatch = dt.datetime(2027, 3, 23, 9, tzinfo=UTC)
    assert dispatched(new_dispatch) == 1
    assert len(outbox(session, PAPERS)) == 2

    # Moved again after the papers went, to later that day: told, papers not sent again ...
    with clock.frozen_at(new_dispatch + dt.timedelta(hours=2)):
        meetings.change(session, meeting_row(session, meeting.id),
                        details(dt.date(2027, 4, 1), dt.time(15, 0)), member_ids,
                        resend_papers=False, actor="test")  # fmt: skip
    session.commit()
    assert meeting_row(session, meeting.id).dispatched_at == new_dispatch
    second = outbox(session, MOVED)[2:]
    assert len(second) == 2 and all(len(m.attachments) == 1 for m in second)
    assert all("not attached again" in m.body_text for m in second)
    # ... unless the officer asks.
    with clock.frozen_at(new_dispatch + dt.timedelta(hours=3)):
        meetings.change(session, meeting_row(session, meeting.id),
                        details(dt.date(2027, 4, 1), dt.time(16, 0)), member_ids,
                        resend_papers=True, actor="test")  # fmt: skip
    session.commit()
    third = outbox(session, MOVED)[4:]
    assert [sorted(a.filename for a in m.attachments) for m in third] == [
        ["Agenda.pdf", f"panel-meeting-{third[0].reference}.ics"]] * 2  # fmt: skip
    assert dispatched(new_dispatch + dt.timedelta(days=1)) == 0


def test_a_cancelled_meeting_sends_the_cancellation_and_nothing_more(
    settings, session, partnership
):
    meeting = scheduled_meeting(session, partnership)
    session.commit()
    with clock.frozen_at(WARNING - dt.timedelta(days=2)):
        told = meetings.cancel(session, meeting_row(session, meeting.id), reason="Chair unwell",
                               user_id=None, actor="test")  # fmt: skip
    session.commit()
    assert told == 2
    cancelled = outbox(session, CANCELLED)
    assert len(cancelled) == 2
    for message in cancelled:
        assert "has been cancelled" in message.body_text and "Chair unwell" in message.body_text
        (invite,) = message.attachments
        calendar = icalendar.Calendar.from_ical(invite.data)
        assert str(calendar["method"]) == "CANCEL"
        assert int(calendar.walk("VEVENT")[0]["sequence"]) == 1
    for at in (WARNING, DISPATCH, DISPATCH + dt.timedelta(days=1)):
        checks = sweep_here(at)
        assert checks["panel papers dispatched"] == 0
        assert checks["panel papers warnings"] == 0
    assert [m.purpose for m in outbox(session)] == [CANCELLED, CANCELLED]
    assert meeting_row(session, meeting.id).dispatched_at is None


def test_a_meeting_scheduled_too_late_for_the_notice_goes_at_the_next_sweep(
    settings, session, partnership
):
    at = dt.datetime(2027, 3, 23, 14, tzinfo=UTC)
    meeting = scheduled_meeting(session, partnership, at=at, day=MEETING_DAY)
    session.commit()
    assert meeting.dispatch_at == at and meeting.papers_warning_at is None
    assert sweep_here(at + MINUTE)["panel papers dispatched"] == 1
    assert sweep_here(at + 2 * MINUTE)["panel papers dispatched"] == 0
    sent = outbox(session, PAPERS)
    assert len(sent) == 2
    assert all("There are no papers yet" in m.body_text for m in sent)


def test_no_papers_at_all_warns_the_day_before_and_on_the_day_then_sends_the_invitation(
    settings, session, partnership
):
    meeting = scheduled_meeting(session, partnership)
    session.commit()
    assert sweep_here(WARNING)["panel papers warnings"] == 1
    checks = sweep_here(DISPATCH)
    assert (checks["panel papers warnings"], checks["panel papers dispatched"]) == (1, 1)
    assert sweep_here(DISPATCH + MINUTE)["panel papers warnings"] == 0
    warnings = outbox(session, NO_PAPERS)
    assert len(warnings) == 2
    assert "goes to the panel members at 18 Mar 2027 09:00 without papers" in warnings[1].body_text
    assert meeting_row(session, meeting.id).papers_warnings_sent == 2
    assert dt.date(2027, 3, 25) == MEETING_DAY
