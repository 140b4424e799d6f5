"""The initial information request: from a referral awaiting its decision, the officer asks
agencies what they hold (the trawl's pages, its links and return form), inviting them to the
scoping meeting; an agency answers through the real return form and names its
representative; the answers are on the decision page, and become the case's when it is opened.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from mail import render as mail_render
from service import clock, runtime
from service.models import (
    Agency,
    Case,
    Message,
    Partnership,
    Referral,
    Trawl,
    TrawlPerson,
    TrawlPurpose,
    TrawlRequest,
    TrawlStatus,
)
from service.referrals import decisions
from service.requests import chasing
from service.trawls import sending
from tests.console import post_form
from tests.jobs import run_worker_burst
from tests.trawls.answering import answer_everything, post, send, text

POLICE = "Exampleshire Police"
POLICE_INBOX = "public.protection@example.police.uk"
REPRESENTATIVE = {"name": "Robin Liaison", "role": "Detective Inspector, public protection"}
MEETING = {
    "meeting_date-day": "14",
    "meeting_date-month": "1",
    "meeting_date-year": "2027",
    "meeting_time": "10am to 12 noon",
    "meeting_place": "Room 2, Exampleshire Town Hall",
}

#: The sentences the two emails must not both say.
CARRYING_OUT = "is carrying out a Domestic Homicide Review"
CONSIDERING = "is considering whether to hold a Domestic Homicide Review"


def fresh(session):
    session.rollback()
    session.expire_all()
    return session


def police(session, partnership) -> Agency:
    return session.scalar(
        select(Agency).where(Agency.partnership_id == partnership.id, Agency.name == POLICE)
    )


def draft_request(client, referral: Referral, session, partnership, *, meeting: bool) -> int:
    """The officer's draft initial request to the police, everyone the referral names."""
    start = f"/console/referrals/{referral.id}/information"
    response = post_form(client, f"{start}/new", {}, page=start)
    assert response.status_code == 302
    trawl_id = int(re.search(r"/console/trawls/(\d+)/agencies$", response.headers["Location"])[1])
    base = f"/console/trawls/{trawl_id}"
    agency = police(session, partnership)
    response = post_form(client, f"{base}/agencies", {"agencies": [str(agency.id)]})
    assert response.headers["Location"].endswith(f"{base}/people")
    html = client.get(f"{base}/people").get_data(as_text=True)
    assert "Alex Example" in html and "Sam Sample" in html
    assert "Add a person" not in html  # people are added once a case is open
    response = post_form(client, f"{base}/people", {"people": ["0", "1"]})
    assert response.headers["Location"].endswith(f"{base}/scope")
    response = post_form(
        client,
        f"{base}/scope",
        {"scope_from-day": "1", "scope_from-month": "10", "scope_from-year": "2021",
         "scope_to-day": "1", "scope_to-month": "10", "scope_to-year": "2026"},
    )  # fmt: skip
    assert response.headers["Location"].endswith(f"{base}/note")
    response = post_form(client, f"{base}/note", {"note": ""})
    assert response.headers["Location"].endswith(f"{base}/check")
    if meeting:
        response = post_form(client, f"{base}/meeting", MEETING)
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.headers["Location"].endswith(f"{base}/check")
    return trawl_id


@pytest.fixture
def referral(make_referral, partnership) -> Referral:
    return make_referral(partnership)


