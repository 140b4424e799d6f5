"""The officer's tracker: each agency's status, its return (every version, what changed), its
link (send again, revoke, issue a new one) and its requests for more time. Chairs and viewers
read; only officers act."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from service import clock, tokens
from service.models import (
    AuditEvent,
    Case,
    CaseChair,
    ExtensionStatus,
    Message,
    Partnership,
    Role,
    TrawlExtension,
    TrawlRequest,
)
from service.trawls import extensions, links, returns, schedule
from tests.console import make_user, post_form, sign_in, token_of
from tests.delivered import delivered_text
from tests.trawls.factories import sent_trawl


def fresh(session):
    session.rollback()
    session.expire_all()
    return session


def ago(days: int) -> dt.datetime:
    return (clock.now() - dt.timedelta(days=days)).replace(hour=10, minute=0, second=0)


def answers_for(trawl, *, involvement: bool, systems: str = "Case system, MASH log") -> dict:
    people = {
        str(p.id): (
            {"involvement": "yes", "nature": "Two welfare visits", "records_secured": "yes"}
            if involvement and i == 0
            else {"involvement": "no_trace"}
        )
        for i, p in enumerate(trawl.people)
    }
    return {
        "people": people,
        "systems_checked": systems,
        "chronology": [],
        "completed_by": {"name": "Pat Lead", "role": "Safeguarding lead",
                         "email": "pat.lead@example.police.uk", "phone": "01632 960 111"},
        "declaration": True,
        "dates_confirmed": True,
    }  # fmt: skip


def return_now(session, request, trawl, *, involvement: bool, at: dt.datetime, changes=None,
               **kw):  # fmt: skip
    with clock.frozen_at(at):
        return returns.submit(
            session, request, answers_for(trawl, involvement=involvement, **kw),
            involvement=involvement, changes=changes,
        )  # fmt: skip


def row_of(html: str, name: str) -> str:
    """The tracker's table row for the agency called ``name``."""
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html, re.S):
        if str(escape(name)) in row:
            return row
    raise AssertionError(f"no row for {name}")


def messages(session, purpose: str) -> list[Message]:
    return list(
        fresh(session).scalars(
            select(Message).where(Message.purpose == purpose).order_by(Message.created_at)
        )
    )


def link_in(message: Message) -> str:
    return re.search(r"https://\S+/return\?token=\S+", delivered_text(message)).group(0)


@pytest.fixture
def tracked(session, partnership):
    """A trawl sent 20 days ago (so overdue) to six agencies, each in a different state, and a
    second trawl of the same case sent today."""
    trawl = sent_trawl(session, partnership, agency_count=6, at=ago(20))
    involved, no_trace, extension, escalated, chased, overdue = sorted(
        trawl.requests, key=lambda r: r.agency.name
    )
    return_now(session, involved, trawl, involvement=True, at=ago(17))
    return_now(session, no_trace, trawl, involvement=False, at=ago(10))
    with clock.frozen_at(ago(7)):
        extensions.request(
            session, extension, new_date=extension.due_date + dt.timedelta(days=14),
            reason="Our records officer is away",
        )  # fmt: skip
    escalated.chasers_sent, escalated.escalated_at = 2, ago(2)
    chased.chasers_sent, chased.last_chased_at = 1, ago(5)
    # A second trawl of the same case, sent today: its agency is awaiting its return.
    case = session.get(Case, trawl.case_id)
    later = sent_trawl(session, partnership, case=case, agency_count=1, at=clock.now())
    session.commit()
    return {
        "trawl": trawl,
        "later": later,
        "case": case,
        "involved": involved,
        "no_trace": no_trace,
        "extension": extension,
        "escalated": escalated,
        "chased": chased,
        "overdue": overdue,
    }


def sections(html: str) -> list[str]:
    """The tracker's sections, one per sent trawl, newest first."""
    return html.split('<h2 class="govuk-heading-m">Trawl sent ')[1:]


# --- the tracker -----------------------------------------------------------------------------


def test_the_tracker_shows_each_agencys_status_days_taken_and_last_activity(
    signed_in, session, tracked
):
    html = signed_in.get(f"/console/cases/{tracked['case'].id}/trawls").get_data(as_text=True)
    newest, first = sections(html)
    assert newest.count("Awaiting") == 1
    expected = {
        "involved": ("Returned: involvement", "3 days"),
        "no_trace": ("Returned: no trace", "10 days"),
        "extension": ("Extension requested", "Not returned"),
        "escalated": ("Escalated", "Not returned"),
        "chased": ("Chased 1 time", "Not returned"),
        "overdue": ("Overdue", "Not returned"),
    }
    for key, (status, days) in expected.items():
        row = row_of(first, tracked[key].agency.name)
        assert status in row, (key, row)
        assert days in row, (key, row)
        assert f"/console/trawl-requests/{tracked[key].id}" in row
    assert "Awaiting" not in first
    s = fresh(session)
    viewed = s.scalars(select(AuditEvent).where(AuditEvent.action == "trawl.tracker_viewed"))
    assert [e.case_id for e in viewed] == [tracked["case"].id]


