"""One service, several partnerships: each has its own referral form at /p/<slug>/refer, /refer
lists them, and a referral (or a draft of one) stays with the partnership it was begun for."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from forms.referral import SECTION_BY_SLUG
from mail import links
from service.models import Message, Nation, Partnership, Referral, ReferralStatus
from tests.referrals.factories import complete_answers
from tests.referrals.filling import declaration, fill_referral, fill_section, post


def text(response) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split()))


def service_name(response) -> str:
    found = re.search(
        r'class="govuk-service-navigation__link">\s*(.*?)\s*</a>', response.get_data(as_text=True)
    )
    assert found, "no service name in the service navigation"
    return html.unescape(found.group(1))


@pytest.fixture
def northshire(session, partnership) -> Partnership:
    """A second partnership beside the example one, with its own referrals inbox."""
    p = Partnership(
        slug="northshire",
        name="Northshire Community Safety Partnership",
        nation=Nation.ENGLAND,
        case_prefix="NOR",
        secure_domains=["*.gov.uk"],
        inboxes={"referrals": ["referrals@northshire.gov.uk"]},
        contact_email="dhr@northshire.gov.uk",
    )
    session.add(p)
    session.commit()
    return p


def fresh(session):
    session.rollback()
    session.expire_all()
    return session


def test_refer_lists_the_partnerships_when_there_are_several(page_client, partnership, northshire):
    response = page_client.get("/refer")
    assert response.status_code == 200
    page = text(response)
    assert "Choose the partnership to refer to" in page
    assert "area where the person who died normally lived" in page
    body = response.get_data(as_text=True)
    assert f'href="/p/{partnership.slug}/refer">{partnership.name}</a>' in body
    assert f'href="/p/{northshire.slug}/refer">{northshire.name}</a>' in body
    # The start page's button and a page of the form with no partnership named lead here.
    assert 'href="/refer"' in page_client.get("/").get_data(as_text=True)
    lost = page_client.get("/refer/page/referrer")
    assert lost.status_code == 302 and lost.headers["Location"] == "/refer"


@pytest.mark.parametrize("slug", ["exampleshire", "northshire"])
def test_each_partnership_form_sends_to_that_partnership(
    page_client, session, partnership, northshire, slug
):
    chosen = {p.slug: p for p in (partnership, northshire)}[slug]
    base = f"/p/{slug}/refer"
    tasks = page_client.get(base)
    assert service_name(tasks) == chosen.name
    assert chosen.name in text(tasks) and "You have completed 0 of 11 sections" in text(tasks)
    assert f'href="{base}/page/referrer"' in tasks.get_data(as_text=True)

    fill_referral(page_client, complete_answers(), base=base)
    sent = post(page_client, f"{base}/check", declaration())
    assert sent.headers["Location"] == f"{base}/confirmation"
    confirmation = page_client.get(f"{base}/confirmation")
    assert "Referral sent" in text(confirmation) and service_name(confirmation) == chosen.name

    (referral,) = fresh(session).scalars(select(Referral))
    assert referral.status is ReferralStatus.SUBMITTED
    assert referral.partnership_id == chosen.id
    to_inbox = session.scalars(
        select(Message.recipient).where(Message.purpose == "referral.submitted")
    ).all()
    assert to_inbox == chosen.inbox("referrals")
    assert {m.partnership_id for m in session.scalars(select(Message))} == {chosen.id}


def test_a_draft_for_one_partnership_does_not_open_at_another(
    page_client, page_app, session, partnership, northshire
):
    answers = complete_answers()
    fill_section(page_client, SECTION_BY_SLUG["referrer"], answers, base="/p/exampleshire/refer")
    assert "You have completed 1 of" in text(page_client.get("/p/exampleshire/refer"))

    elsewhere = text(page_client.get("/p/northshire/refer"))
    assert "You have completed 0 of" in elsewhere and "Save and come back later" not in elsewhere
    assert page_client.get("/p/northshire/refer/check").headers["Location"] == "/p/northshire/refer"
    own = page_client.get("/p/northshire/refer/page/referrer").get_data(as_text=True)
    assert answers["referrer_name"] not in own

    # A second draft, for the other partnership, leaves the first as it was.
    fill_section(page_client, SECTION_BY_SLUG["referrer"], answers, base="/p/northshire/refer")
    assert "You have completed 1 of" in text(page_client.get("/p/exampleshire/refer"))
    drafts = fresh(session).scalars(select(Referral).order_by(Referral.id)).all()
    assert [d.partnership_id for d in drafts] == [partnership.id, northshire.id]

    post(page_client, "/p/exampleshire/refer/save", {"email": "sam.referrer@exampleshire.gov.uk"})
    (message,) = fresh(session).scalars(select(Message).where(Message.purpose == "referral.resume"))
    # The link as the referrer receives it (the outbox keeps it out of the stored body).
    delivered = links.restore(message.body_text, "text", message.live_links)
    token = re.search(r"/refer/resume\?token=(\S+)", delivered).group(1)

    stranger = page_app.test_client()
    refused = stranger.get(f"/p/northshire/refer/resume?token={token}")
    assert refused.status_code == 404 and "This link does not work" in text(refused)
    assert "You have completed 0 of" in text(stranger.get("/p/northshire/refer"))
    # The plain address sends the link on to the partnership the draft was begun for.
    resumed = stranger.get(f"/refer/resume?token={token}")
    assert resumed.headers["Location"] == "/p/exampleshire/refer"
    assert "You have completed 1 of" in text(stranger.get("/p/exampleshire/refer"))


def test_a_confirmation_is_only_shown_at_its_partnership(page_client, partnership, northshire):
    fill_referral(page_client, complete_answers(), base="/p/exampleshire/refer")
    post(page_client, "/p/exampleshire/refer/check", declaration())
    assert page_client.get("/p/exampleshire/refer/confirmation").status_code == 200
    assert page_client.get("/p/northshire/refer/confirmation").status_code == 404
    assert page_client.get("/p/northshire/refer/confirmation/referral.pdf").status_code == 404


def test_an_address_naming_no_partnership_is_not_found(page_client, partnership, northshire):
    nowhere = ["/p/nowhere/refer", "/p/nowhere/refer/page/referrer", "/p/nowhere/privacy"]
    for path in ["/p/nowhere", *nowhere]:
        response = page_client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in text(response), path


def test_each_partnership_has_its_own_start_and_privacy_pages(page_client, partnership, northshire):
    start = page_client.get("/p/northshire")
    assert service_name(start) == northshire.name
    body = start.get_data(as_text=True)
    assert "Use this service to tell Northshire Community Safety Partnership" in text(start)
    assert 'href="/p/northshire/refer"' in body and 'href="mailto:dhr@northshire.gov.uk"' in body
    assert 'href="/p/northshire/privacy"' in body
    privacy = page_client.get("/p/northshire/privacy")
    assert service_name(privacy) == northshire.name
    assert "dhr@northshire.gov.uk" in text(privacy) and partnership.name not in text(privacy)
    # The form's pages keep to the partnership's own pages too.
    form = page_client.get("/p/northshire/refer").get_data(as_text=True)
    assert 'href="/p/northshire/privacy"' in form and 'href="/p/northshire"' in form


def test_a_referral_begun_before_a_second_partnership_was_added_carries_on(
    page_client, session, partnership
):
    answers = complete_answers()
    fill_section(page_client, SECTION_BY_SLUG["referrer"], answers)
    session.add(Partnership(slug="southshire", name="Southshire CSP", nation=Nation.ENGLAND))
    session.commit()

    assert "Choose the partnership to refer to" in text(page_client.get("/refer"))
    page = page_client.get("/refer/page/referrer")
    assert page.status_code == 200 and answers["referrer_name"] in page.get_data(as_text=True)
    assert service_name(page) == partnership.name
    fill_section(page_client, SECTION_BY_SLUG["deceased"], answers)
    assert "You have completed 2 of" in text(page_client.get("/p/exampleshire/refer"))


def test_with_one_partnership_its_own_address_works_too(page_client, session, partnership):
    assert "You have completed 0 of 11" in text(page_client.get("/p/exampleshire/refer"))
    assert "You have completed 0 of 11" in text(page_client.get("/refer"))