def test_an_initial_request_from_a_referral_is_answered_shown_on_the_decision_and_carried_into_the_case(  # noqa: E501
    signed_in, page_app, session, settings, partnership, referral, mail_server
):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    # The officer, on the referral's page.
    html = signed_in.get(f"/console/referrals/{referral.id}").get_data(as_text=True)
    assert "Information from agencies" in html
    assert f"/console/referrals/{referral.id}/information" in html
    trawl_id = draft_request(signed_in, referral, session, partnership, meeting=True)
    base = f"/console/trawls/{trawl_id}"
    check = signed_in.get(f"{base}/check").get_data(as_text=True)
    assert "14 January 2027, 10am to 12 noon" in check
    preview = check[check.index('id="email-preview"') :]
    preview = preview[: preview.index("</pre>")]
    assert CONSIDERING in preview and CARRYING_OUT not in preview
    response = post_form(signed_in, f"{base}/send", {}, page=f"{base}/check")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/console/referrals/{referral.id}/information")

    s = fresh(session)
    trawl = s.get(Trawl, trawl_id)
    assert trawl.status is TrawlStatus.SENT and trawl.purpose is TrawlPurpose.INITIAL
    assert trawl.case_id is None and trawl.referral_id == referral.id
    assert [p.name for p in trawl.people] == ["Alex Example", "Sam Sample"]
    assert all(p.case_person_id is None for p in trawl.people)
    (req,) = trawl.requests
    assert req.case_id is None

    # One message over real SMTP, with the wording of a request while considering a review.
    run_worker_burst()
    (got,) = mail_server.messages
    assert got.rcpt_tos == [POLICE_INBOX]
    assert got.message["Subject"] == (
        "OFFICIAL-SENSITIVE: Request for information about a possible Domestic Homicide Review"
        f" [{referral.reference}]"
    )
    body = got.message.get_body(("plain",)).get_content()
    assert CONSIDERING in body and CARRYING_OUT not in body
    assert "If a review is held, we will ask for more detail later." in body
    assert "You are invited to the scoping meeting on 14 January 2027, 10am to 12 noon." in body
    assert "Room 2, Exampleshire Town Hall" in body
    assert "tell us on the form who will represent your agency" in body
    link = re.search(r"https://\S+/return\?token=\S+", body)[0]

    # The police answer through the real return form: invited, so they must name someone.
    agency = page_app.test_client()
    # The police, through the link in the email.
    parts = urlsplit(link)
    assert agency.get(f"{parts.path}?{parts.query}").status_code == 302
    overview = text(agency.get("/return/start"))
    assert "Your representative at the scoping meeting" in overview
    answer_everything(agency, trawl, with_chronology=False)
    incomplete = text(agency.get("/return/check"))
    assert "Complete ‘Representative’" in incomplete
    response = post(agency, "/return/representative", REPRESENTATIVE)
    assert response.status_code == 302, text(response)
    check = text(agency.get("/return/check"))
    assert "Robin Liaison" in check
    response = send(agency)
    assert response.status_code == 302, text(response)
    s = fresh(session)
    latest = s.get(TrawlRequest, req.id).latest_return
    assert latest.answers["representative"] == REPRESENTATIVE and latest.involvement

    # The decision page shows it.
    decision = signed_in.get(f"/console/referrals/{referral.id}/decision")
    assert decision.status_code == 200, (decision.status_code, decision.headers.get("Location"))
    html = decision.get_data(as_text=True)
    information = html[html.index('id="information"') :]
    assert POLICE in information and "Returned: involvement" in information
    assert "Alex Example" in information
    assert "Robin Liaison, Detective Inspector, public protection" in information
    page = signed_in.get(f"/console/referrals/{referral.id}/information")
    assert page.status_code == 200 and "Robin Liaison" in page.get_data(as_text=True)

    # The case opened from the referral takes the request, its people and its return.
    s = fresh(session)
    decisions.record_decision(
        s, s.get(Referral, referral.id), meets_criteria="yes", relevant_people=None,
        trawl_years=5, date_received=None, date_considered=None, recommendation=None,
        date_notified_chair=None, date_notified_home_office=None, actor="user:1",
    )  # fmt: skip
    s.commit()
    response = post_form(
        signed_in, f"/console/referrals/{referral.id}/open-case", {},
        page=f"/console/referrals/{referral.id}",
    )  # fmt: skip
    assert response.status_code == 302
    s = fresh(session)
    case_id = s.get(Referral, referral.id).case_id
    trawl = s.get(Trawl, trawl_id)
    assert trawl.case_id == case_id and trawl.referral_id == referral.id
    assert s.get(TrawlRequest, req.id).case_id == case_id
    people = s.scalars(select(TrawlPerson).where(TrawlPerson.trawl_id == trawl_id)).all()
    assert all(p.case_person_id is not None for p in people)
    tracker = signed_in.get(f"/console/cases/{case_id}/trawls").get_data(as_text=True)
    assert POLICE in tracker and "Returned: involvement" in tracker
    summary = signed_in.get(f"/console/cases/{case_id}/summary").get_data(as_text=True)
    representatives = summary[summary.index('id="representatives"') :]
    assert "Robin Liaison, Detective Inspector, public protection" in representatives
    request_page = signed_in.get(f"/console/trawl-requests/{req.id}")
    assert request_page.status_code == 200
    # And the referral still shows what was returned.
    html = signed_in.get(f"/console/referrals/{referral.id}").get_data(as_text=True)
    assert "Robin Liaison" in html