def test_the_dashboard_counts_overdue_returns_and_requests_for_more_time(signed_in, tracked):
    html = signed_in.get("/console/").get_data(as_text=True)
    # Extension, escalated, chased and overdue: four unanswered past their due date.
    assert re.search(r">4</span>\s*trawl returns overdue", html)
    assert re.search(r">1</span>\s*request for more time to decide", html)
    assert f"/console/cases/{tracked['case'].id}/trawls" in html


# --- one agency's request --------------------------------------------------------------------


def test_the_request_page_shows_the_return_and_what_changed_in_an_amendment(
    signed_in, session, tracked
):
    trawl, req = tracked["trawl"], tracked["involved"]
    before = answers_for(trawl, involvement=True)
    return_now(
        session, req, trawl, involvement=True, at=ago(1), systems="Case system, MASH log, RMS",
        changes=[{"field": "Records systems searched: Which records systems did you search?",
                  "before": before["systems_checked"], "after": "Case system, MASH log, RMS"}],
    )  # fmt: skip
    session.commit()
    html = signed_in.get(f"/console/trawl-requests/{req.id}").get_data(as_text=True)
    assert str(escape(req.agency.name)) in html and "Returned: involvement" in html
    assert "Two welfare visits" in html and "Alice Example" in html
    assert "Case system, MASH log, RMS" in html
    assert "What changed in version 2" in html
    changed = html[html.index("What changed in version 2") :][:1500]
    assert "Case system, MASH log" in changed and "Case system, MASH log, RMS" in changed
    assert "Version 1, submitted" in html
    assert "Pat Lead" in html
    viewed = fresh(session).scalars(
        select(AuditEvent).where(
            AuditEvent.action == "trawl.request_viewed", AuditEvent.object_id == str(req.id)
        )
    )
    assert len(list(viewed)) == 1


def test_send_the_link_again_sends_the_same_working_link(signed_in, session, tracked):
    req = tracked["overdue"]
    first = [m for m in messages(session, "trawl.request") if m.body_text.find(req.agency.name) > 0]
    original = link_in(first[0])
    page = f"/console/trawl-requests/{req.id}"
    response = post_form(signed_in, f"{page}/resend", {}, page=page)
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    again = [m for m in messages(session, "trawl.request") if req.agency.name in m.body_text]
    assert len(again) == 2 and link_in(again[-1]) == original
    assert links.check(fresh(session), token_of(original)).id == req.id
    assert "The link has been sent again" in signed_in.get(page).get_data(as_text=True)
    assert fresh(session).scalar(
        select(AuditEvent).where(
            AuditEvent.action == "trawl.link_resent", AuditEvent.object_id == str(req.id)
        )
    )


def test_a_new_link_replaces_the_old_one(signed_in, session, tracked):
    req = tracked["overdue"]
    original = link_in(
        [m for m in messages(session, "trawl.request") if req.agency.name in m.body_text][0]
    )
    page = f"/console/trawl-requests/{req.id}"
    post_form(signed_in, f"{page}/new-link", {}, page=page)
    sent = [m for m in messages(session, "trawl.request") if req.agency.name in m.body_text]
    renewed = link_in(sent[-1])
    assert renewed != original
    s = fresh(session)
    with pytest.raises(tokens.TokenRefused):
        links.check(s, token_of(original))
    assert links.check(s, token_of(renewed)).id == req.id
    assert s.scalar(select(AuditEvent).where(AuditEvent.action == "trawl.link_reissued"))


def test_revoking_the_link_asks_first_then_stops_it_working(signed_in, session, tracked):
    req = tracked["chased"]
    original = link_in(
        [m for m in messages(session, "trawl.request") if req.agency.name in m.body_text][0]
    )
    page = f"/console/trawl-requests/{req.id}"
    html = signed_in.get(f"{page}/revoke").get_data(as_text=True)
    assert f"Revoke the link for {escape(req.agency.name)}?" in html
    assert links.check(fresh(session), token_of(original)).id == req.id  # not yet
    response = post_form(signed_in, f"{page}/revoke", {}, page=f"{page}/revoke")
    assert response.status_code == 302
    s = fresh(session)
    with pytest.raises(tokens.TokenRefused):
        links.check(s, token_of(original))
    assert s.scalar(select(AuditEvent).where(AuditEvent.action == "trawl.link_revoked"))
    html = signed_in.get(page).get_data(as_text=True)
    assert "No working link: it was revoked or has expired" in html
    # Issuing a new link after revoking gives the agency a working one again.
    post_form(signed_in, f"{page}/new-link", {}, page=page)
    sent = [m for m in messages(session, "trawl.request") if req.agency.name in m.body_text]
    assert links.check(fresh(session), token_of(link_in(sent[-1]))).id == req.id


