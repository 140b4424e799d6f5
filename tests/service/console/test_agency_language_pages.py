"""The language of an agency's emails: asked when an agency is added or changed, and shown on the
agencies page, only in a partnership that offers more than one language; loaded from the
partnership file too, where a choice made in the console is kept when the file says nothing."""

from __future__ import annotations

import re

import pytest
import yaml
from sqlalchemy import select

from service import partnerships
from service.models import Agency, AuditEvent
from tests.console import make_user, post_form, sign_in
from tests.factories import DYFFRYN
from tests.service.console.test_agencies_pages import NEW_AGENCY, edit_url, text_of

NEW = "/console/agencies/new"
LIST = "/console/agencies"
QUESTION = "Language of emails to the agency"


@pytest.fixture
def welsh_officer_client(page_client, session, dyffryn):
    sign_in(page_client, make_user(session, dyffryn, "officer"))
    return page_client


def agency_called(session, partnership, name: str) -> Agency:
    session.rollback()
    return session.scalar(
        select(Agency).where(Agency.partnership_id == partnership.id, Agency.name == name)
    )


def checked(page: str, value: str) -> bool:
    return bool(re.search(rf'name="language" type="radio" value="{value}" checked', page))


def test_an_english_only_partnership_is_not_asked(signed_in, session, partnership):
    assert QUESTION not in text_of(signed_in.get(NEW))
    assert "Language of emails" not in text_of(signed_in.get(LIST))
    # Sent anyway, the language is ignored: the partnership offers only English.
    response = post_form(signed_in, NEW, {**NEW_AGENCY, "language": "cy"})
    assert response.status_code == 302
    assert agency_called(session, partnership, NEW_AGENCY["name"]).language is None


def test_a_bilingual_partnership_asks_saves_shows_and_changes_the_language(
    welsh_officer_client, session, dyffryn
):
    client = welsh_officer_client
    page = text_of(client.get(NEW))
    assert QUESTION in page
    assert '<label class="govuk-label govuk-radios__label" for="language">' in page
    assert re.search(
        r'<label class="govuk-label govuk-radios__label" lang="cy" for="language-2">\s*Cymraeg',
        page,
    )
    # The partnership's first language is the default.
    assert checked(page, "en") and not checked(page, "cy")

    # Nothing chosen: an error that leads to the first option.
    response = post_form(client, NEW, NEW_AGENCY)
    page = text_of(response)
    assert "Select the language of the emails to the agency" in page
    assert 'href="#language"' in page
    assert agency_called(session, dyffryn, NEW_AGENCY["name"]) is None

    assert post_form(client, NEW, {**NEW_AGENCY, "language": "cy"}).status_code == 302
    added = agency_called(session, dyffryn, NEW_AGENCY["name"])
    assert added.language == "cy"
    created = session.scalars(select(AuditEvent).where(AuditEvent.action == "agency.created")).one()
    assert "language" in created.detail["changed"]

    # The agencies page shows each agency's language: the file's choice, or the first language.
    listing = text_of(client.get(LIST))
    assert "Language of emails" in listing
    police = agency_called(session, dyffryn, "Heddlu Dyffryn Example")
    assert police.language is None
    assert listing.count('<span lang="cy">Cymraeg</span>') == 2  # social services and the new one
    assert listing.count('<td class="govuk-table__cell">English</td>') == 5

    # Changed on the agency's own page, which starts with what it has now.
    page = text_of(client.get(edit_url(police)))
    assert checked(page, "en")
    data = {
        "name": police.name,
        "secure_addresses": "\n".join(police.secure_addresses),
        "escalation_contact": police.escalation_contact,
        "on_standard_trawl_list": "y",
        "language": "cy",
    }
    assert post_form(client, edit_url(police), data).status_code == 302
    assert agency_called(session, dyffryn, police.name).language == "cy"
    assert checked(text_of(client.get(edit_url(police))), "cy")
    (updated,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "agency.updated"))
    assert updated.detail == {"changed": ["language"]}

    # A language the partnership does not offer is refused.
    response = post_form(client, edit_url(police), {**data, "language": "fr"})
    assert "Select the language of the emails to the agency" in text_of(response)


def test_the_partnership_file_sets_the_language_and_reloading_keeps_the_console_s(
    session, dyffryn, tmp_path
):
    keys = {a.key: a.language for a in dyffryn.agencies}
    assert keys["social-services"] == "cy" and keys["police"] is None
    police = next(a for a in dyffryn.agencies if a.key == "police")
    police.language = "cy"  # as the console saves it
    session.commit()
    partnerships.load(session, DYFFRYN, actor="test")
    session.commit()
    assert session.get(Agency, police.id).language == "cy"

    # A language the partnership does not offer is a mistake in the file.
    data = yaml.safe_load(DYFFRYN.read_text(encoding="utf-8"))
    data["languages"] = ["en"]
    path = tmp_path / "english-only.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(partnerships.PartnershipFileError) as refused:
        partnerships.read(path)
    assert "agencies.3.language" in str(refused.value)