def test_the_returns_stay_with_the_referral_when_no_review_is_held(
    signed_in, session, partnership, referral
):
    trawl_id = draft_request(signed_in, referral, session, partnership, meeting=False)
    base = f"/console/trawls/{trawl_id}"
    assert post_form(signed_in, f"{base}/send", {}, page=f"{base}/check").status_code == 302
    s = fresh(session)
    decisions.record_decision(
        s, s.get(Referral, referral.id), meets_criteria="no", relevant_people=None,
        trawl_years=None, date_received=None, date_considered=None,
        recommendation="Not a domestic homicide", date_notified_chair=None,
        date_notified_home_office=None, actor="user:1",
    )  # fmt: skip
    s.commit()
    (req,) = fresh(session).get(Trawl, trawl_id).requests
    assert req.next_chaser_at is None  # no review: the police are not chased for it
    html = signed_in.get(f"/console/referrals/{referral.id}").get_data(as_text=True)
    information = html[html.index('id="information"') :]
    assert POLICE in information and "Awaiting" in information
    # Decided: no new request can be started from it.
    start = f"/console/referrals/{referral.id}/information"
    response = post_form(signed_in, f"{start}/new", {}, page=start)
    assert response.headers["Location"].endswith(f"/console/referrals/{referral.id}")
    assert fresh(session).scalars(select(Trawl).where(Trawl.referral_id == referral.id)).all()


def test_an_unanswered_initial_request_is_chased_before_there_is_a_case(
    signed_in, session, partnership, referral
):
    trawl_id = draft_request(signed_in, referral, session, partnership, meeting=False)
    base = f"/console/trawls/{trawl_id}"
    assert post_form(signed_in, f"{base}/send", {}, page=f"{base}/check").status_code == 302
    s = fresh(session)
    (req,) = s.get(Trawl, trawl_id).requests
    later = clock.as_utc(req.next_chaser_at) + dt.timedelta(minutes=1)
    with clock.frozen_at(later):
        assert chasing.send_due(sending.TRAWL, s, later) == 1
        s.commit()
        assert chasing.send_due(sending.TRAWL, s, later) == 0
    (chaser,) = s.scalars(select(Message).where(Message.purpose == "trawl.chaser")).all()
    assert chaser.reference == referral.reference
    assert "which it is considering for a Domestic Homicide Review" in chaser.body_text
    assert f"/console/referrals/{referral.id}/information" not in chaser.body_text  # agency's


def test_the_case_trawl_says_a_review_is_being_carried_out_and_never_if_one_goes_ahead(
    session, partnership
):
    base = {
        "partnership": partnership,
        "reference": "EX-DHR-2026-01",
        "service_url": "https://dhr.example",
        "agency_name": POLICE,
        "case_reference": "EX-DHR-2026-01",
        "due_date": "1 December 2026",
        "scope_from": "1 October 2021",
        "scope_to": "1 October 2026",
        "note": None,
        "link": "https://dhr.example/return?token=x",
        "meeting_date": None,
    }
    for considering in (False, True):
        text_body, html_body = mail_render.render(
            "trawl_request", {**base, "considering": considering}
        )
        for body in (text_body, html_body):
            flat = " ".join(re.sub(r"<[^>]+>", " ", body).split())
            assert "if a review goes ahead" not in flat.lower()
            assert "scoping meeting" not in flat
            if considering:
                assert CONSIDERING in flat and CARRYING_OUT not in flat
                assert "If a review is held" in flat
            else:
                assert CARRYING_OUT in flat and CONSIDERING not in flat
                assert "If a review is held" not in flat
                assert "later in the review" in flat