# --- requests for more time ------------------------------------------------------------------


def test_approving_more_time_moves_the_due_date_and_the_chasers(
    signed_in, session, partnership, tracked
):
    req = tracked["extension"]
    asked_for = req.pending_extension.requested_date
    page = f"/console/trawl-requests/{req.id}"
    html = signed_in.get(page).get_data(as_text=True)
    assert "Our records officer is away" in html and "Do you approve the new date?" in html
    response = post_form(signed_in, f"{page}/extension", {"decision": "approve"}, page=page)
    assert response.status_code == 302
    s = fresh(session)
    moved = s.get(TrawlRequest, req.id)
    assert moved.due_date == asked_for
    partnership = s.get(Partnership, partnership.id)
    assert clock.as_utc(moved.next_chaser_at) == schedule.first_chaser_at(partnership, asked_for)
    assert s.scalars(select(TrawlExtension)).one().status is ExtensionStatus.APPROVED
    (told,) = messages(session, "trawl.extension_decided")
    assert "approved" in told.body_text and f"{asked_for.day} {asked_for:%B %Y}" in told.body_text
    assert "/return?token=" in delivered_text(told)
    html = signed_in.get(page).get_data(as_text=True)
    assert "Extension approved" in html and "Do you approve the new date?" not in html


def test_refusing_more_time_needs_a_reason_and_keeps_the_due_date(signed_in, session, tracked):
    req = tracked["extension"]
    due, next_chaser = req.due_date, clock.as_utc(req.next_chaser_at)
    page = f"/console/trawl-requests/{req.id}"
    response = post_form(signed_in, f"{page}/extension", {"decision": "refuse"}, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in html
    assert "Enter why you are refusing the request for more time" in html
    response = post_form(signed_in, f"{page}/extension", {}, page=page)
    assert "Select whether to approve or refuse" in response.get_data(as_text=True)
    assert fresh(session).get(TrawlRequest, req.id).pending_extension is not None

    response = post_form(
        signed_in, f"{page}/extension",
        {"decision": "refuse", "refusal_reason": "The panel meets next week"}, page=page,
    )  # fmt: skip
    assert response.status_code == 302
    s = fresh(session)
    kept = s.get(TrawlRequest, req.id)
    assert kept.due_date == due and clock.as_utc(kept.next_chaser_at) == next_chaser
    ext = s.scalars(select(TrawlExtension)).one()
    assert ext.status is ExtensionStatus.REFUSED
    assert ext.refusal_reason == "The panel meets next week"
    (told,) = messages(session, "trawl.extension_decided")
    assert "refused" in told.body_text and "The panel meets next week" in told.body_text
    assert f"{due.day} {due:%B %Y}" in told.body_text
    # Deciding again is refused, not an error.
    response = post_form(signed_in, f"{page}/extension", {"decision": "approve"}, page=page)
    assert response.status_code == 302
    assert fresh(session).get(TrawlRequest, req.id).due_date == due


# --- who may act -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CHAIR])
def test_viewers_and_chairs_read_but_cannot_act(page_client, session, partnership, tracked, role):
    user = make_user(session, partnership, role)
    if role is Role.CHAIR:
        session.add(CaseChair(case_id=tracked["case"].id, user_id=user.id))
        session.commit()
    sign_in(page_client, user)
    req = tracked["extension"]
    page = f"/console/trawl-requests/{req.id}"
    tracker = page_client.get(f"/console/cases/{tracked['case'].id}/trawls")
    assert tracker.status_code == 200 and "Extension requested" in tracker.get_data(as_text=True)
    html = page_client.get(page).get_data(as_text=True)
    assert "Our records officer is away" in html
    for text in ("Send the link again", "Issue a new link", "Revoke the link", "Do you approve"):
        assert text not in html
    assert page_client.get(f"{page}/revoke").status_code == 403
    for action, data in (("resend", {}), ("new-link", {}), ("revoke", {}),
                         ("extension", {"decision": "approve"})):  # fmt: skip
        assert post_form(page_client, f"{page}/{action}", data, page=page).status_code == 403
    s = fresh(session)
    assert s.get(TrawlRequest, req.id).pending_extension is not None
    assert len(messages(session, "trawl.request")) == 7


def test_a_chair_of_another_case_sees_nothing_of_this_one(page_client, session, partnership,
                                                           tracked):  # fmt: skip
    chair = make_user(session, partnership, Role.CHAIR)
    sign_in(page_client, chair)
    assert page_client.get(f"/console/cases/{tracked['case'].id}/trawls").status_code == 404
    assert page_client.get(f"/console/trawl-requests/{tracked['involved'].id}").status_code == 404
