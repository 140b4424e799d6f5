"""The officer's panel pages: members on secure addresses only, scheduling a meeting (and being
told when the notice cannot be met), papers uploaded after dispatch going at once, and each
member's delivery status."""

from __future__ import annotations

import datetime as dt
import io
import re

from sqlalchemy import select, update

from service import clock
from service.models import AuditEvent, Message, PanelMeeting, PanelMember, PanelPaper
from service.panels import messages
from tests.console import post_form
from tests.panels.factories import AGENDA, panel, scheduled_meeting
from workers import sweep as sweep_mod

UTC = dt.UTC


def members_of(session, case_id):
    session.rollback()
    return list(session.scalars(select(PanelMember).where(PanelMember.case_id == case_id)))


def set_column(session, model, row_id, **values) -> None:
    session.execute(update(model).where(model.id == row_id).values(**values))
    session.commit()


def actions(session):
    session.rollback()
    return [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_member_without_a_secure_address_is_refused_and_what_was_typed_is_kept(
    signed_in, session, partnership
):
    case, _ = panel(session, partnership)
    session.commit()
    url = f"/console/cases/{case.id}/panel/members/new"
    response = post_form(signed_in, url, {"name": "Pat Lead", "email": "pat.lead@gmail.com",
                                          "role": "Safeguarding lead"})  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and 'href="#email"' in html
    assert "Enter a secure email address" in html and "…@gmail.com" in html
    assert 'value="pat.lead@gmail.com"' in html and 'value="Safeguarding lead"' in html
    assert len(members_of(session, case.id)) == 2

    response = post_form(signed_in, url, {"name": "Pat Lead", "email": "pat.lead@nhs.net"})
    assert response.status_code == 302
    assert "pat.lead@nhs.net" in [m.email for m in members_of(session, case.id)]
    assert "panel.member_added" in actions(session)


def test_an_agencys_representative_is_added_from_its_secure_address(
    signed_in, session, partnership
):
    case, _ = panel(session, partnership)
    session.commit()
    police = next(a for a in partnership.agencies if a.key == "police")
    insecure = next(a for a in partnership.agencies if a.key == "drug-alcohol-service")
    page = signed_in.get(f"/console/cases/{case.id}/panel").get_data(as_text=True)
    assert police.name in page and insecure.name not in page  # only secure agencies offered
    url = f"/console/cases/{case.id}/panel/members/agency"
    response = post_form(signed_in, url, {"agency": str(police.id)},
                         page=f"/console/cases/{case.id}/panel")  # fmt: skip
    assert response.status_code == 302
    added = next(m for m in members_of(session, case.id) if m.agency_id == police.id)
    assert added.email == "public.protection@example.police.uk"
    response = post_form(signed_in, url, {"agency": str(insecure.id)},
                         page=f"/console/cases/{case.id}/panel")  # fmt: skip
    assert response.status_code == 400
    assert "Select an agency with a secure email address" in response.get_data(as_text=True)


def test_a_meeting_scheduled_three_days_ahead_warns_the_notice_cannot_be_met(
    signed_in, session, partnership
):
    case, people = panel(session, partnership)
    session.commit()
    day = clock.now().date() + dt.timedelta(days=3)
    url = f"/console/cases/{case.id}/panel/meetings/new"
    data = {"date-day": str(day.day), "date-month": str(day.month), "date-year": str(day.year),
            "start": "10:00", "duration": "90", "location": "", "joining_details": "",
            "members": [str(m.id) for m in people]}  # fmt: skip
    response = post_form(signed_in, url, data)
    assert response.status_code == 400
    assert "Enter where the meeting is, or how to join it online" in response.get_data(as_text=True)
    response = post_form(signed_in, url, {**data, "location": "Room 4"})
    assert response.status_code == 302
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "less than 5 working days away" in page
    session.rollback()
    meeting = session.scalar(select(PanelMeeting).where(PanelMeeting.case_id == case.id))
    assert meeting.dispatch_at is not None and meeting.dispatch_at <= clock.now()
    assert len(meeting.invitations) == 2


def test_a_paper_uploaded_after_dispatch_goes_at_once_and_the_officer_is_warned(
    signed_in, session, partnership
):
    meeting = scheduled_meeting(session, partnership, at=clock.now(),
                                day=clock.now().date() + dt.timedelta(days=30))  # fmt: skip
    session.commit()
    at = meeting.dispatch_at
    with clock.frozen_at(at):
        assert sweep_mod.run(at).checks["panel papers dispatched"] == 1
    url = f"/console/panel-meetings/{meeting.id}/papers/new"
    html = signed_in.get(url).get_data(as_text=True)
    assert "The papers have already gone" in html
    from tests.console import csrf_from

    response = signed_in.post(
        url, data={"csrf_token": csrf_from(html), "title": "Draft overview report",
                   "paper": (io.BytesIO(AGENDA), "draft.pdf")},
        headers={"Referer": f"https://localhost{url}"},
    )  # fmt: skip
    assert response.status_code == 302
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "sent to the members at once as an additional paper" in page
    assert "Sent late" in page and "Additional papers (late)" in page
    assert page.count("Queued") >= 4  # each member: the papers, then the late papers
    session.rollback()
    late = session.scalars(
        select(Message).where(Message.purpose == messages.LATE_PAPERS.name)
    ).all()
    assert len(late) == 2
    assert {"panel.paper_added", "panel.meeting_viewed"} <= set(actions(session))


def test_the_dashboard_shows_a_meeting_whose_papers_go_soon_with_none_uploaded(
    page_app, session, partnership, officer
):
    from tests.console import sign_in
    from tests.panels.factories import DISPATCH, upload

    meeting = scheduled_meeting(session, partnership)  # papers go Thursday 18 March 2027, 09:00
    session.commit()
    item = "panel meeting with no papers yet, due to be sent soon"

    def dashboard_at(moment: dt.datetime) -> str:
        with clock.frozen_at(moment):
            client = page_app.test_client()
            assert sign_in(client, officer).status_code == 302
            return " ".join(client.get("/console/").get_data(as_text=True).split())

    # Monday 15 March: three working days to go, not yet.
    assert item not in dashboard_at(dt.datetime(2027, 3, 15, 12, tzinfo=UTC))
    # Tuesday 16 March: two working days to go.
    html = dashboard_at(dt.datetime(2027, 3, 16, 12, tzinfo=UTC))
    assert f'<span class="govuk-!-font-weight-bold">1</span> {item}' in html
    assert f'href="/console/cases/{meeting.case_id}/panel"' in html
    # Papers uploaded: nothing to say.
    paper = upload(session, meeting, dt.datetime(2027, 3, 16, 13, tzinfo=UTC))
    assert item not in dashboard_at(dt.datetime(2027, 3, 16, 14, tzinfo=UTC))
    # Removed again: it shows again; once dispatched (without papers) it no longer waits.
    set_column(session, PanelPaper, paper.id, removed_at=dt.datetime(2027, 3, 16, 15, tzinfo=UTC))
    assert item in dashboard_at(dt.datetime(2027, 3, 16, 16, tzinfo=UTC))
    set_column(session, PanelMeeting, meeting.id, dispatched_at=DISPATCH)
    assert item not in dashboard_at(DISPATCH + dt.timedelta(hours=1))


def test_a_paper_sent_without_a_title_asks_for_the_file_to_be_chosen_again(
    signed_in, session, partnership
):
    meeting = scheduled_meeting(session, partnership, at=clock.now(),
                                day=clock.now().date() + dt.timedelta(days=30))  # fmt: skip
    session.commit()
    url = f"/console/panel-meetings/{meeting.id}/papers/new"
    from tests.console import csrf_from

    html = signed_in.get(url).get_data(as_text=True)
    assert "choose the file again" not in html
    # The error is on the title, but the browser has dropped the chosen file all the same.
    response = signed_in.post(
        url, data={"csrf_token": csrf_from(html), "title": "",
                   "paper": (io.BytesIO(AGENDA), "agenda.pdf")},
        headers={"Referer": f"https://localhost{url}"},
    )  # fmt: skip
    html = " ".join(response.get_data(as_text=True).split())
    assert response.status_code == 400
    assert 'href="#title"' in html
    (hint,) = re.findall(r'id="paper-hint"[^>]*>(.*?)</div>', html)
    assert "You need to choose the file again." in hint
    session.rollback()
    assert session.scalars(select(PanelPaper)).all() == []


def test_the_meeting_page_says_why_papers_go_earlier_over_closure_days(
    signed_in, session, partnership
):
    partnership.closure_days = ["2026-12-29", "2026-12-30", "2026-12-31"]
    meeting = scheduled_meeting(session, partnership, at=dt.datetime(2026, 12, 1, 10, tzinfo=UTC),
                                day=dt.date(2027, 1, 7))  # fmt: skip
    session.commit()
    with clock.frozen_at(dt.datetime(2026, 12, 1, 12, tzinfo=UTC)):
        html = signed_in.get(f"/console/panel-meetings/{meeting.id}").get_data(as_text=True)
    (reason,) = re.findall(r'<p class="govuk-body" id="papers-reason">(.*?)</p>', html, re.S)
    assert " ".join(reason.split()) == (
        "Papers go on Wednesday 23 December 2026, 5 working days before the meeting: 25 and 28 "
        "December and 1 January are bank holidays, and 29, 30 and 31 December are closure days."
    )