def test_a_case_trawl_can_invite_to_the_scoping_meeting_and_the_representative_is_optional_without(  # noqa: E501
    signed_in, page_app, session, partnership
):
    from tests.trawls.factories import sent_trawl

    trawl = sent_trawl(session, partnership)
    trawl.meeting_date = dt.date(2026, 12, 20)
    trawl.meeting_place = "Online: the joining link follows"
    session.commit()
    req = trawl.requests[0]
    context = sending.email_context(
        session.get(Case, trawl.case_id),
        trawl, req, req.agency, "https://dhr.example/return?token=x",
    )  # fmt: skip
    text_body, html_body = mail_render.render(
        "trawl_request",
        {"partnership": session.get(Partnership, partnership.id), "reference": "R",
         "service_url": "https://dhr.example", **context},
    )  # fmt: skip
    assert "You are invited to the scoping meeting on 20 December 2026." in text_body
    assert "Online: the joining link follows" in html_body
    assert CARRYING_OUT in text_body and CONSIDERING not in text_body

    # Without an invitation the representative is asked for, but optional.
    trawl.meeting_date = None
    trawl.meeting_place = None
    session.commit()
    from tests.trawls.answering import ANSWERING_AT, link_path

    agency = page_app.test_client()
    with clock.frozen_at(ANSWERING_AT):
        assert agency.get(link_path(session, req)).status_code == 302
        overview = text(agency.get("/return/start"))
        assert "Your agency's representative" in overview
        answer_everything(agency, trawl)
        response = post(agency, "/return/representative", {"name": "", "role": ""})
        assert response.status_code == 302
        assert send(agency).status_code == 302


def test_deleting_a_referral_not_taken_forward_deletes_its_initial_requests_and_returns(
    session, partnership, referral
):
    from service.models import TrawlReturn
    from service.retention import deletion
    from service.trawls import initial, returns

    trawl = initial.start(session, session.get(Referral, referral.id), created_by=None)
    trawl.agency_ids = [police(session, partnership).id]
    trawl.scope_from, trawl.scope_to = dt.date(2021, 10, 1), dt.date(2026, 10, 1)
    (req,) = sending.send(session, trawl, actor="test")
    returns.submit(session, req, {"people": {}}, involvement=False)
    decisions.record_decision(
        session, session.get(Referral, referral.id), meets_criteria="no", relevant_people=None,
        trawl_years=None, date_received=None, date_considered=None, recommendation=None,
        date_notified_chair=None, date_notified_home_office=None, actor="user:1",
    )  # fmt: skip
    session.commit()
    later = clock.now() + dt.timedelta(days=1)
    referral_id = referral.id
    assert deletion.delete_referral(session, referral_id, later, later)
    session.commit()
    s = fresh(session)
    assert s.get(Referral, referral_id) is None
    for model in (Trawl, TrawlRequest, TrawlReturn, TrawlPerson):
        assert s.scalars(select(model)).all() == [], model.__name__


# --- an initial request's own pages, before there is a case ---------------------------------


def _messages(session, purpose: str, agency: Agency) -> list[Message]:
    found = fresh(session).scalars(
        select(Message).where(Message.purpose == purpose).order_by(Message.created_at)
    )
    return [m for m in found if m.recipient in agency.secure_addresses]


def _link(message: Message) -> str:
    from tests.delivered import delivered_text

    return re.search(r"https://\S+/return\?token=\S+", delivered_text(message))[0]


@pytest.fixture
def asked(session, referral):
    """The referral's initial request, sent yesterday to two agencies and not yet answered."""
    from tests.trawls.factories import sent_initial_request

    trawl = sent_initial_request(
        session, session.get(Referral, referral.id), at=clock.now() - dt.timedelta(days=1)
    )
    session.commit()
    return trawl


def test_an_initial_requests_page_names_the_referral_and_leads_back_to_its_requests(
    signed_in, session, referral, asked
):
    from service.models import AuditEvent

    req = asked.requests[0]
    page = f"/console/trawl-requests/{req.id}"
    response = signed_in.get(page)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"Information request for referral {referral.reference}" in html
    assert f'href="/console/referrals/{referral.id}/information"' in html
    assert "Back to the information requests" in html and "Alex Example" in html
    assert "/console/cases/" not in html
    viewed = fresh(session).scalar(
        select(AuditEvent).where(
            AuditEvent.action == "trawl.request_viewed", AuditEvent.object_id == str(req.id)
        )
    )
    assert viewed.case_id is None and viewed.detail["referral_id"] == referral.id
    # The referral's page of requests leads to each agency's.
    listed = signed_in.get(f"/console/referrals/{referral.id}/information")
    assert page in listed.get_data(as_text=True)
    confirm = signed_in.get(f"{page}/revoke")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert f"Information request for referral {referral.reference}" in html
    assert f"Revoke the link for {req.agency.name}?" in html


