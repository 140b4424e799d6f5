"""The console's agency pages: the list, adding and changing an agency, who may do which, and
that another partnership's agencies are never found."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import func, select

from service.models import (
    Agency,
    AuditEvent,
    InsecureRecipientAction,
    Nation,
    Partnership,
)
from tests.console import make_user, post_form, sign_in

LIST = "/console/agencies"
NEW = "/console/agencies/new"
INSECURE = "safeguarding@exampleshire-recovery.org.uk"
NEW_AGENCY = {
    "name": "Exampleshire Fire and Rescue Service",
    "secure_addresses": (
        "Safeguarding@Exampleshire-Fire.GOV.UK\n\nduty.officer@exampleshire-fire.gov.uk"
    ),
    "escalation_contact": "",
    "on_standard_trawl_list": "y",
}


def edit_url(agency: Agency) -> str:
    return f"/console/agencies/{agency.id}/edit"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def title_of(response) -> str:
    match = re.search(r"<title>(.*?)</title>", text_of(response), re.S)
    assert match
    return " ".join(match.group(1).split())


def now_in(session):
    """End the test session's read transaction, so it sees what the requests committed (SQLite
    keeps a transaction's snapshot)."""
    session.rollback()
    return session


def agency(session, partnership, key: str) -> Agency:
    return now_in(session).scalar(
        select(Agency).where(Agency.partnership_id == partnership.id, Agency.key == key)
    )


def agency_count(session) -> int:
    return now_in(session).scalar(select(func.count()).select_from(Agency))


