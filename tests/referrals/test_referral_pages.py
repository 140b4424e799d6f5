"""The console's referral pages: the list, the referral (audited), the decision form, opening the
case, and who may do what."""

from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forms.referral import SECTIONS
from service import clock
from service.models import AuditEvent, Case, Referral, ReferralStatus, Role
from tests.console import csrf_from, make_user, post_form, sign_in
from tests.referrals.factories import complete_answers


def fresh(session):
    session.rollback()
    session.expire_all()
    return session


def events(session, action, **where):
    query = select(AuditEvent).where(AuditEvent.action == action)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return list(fresh(session).scalars(query.order_by(AuditEvent.id)))


def text(response) -> str:
    """The page's text, as a person reads it: tags gone, entities decoded, spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(htmllib.unescape(body).split())


def decision_data(**overrides) -> dict[str, str]:
    data = {
        "meets_criteria": "yes",
        "relevant_people": "Alex Example\nSam Sample",
        "trawl_years": "5",
        "date_received-day": "8",
        "date_received-month": "10",
        "date_received-year": "2026",
        "date_considered-day": "20",
        "date_considered-month": "10",
        "date_considered-year": "2026",
        "recommendation": "Hold a review",
        "date_notified_chair-day": "21",
        "date_notified_chair-month": "10",
        "date_notified_chair-year": "2026",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def record(client, referral, page=None, **overrides):
    url = f"/console/referrals/{referral.id}/decision"
    return post_form(client, url, decision_data(**overrides), page=page)


def open_case(client, referral):
    return post_form(
        client,
        f"/console/referrals/{referral.id}/open-case",
        {},
        page=f"/console/referrals/{referral.id}",
    )


# --- the list --------------------------------------------------------------------------------


def test_no_referrals_yet(signed_in):
    page = text(signed_in.get("/console/referrals"))
    assert "There are no referrals yet" in page


def test_the_list_shows_submitted_and_decided_referrals_newest_first(
    signed_in, session, partnership, other, make_referral
):
    overdue = make_referral(partnership, "ABCDEFGHJK")  # due on 7 November 2026
    newest = make_referral(
        partnership, "BCDEFGHJKL", submitted_at=clock.now() - timedelta(hours=1),
        answers=complete_answers(deceased_name="Bo Newest"),
    )  # fmt: skip
    make_referral(
        partnership, "CDEFGHJKLM", submitted_at=clock.now() - timedelta(days=2),
        status=ReferralStatus.NOT_ACCEPTED, meets_criteria="no", decided_at=clock.now(),
    )  # fmt: skip
    make_referral(partnership, None, status=ReferralStatus.DRAFT, submitted_at=None,
                  answers=complete_answers(deceased_name="Dee Draft"))  # fmt: skip
    make_referral(other, "OTHERREF99", answers=complete_answers(deceased_name="Otto Other"))

    response = signed_in.get("/console/referrals")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    page = text(response)
    assert f'href="/console/referrals/{overdue.id}"' in body
    assert f'href="/console/referrals/{newest.id}"' in body
    assert page.index("BCDEFGHJKL") < page.index("CDEFGHJKLM") < page.index("ABCDEFGHJK")
    assert "Alex Example" in page and "Bo Newest" in page
    assert "Not accepted" in page and "New" in page
    assert "7 November 2026 Overdue" in page
    assert page.count("Overdue") == 1
    assert "Dee Draft" not in page
    assert "OTHERREF99" not in page and "Otto Other" not in page


def test_referrals_are_in_the_navigation_after_the_dashboard(signed_in):
    body = signed_in.get("/console/").get_data(as_text=True)
    assert body.index('href="/console/"') < body.index('href="/console/referrals"')
    assert body.index('href="/console/referrals"') < body.index('href="/console/cases"')


def test_the_dashboard_counts_new_and_overdue_referrals(signed_in, partnership, make_referral):
    make_referral(partnership, "ABCDEFGHJK")  # overdue
    make_referral(partnership, "BCDEFGHJKL", submitted_at=clock.now())
    make_referral(partnership, "CDEFGHJKLM", meets_criteria="yes", decided_at=clock.now())
    response = signed_in.get("/console/")
    body, page = response.get_data(as_text=True), text(response)
    assert "2 new referrals" in page
    assert "1 referral decision overdue" in page
    assert re.search(r'href="/console/referrals">\s*<span[^>]*>2</span> new referrals', body)


# --- the referral page -----------------------------------------------------------------------


def test_the_referral_page_shows_every_answer_and_the_view_is_audited(
    signed_in, session, partnership, officer, make_referral
):
    answers = complete_answers()
    referral = make_referral(partnership, answers=answers)
    response = signed_in.get(f"/console/referrals/{referral.id}")
    assert response.status_code == 200
    page = text(response)
    for section in SECTIONS:
        assert section.heading in page
    for value in (
        answers["summary"],
        answers["referrer_email"],
        answers["deceased_caring_details"],
        answers["other_agencies"][1]["reason"],
    ):
        assert value in page
    for heading in ("Person 1", "Person 2", "Agency 1", "Agency 2"):
        assert heading in page
    assert "Jo Example" in page and "Chris Example" in page and "Pat Sample" in page
    assert "17 May 1980" in page
    # The guidance.
    assert "Age at death: 46" in page
    assert "The referral appears to meet the statutory definition" in page
    assert "Guidance only: the decision is the partnership's" in page
    assert f'href="/console/referrals/{referral.id}/referral.pdf"' in response.get_data(
        as_text=True
    )
    (event,) = events(session, "referral.viewed")
    assert (event.object_type, event.object_id) == ("referral", str(referral.id))
    assert event.actor == f"user:{officer.id}"
    assert event.partnership_id == partnership.id
    assert "Alex" not in str(event.detail)
    signed_in.get(f"/console/referrals/{referral.id}")
    assert len(events(session, "referral.viewed")) == 2


def test_the_guidance_says_when_it_does_not_appear_to_meet_the_criteria(
    signed_in, partnership, make_referral
):
    referral = make_referral(partnership, answers=complete_answers(deceased_dob="2011-01-01"))
    page = text(signed_in.get(f"/console/referrals/{referral.id}"))
    assert "Age at death: 15" in page
    assert "The referral does not appear to meet the statutory definition" in page
    assert "The deceased was 15 at the date of death." in page


def test_before_a_decision_the_page_does_not_say_the_date_received_is_missing(
    signed_in, partnership, make_referral
):
    referral = make_referral(partnership)
    page = text(signed_in.get(f"/console/referrals/{referral.id}"))
    assert "Received 8 Oct 2026 10:30" in page
    assert "Date the referral was received" not in page
    assert "The dates and the recommendation are recorded with the decision" in page

    record(signed_in, referral, page=f"/console/referrals/{referral.id}/decision")
    decided = text(signed_in.get(f"/console/referrals/{referral.id}"))
    assert "Date the referral was received 8 October 2026" in decided
    assert "recorded with the decision" not in decided


def test_a_draft_is_not_in_the_console(signed_in, partnership, make_referral):
    draft = make_referral(partnership, None, status=ReferralStatus.DRAFT, submitted_at=None)
    assert signed_in.get(f"/console/referrals/{draft.id}").status_code == 404
    assert signed_in.get(f"/console/referrals/{draft.id}/decision").status_code == 404


def test_the_pdf_download_is_audited(signed_in, session, partnership, make_referral):
    referral = make_referral(partnership)
    response = signed_in.get(f"/console/referrals/{referral.id}/referral.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "referral-ABCDEFGHJK.pdf" in response.headers["Content-Disposition"]
    (event,) = events(session, "referral.downloaded")
    assert (event.object_type, event.object_id) == ("referral", str(referral.id))


# --- the decision ----------------------------------------------------------------------------


def test_the_decision_form_starts_with_the_names_and_the_day_it_was_received(
    signed_in, session, partnership, make_referral
):
    referral = make_referral(partnership)
    response = signed_in.get(f"/console/referrals/{referral.id}/decision")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    names = re.search(r'<textarea[^>]*name="relevant_people"[^>]*>(.*?)</textarea>', body, re.S)
    assert names.group(1).strip().splitlines() == [
        "Alex Example",
        "Sam Sample",
        "Jo Example",
        "Chris Example",
        "Pat Sample",
    ]
    assert re.search(r'name="date_received-day"[^>]*value="8"', body)
    assert re.search(r'name="date_received-month"[^>]*value="10"', body)
    assert re.search(r'name="date_received-year"[^>]*value="2026"', body)
    assert 'name="date_considered-day"' in body
    # It shows the names, so it is audited as a view of the referral.
    (event,) = events(session, "referral.viewed")
    assert event.detail == {"page": "decision"}


def test_recording_that_it_does_not_meet_the_criteria(
    signed_in, session, partnership, officer, make_referral
):
    referral = make_referral(partnership)
    response = record(signed_in, referral, meets_criteria="no", trawl_years="")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/console/referrals/{referral.id}")

    found = fresh(session).get(Referral, referral.id)
    assert found.status is ReferralStatus.NOT_ACCEPTED
    assert found.meets_criteria == "no" and found.decided_at is not None
    assert str(found.date_considered) == "2026-10-20"
    assert found.recommendation == "Hold a review"
    assert found.date_notified_home_office is None
    (event,) = events(session, "referral.decision_recorded")
    assert event.object_id == str(referral.id) and event.actor == f"user:{officer.id}"
    assert "meets_criteria" in event.detail["changed"]

    page = text(signed_in.get(f"/console/referrals/{referral.id}"))
    assert "The decision has been recorded" in page
    assert "Not accepted" in page
    assert "Open the case" not in page
    assert "20 October 2026" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"trawl_years": "25"}, "The number of years must be between 1 and 20"),
        ({"trawl_years": "five"}, "The number of years must be a whole number, like 5"),
        ({"trawl_years": ""}, "Enter how many years before the death agencies should search"),
        (
            {"date_received-day": "", "date_received-month": "", "date_received-year": ""},
            "Enter the date the referral was received",
        ),
        ({"date_considered-year": "2099"}, "must be today or in the past"),
        ({"date_considered-month": "13"}, "must be a real date"),
        ({"meets_criteria": "maybe"}, "Select yes if the case meets the criteria"),
    ],
)
def test_the_decision_form_says_what_is_wrong(
    signed_in, session, partnership, make_referral, overrides, message
):
    referral = make_referral(partnership)
    response = record(signed_in, referral, **overrides)
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert message in page
    assert fresh(session).get(Referral, referral.id).decided_at is None
    assert not events(session, "referral.decision_recorded")


def test_meeting_the_criteria_then_opening_the_case(signed_in, session, partnership, make_referral):
    first = make_referral(partnership, "ABCDEFGHJK")
    second = make_referral(partnership, "BCDEFGHJKL")
    assert record(signed_in, first).status_code == 302
    page = text(signed_in.get(f"/console/referrals/{first.id}"))
    assert "Meets the criteria" in page and "Open the case" in page

    response = open_case(signed_in, first)
    assert response.status_code == 302
    case = fresh(session).scalar(select(Case))
    assert case.reference == "EXA-DHR-2026-01"
    assert response.headers["Location"].endswith(f"/console/cases/{case.id}")
    case_page = text(signed_in.get(f"/console/cases/{case.id}"))
    assert "Case EXA-DHR-2026-01 has been opened" in case_page
    for name in ("Alex Example", "Sam Sample", "Jo Example", "Chris Example", "Pat Sample"):
        assert name in case_page
    assert "17 May 1980" in case_page
    assert [e.case_id for e in events(session, "case.opened")] == [case.id]
    assert [e.object_id for e in events(session, "referral.accepted")] == [str(first.id)]

    page = text(signed_in.get(f"/console/referrals/{first.id}"))
    assert "Accepted" in page and "Case EXA-DHR-2026-01" in page
    assert "Open the case" not in page
    assert "Case EXA-DHR-2026-01" in text(signed_in.get("/console/referrals"))

    # Opening it again opens nothing more.
    again = open_case(signed_in, first)
    assert again.status_code == 302
    assert "already been opened" in text(signed_in.get(again.headers["Location"]))
    assert len(fresh(session).scalars(select(Case)).all()) == 1

    record(signed_in, second)
    open_case(signed_in, second)
    references = sorted(fresh(session).scalars(select(Case.reference)))
    assert references == ["EXA-DHR-2026-01", "EXA-DHR-2026-02"]


def test_a_case_is_not_opened_before_the_decision(signed_in, session, partnership, make_referral):
    referral = make_referral(partnership)
    response = open_case(signed_in, referral)
    assert response.status_code == 302
    assert "Record a decision" in text(signed_in.get(response.headers["Location"]))
    assert fresh(session).scalars(select(Case)).all() == []


# --- who may do what -------------------------------------------------------------------------


def routes(referral) -> list[tuple[str, str]]:
    base = f"/console/referrals/{referral.id}"
    return [
        ("GET", base),
        ("GET", f"{base}/referral.pdf"),
        ("GET", f"{base}/decision"),
        ("POST", f"{base}/decision"),
        ("POST", f"{base}/open-case"),
    ]


def test_a_viewer_reads_referrals_but_cannot_decide(
    page_client, session, partnership, make_referral
):
    viewer = make_user(session, partnership, Role.VIEWER)
    referral = make_referral(partnership)
    sign_in(page_client, viewer)
    assert page_client.get("/console/referrals").status_code == 200
    response = page_client.get(f"/console/referrals/{referral.id}")
    assert response.status_code == 200
    assert "Record the decision" not in text(response)
    assert page_client.get(f"/console/referrals/{referral.id}/referral.pdf").status_code == 200
    assert page_client.get(f"/console/referrals/{referral.id}/decision").status_code == 403
    assert (
        record(page_client, referral, page=f"/console/referrals/{referral.id}").status_code == 403
    )
    assert open_case(page_client, referral).status_code == 403
    assert fresh(session).get(Referral, referral.id).decided_at is None


def test_a_chair_sees_no_referrals(page_client, session, partnership, make_referral):
    chair = make_user(session, partnership, Role.CHAIR)
    referral = make_referral(partnership)
    sign_in(page_client, chair)
    assert 'href="/console/referrals"' not in page_client.get("/console/").get_data(as_text=True)
    assert page_client.get("/console/referrals").status_code == 403
    token = csrf_from(page_client.get("/console/").get_data(as_text=True))
    headers = {"Referer": "https://localhost/console/"}
    for method, url in routes(referral):
        data = {**decision_data(), "csrf_token": token} if method == "POST" else None
        response = page_client.open(url, method=method, data=data, headers=headers)
        assert response.status_code == 403, (method, url)
    assert not events(session, "referral.viewed")


def test_another_partnerships_referral_is_not_found_on_any_route(
    signed_in, session, other, make_referral
):
    theirs = make_referral(
        other, "OTHERREF99", answers=complete_answers(deceased_name="Otto Other")
    )
    token = csrf_from(signed_in.get("/console/referrals").get_data(as_text=True))
    headers = {"Referer": "https://localhost/console/referrals"}
    for method, url in routes(theirs):
        data = {**decision_data(), "csrf_token": token} if method == "POST" else None
        response = signed_in.open(url, method=method, data=data, headers=headers)
        assert response.status_code == 404, (method, url)
        assert "Otto Other" not in response.get_data(as_text=True)
    found = fresh(session).get(Referral, theirs.id)
    assert found.decided_at is None and found.case_id is None
    assert fresh(session).scalars(select(Case)).all() == []
    assert (
        not fresh(session)
        .scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "referral", AuditEvent.object_id == str(theirs.id)
            )
        )
        .all()
    )