def test_sending_an_initial_requests_link_again_delivers_it_with_the_same_link(
    signed_in, session, referral, asked
):
    req = asked.requests[0]
    (first,) = _messages(session, "trawl.initial_request", req.agency)
    page = f"/console/trawl-requests/{req.id}"
    response = post_form(signed_in, f"{page}/resend", {}, page=page)
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    again = _messages(session, "trawl.initial_request", req.agency)
    assert len(again) == 2 and _link(again[-1]) == _link(first)
    assert again[-1].reference == referral.reference
    assert CONSIDERING in again[-1].body_text
    assert "The link has been sent again" in signed_in.get(page).get_data(as_text=True)


def test_a_new_link_for_an_initial_request_replaces_the_old_one(
    signed_in, session, referral, asked
):
    from service import tokens
    from service.trawls import links
    from tests.console import token_of

    req = asked.requests[0]
    (first,) = _messages(session, "trawl.initial_request", req.agency)
    page = f"/console/trawl-requests/{req.id}"
    assert post_form(signed_in, f"{page}/new-link", {}, page=page).status_code == 302
    renewed = _link(_messages(session, "trawl.initial_request", req.agency)[-1])
    assert renewed != _link(first)
    s = fresh(session)
    with pytest.raises(tokens.TokenRefused):
        links.check(s, token_of(_link(first)))
    assert links.check(s, token_of(renewed)).id == req.id


def test_revoking_an_initial_requests_link_stops_it_working(signed_in, session, referral, asked):
    from service import tokens
    from service.trawls import links
    from tests.console import token_of

    req = asked.requests[0]
    (first,) = _messages(session, "trawl.initial_request", req.agency)
    page = f"/console/trawl-requests/{req.id}"
    response = post_form(signed_in, f"{page}/revoke", {}, page=f"{page}/revoke")
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    with pytest.raises(tokens.TokenRefused):
        links.check(fresh(session), token_of(_link(first)))
    html = signed_in.get(page).get_data(as_text=True)
    assert "No working link: it was revoked or has expired" in html


def test_more_time_for_an_initial_request_is_decided_on_its_page(
    signed_in, session, referral, asked
):
    from service.models import ExtensionStatus, TrawlExtension
    from service.trawls import extensions

    req = fresh(session).get(TrawlRequest, asked.requests[0].id)
    asked_for = req.due_date + dt.timedelta(days=7)
    extensions.request(session, req, new_date=asked_for, reason="Our records are archived")
    session.commit()
    page = f"/console/trawl-requests/{req.id}"
    html = signed_in.get(page).get_data(as_text=True)
    assert "Our records are archived" in html and "Do you approve the new date?" in html
    refused = post_form(signed_in, f"{page}/extension", {"decision": "refuse"}, page=page)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "There is a problem" in html
    assert f"Information request for referral {referral.reference}" in html
    response = post_form(signed_in, f"{page}/extension", {"decision": "approve"}, page=page)
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    s = fresh(session)
    assert s.get(TrawlRequest, req.id).due_date == asked_for
    assert s.scalars(select(TrawlExtension)).one().status is ExtensionStatus.APPROVED
    (told,) = _messages(session, "trawl.extension_decided", req.agency)
    assert told.reference == referral.reference and "approved" in told.body_text
    assert "Extension approved" in signed_in.get(page).get_data(as_text=True)


def test_an_initial_requests_pages_are_not_found_for_another_partnerships_officer(
    page_client, session, other, asked
):
    from service.models import Role
    from tests.console import make_user, sign_in

    req = asked.requests[0]
    agency = req.agency
    assert sign_in(page_client, make_user(session, other, Role.OFFICER)).status_code == 302
    page = f"/console/trawl-requests/{req.id}"
    assert page_client.get(page).status_code == 404
    assert page_client.get(f"{page}/revoke").status_code == 404
    for action, data in (("resend", {}), ("new-link", {}), ("revoke", {}),
                         ("extension", {"decision": "approve"})):  # fmt: skip
        response = post_form(page_client, f"{page}/{action}", data, page="/console/")
        assert response.status_code == 404, action
    assert len(_messages(session, "trawl.initial_request", agency)) == 1


def test_a_chair_sees_nothing_of_an_initial_request_before_there_is_a_case(
    page_client, session, partnership, asked
):
    from service.models import Role
    from tests.console import make_user, sign_in

    page = f"/console/trawl-requests/{asked.requests[0].id}"
    assert sign_in(page_client, make_user(session, partnership, Role.CHAIR)).status_code == 302
    assert page_client.get(page).status_code == 404