def events(session, action: str) -> list[AuditEvent]:
    return list(now_in(session).scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def officer(session, partnership):
    return make_user(session, partnership, "officer")


@pytest.fixture
def client(page_client, officer):
    sign_in(page_client, officer)
    return page_client


@pytest.fixture
def otherton(session):
    other = Partnership(
        slug="otherton",
        name="Otherton CSP",
        nation=Nation.ENGLAND,
        secure_domains=["otherton.gov.uk"],
        inboxes={},
    )
    session.add(other)
    session.flush()
    theirs = Agency(
        partnership_id=other.id,
        key="otherton-police",
        name="Otherton Police",
        secure_addresses=["public.protection@otherton.gov.uk"],
    )
    session.add(theirs)
    session.commit()
    return theirs


# --- the list ---------------------------------------------------------------------------------


def test_list_shows_every_agency_with_its_details(client, session, partnership):
    response = client.get(LIST)
    assert response.status_code == 200
    page = text_of(response)
    assert title_of(response) == "Agencies – DHR Forms"
    assert page.count('<tr class="govuk-table__row">') == 1 + 12
    for name in ("Exampleshire Police", "Riverside Medical Practice", "Exampleshire Recovery"):
        assert name in page
    assert "head.of.public.protection@example.police.uk" in page
    assert "Add an agency" in page
    police = agency(session, partnership, "police")
    assert f'href="{edit_url(police)}"' in page
    assert ' style="' not in page


def test_only_the_insecure_address_is_tagged_not_secure(client):
    page = text_of(client.get(LIST))
    assert page.count("Not secure</strong>") == 1
    assert re.search(
        re.escape(INSECURE) + r'\s*<strong class="govuk-tag govuk-tag--red">Not secure</strong>',
        page,
    )


def test_trawl_list_column(client, session, partnership):
    page = text_of(client.get(LIST))
    cells = re.findall(r'<td class="govuk-table__cell">(Yes|No)</td>', page)
    assert cells.count("Yes") == 10
    assert cells.count("No") == 2


# --- adding -----------------------------------------------------------------------------------


def test_add_an_agency(client, session, partnership, officer):
    page = client.get(NEW)
    assert page.status_code == 200
    assert title_of(page) == "Add an agency – DHR Forms"
    assert "Include this agency in every trawl by default" in text_of(page)

    response = post_form(client, NEW, NEW_AGENCY)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(LIST)

    added = agency(session, partnership, "exampleshire-fire-and-rescue-service")
    assert added.name == "Exampleshire Fire and Rescue Service"
    assert added.secure_addresses == [
        "Safeguarding@exampleshire-fire.gov.uk",
        "duty.officer@exampleshire-fire.gov.uk",
    ]
    assert added.escalation_contact is None
    assert added.on_standard_trawl_list is True

    listed = text_of(client.get(LIST))
    assert "Exampleshire Fire and Rescue Service saved" in listed
    assert "govuk-notification-banner--success" in listed
    assert "Exampleshire Fire and Rescue Service" in listed
    assert "not on the partnership's secure domains" not in listed

    (event,) = events(session, "agency.created")
    assert event.actor == f"user:{officer.id}"
    assert event.partnership_id == partnership.id
    assert (event.object_type, event.object_id) == ("agency", str(added.id))
    assert event.detail == {"changed": ["name", "secure_addresses", "on_standard_trawl_list"]}
    detail = json.dumps(event.detail)
    assert "@" not in detail and "Fire" not in detail


def test_key_is_unique_within_the_partnership(client, session, partnership):
    response = post_form(client, NEW, {**NEW_AGENCY, "name": "Police"})
    assert response.status_code == 302
    added = now_in(session).scalar(select(Agency).where(Agency.name == "Police"))
    assert added.key == "police-2"  # the example's own police force has the key "police"


def test_an_insecure_address_is_allowed_with_a_warning(client, session, partnership):
    data = {
        **NEW_AGENCY,
        "secure_addresses": "team@exampleshire-charity.org.uk\nduty@nhs.net",
        "escalation_contact": "director@exampleshire-charity.org.uk",
    }
    response = post_form(client, NEW, data)
    assert response.status_code == 302
    added = agency(session, partnership, "exampleshire-fire-and-rescue-service")
    assert added.secure_addresses == ["team@exampleshire-charity.org.uk", "duty@nhs.net"]

    page = text_of(client.get(LIST))
    assert "Important" in page
    assert (
        "Exampleshire Fire and Rescue Service has 1 email address not on the partnership's "
        "secure domains. Sensitive content will not be sent to it: it is sent a notice without "
        "the content instead." in page
    )
    assert page.count("Not secure</strong>") == 2


def test_the_warning_says_when_messages_are_held(client, session, partnership):
    partnership.insecure_recipient_action = InsecureRecipientAction.HOLD
    session.add(partnership)
    session.commit()
    data = {**NEW_AGENCY, "secure_addresses": "a@charity.org.uk\nb@charity.org.uk"}
    post_form(client, NEW, data)
    page = text_of(client.get(LIST))
    assert (
        "has 2 email addresses not on the partnership's secure domains. Sensitive content will "
        "not be sent to them: messages for them are held for the DHR officer to decide." in page
    )


# --- changing ---------------------------------------------------------------------------------


def test_edit_page_starts_with_the_agency(client, session, partnership):
    police = agency(session, partnership, "police")
    response = client.get(edit_url(police))
    assert response.status_code == 200
    page = text_of(response)
    assert title_of(response) == "Change Exampleshire Police – DHR Forms"
    assert 'value="Exampleshire Police"' in page
    assert "public.protection@example.police.uk</textarea>" in page
    assert 'value="head.of.public.protection@example.police.uk"' in page
    assert re.search(r'name="on_standard_trawl_list" type="checkbox" value="y" checked', page)


def test_edit_page_warns_of_insecure_addresses(client, session, partnership):
    recovery = agency(session, partnership, "drug-alcohol-service")
    page = text_of(client.get(edit_url(recovery)))
    assert "govuk-warning-text" in page
    assert "Sensitive content is not sent to this address" in page
    assert INSECURE in page


def test_edit_an_agency(client, session, partnership, officer):
    police = agency(session, partnership, "police")
    response = post_form(
        client,
        edit_url(police),
        {
            "name": "Exampleshire Police",
            "secure_addresses": "public.protection@example.police.uk\nmash@example.police.uk",
            "escalation_contact": "",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(LIST)

    changed = now_in(session).get(Agency, police.id)
    assert changed.key == "police"
    assert changed.secure_addresses == [
        "public.protection@example.police.uk",
        "mash@example.police.uk",
    ]
    assert changed.escalation_contact is None
    assert changed.on_standard_trawl_list is False

    (event,) = events(session, "agency.updated")
    assert event.actor == f"user:{officer.id}"
    assert (event.object_type, event.object_id) == ("agency", str(police.id))
    assert event.detail == {
        "changed": ["secure_addresses", "escalation_contact", "on_standard_trawl_list"]
    }
    assert "Exampleshire Police saved" in text_of(client.get(LIST))


def test_renaming_keeps_the_key_and_saving_nothing_new_is_not_audited(client, session, partnership):
    police = agency(session, partnership, "police")
    same = {
        "name": "Exampleshire Police",
        "secure_addresses": "public.protection@example.police.uk",
        "escalation_contact": "head.of.public.protection@example.police.uk",
        "on_standard_trawl_list": "y",
    }
    assert post_form(client, edit_url(police), same).status_code == 302
    assert events(session, "agency.updated") == []

    renamed = {**same, "name": "Exampleshire Constabulary"}
    assert post_form(client, edit_url(police), renamed).status_code == 302
    (event,) = events(session, "agency.updated")
    assert event.detail == {"changed": ["name"]}
    changed = now_in(session).get(Agency, police.id)
    assert (changed.name, changed.key) == ("Exampleshire Constabulary", "police")


# --- mistakes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "  "}, "Enter the agency name"),
        ({"secure_addresses": "\n"}, "Enter at least one secure email address"),
        (
            {"secure_addresses": "duty@nhs.net\nxyz"},
            "Enter each email address in the correct format, like name@example.gov.uk: "
            "'xyz' is not",
        ),
        ({"escalation_contact": "boss"}, "Enter the escalation contact's email address"),
        ({"name": "exampleshire  POLICE"}, "There is already an agency called Exampleshire Police"),
    ],
)
def test_a_mistake_is_shown_and_nothing_is_saved(client, session, partnership, change, message):
    before = agency_count(session)
    response = post_form(client, NEW, {**NEW_AGENCY, **change})
    assert response.status_code == 200
    page = text_of(response)
    assert title_of(response) == "Error: Add an agency – DHR Forms"
    assert "govuk-error-summary" in page and "There is a problem" in page
    assert message in page
    assert agency_count(session) == before
    assert events(session, "agency.created") == []


def test_a_duplicate_name_on_edit_is_refused(client, session, partnership):
    police = agency(session, partnership, "police")
    response = post_form(
        client,
        edit_url(police),
        {**NEW_AGENCY, "name": "Riverside Medical Practice"},
    )
    assert response.status_code == 200
    assert title_of(response) == "Error: Change Exampleshire Police – DHR Forms"
    assert "There is already an agency called Riverside Medical Practice" in text_of(response)
    unchanged = now_in(session).get(Agency, police.id)
    assert unchanged.name == "Exampleshire Police"
    assert events(session, "agency.updated") == []


# --- who may ----------------------------------------------------------------------------------


def test_viewer_sees_the_list_but_cannot_change_agencies(page_client, session, partnership):
    viewer = make_user(session, partnership, "viewer")
    sign_in(page_client, viewer)
    police = agency(session, partnership, "police")

    page = text_of(page_client.get(LIST))
    assert "Exampleshire Police" in page
    assert "Add an agency" not in page
    assert "/edit" not in page
    assert "Not secure</strong>" in page

    assert page_client.get(NEW).status_code == 403
    assert page_client.get(edit_url(police)).status_code == 403
    assert post_form(page_client, NEW, NEW_AGENCY, page=LIST).status_code == 403
    response = post_form(page_client, edit_url(police), NEW_AGENCY, page=LIST)
    assert response.status_code == 403
    assert agency_count(session) == 12
    assert events(session, "agency.created") == events(session, "agency.updated") == []


def test_chair_cannot_see_agencies(page_client, session, partnership):
    chair = make_user(session, partnership, "chair")
    sign_in(page_client, chair)
    assert page_client.get(LIST).status_code == 403
    assert page_client.get(NEW).status_code == 403


def test_signed_out_is_sent_to_sign_in(page_client, partnership):
    response = page_client.get(LIST)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_another_partnerships_agency_is_not_found(client, session, partnership, otherton):
    assert "Otherton Police" not in text_of(client.get(LIST))
    url = edit_url(otherton)
    assert client.get(url).status_code == 404
    for data in (NEW_AGENCY, {**NEW_AGENCY, "name": ""}):
        assert post_form(client, url, data, page=NEW).status_code == 404

    theirs = now_in(session).get(Agency, otherton.id)
    assert theirs.name == "Otherton Police"
    assert theirs.secure_addresses == ["public.protection@otherton.gov.uk"]
    assert events(session, "agency.updated") == []


def test_an_unknown_agency_is_not_found(client):
    assert client.get("/console/agencies/999999/edit").status_code == 404


def test_names_only_clash_within_a_partnership(client, session, partnership, otherton):
    response = post_form(client, NEW, {**NEW_AGENCY, "name": "Otherton Police"})
    assert response.status_code == 302
    added = agency(session, partnership, "otherton-police")
    assert added is not None and added.partnership_id == partnership.id
