"""The referral form in Welsh, for a partnership that offers it (Dyffryn Example: English and
Welsh). Every page of the form (the task list, each question page, each "add another" page,
check your answers, save for later and the confirmation) says ``lang="cy"`` and shows no English
the catalogue translates; an empty or wrong answer gets its message in Welsh. What is sent is
the partnership's, in English; the acknowledgement is in the language the referrer used. An
English-only partnership's form is as it was."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from forms.referral import PAGE_BY_SLUG, SECTIONS
from service.models import Message, Referral, ReferralStatus
from tests.referrals.factories import complete_answers
from tests.referrals.filling import declaration, fill_referral, form_fields, post
from tests.referrals.test_submission import pdf_text
from tests.welsh import ENGLISH

BASE = "/p/dyffryn-example/refer"
GROUPS = [s for s in SECTIONS if s.group]


def text(response) -> str:
    """What a page says: its title and its text, tags taken out."""
    body = response.get_data(as_text=True)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", body).split()))


def answered_text() -> list[str]:
    """Everything the referrer typed (it is theirs, in whatever language), longest first."""
    found: set[str] = set()

    def add(value) -> None:  # noqa: ANN001
        if isinstance(value, str):
            found.update(line.strip() for line in value.splitlines() if line.strip())
        elif isinstance(value, dict):
            for v in value.values():
                add(v)
        elif isinstance(value, list):
            for v in value:
                add(v)

    add(complete_answers())
    return sorted(found, key=len, reverse=True)


def assert_welsh(response, *allowed: str) -> str:
    """The page is in Welsh, with no English from the catalogue left on it; its text."""
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True)
    assert '<html lang="cy"' in body, body[:300]
    said = text(response)
    left = said
    for name in (*allowed, *answered_text(), "Dyffryn Example Community Safety Partnership"):
        left = left.replace(name, " ")
    left = left.replace("English", " ")  # the switcher names English in English
    english = [msgid for msgid, pattern in ENGLISH if pattern.search(left)]
    assert not english, f"{response.request.path} shows English: {english}"
    return said


def summary_links(response) -> dict[str, str]:
    """The error summary: each link's target and its message."""
    body = html.unescape(response.get_data(as_text=True))
    return dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', body))


@pytest.fixture
def welsh(page_client, dyffryn):
    """A browser that chose Cymraeg on the task list."""
    assert page_client.get(f"{BASE}?lang=cy").status_code == 200
    return page_client


# --- every page in Welsh -----------------------------------------------------------------------


def test_the_task_list_is_in_welsh(welsh):
    said = assert_welsh(welsh.get(BASE))
    assert "Atgyfeirio marwolaeth ar gyfer Adolygiad Dynladdiad Domestig" in said
    assert "Rydych wedi cwblhau 0 o 11 adran." in said
    assert "Heb ddechrau eto" in said and "1.1 Manylion y person a fu farw" in said


def test_every_question_page_is_in_welsh(welsh):
    for slug in PAGE_BY_SLUG:
        response = welsh.get(f"{BASE}/page/{slug}")
        said = assert_welsh(response)
        assert "Cadw a pharhau" in said, slug
    vulnerabilities = text(welsh.get(f"{BASE}/page/deceased-vulnerabilities"))
    assert "A oedd gan yr ymadawedig gyfrifoldebau gofalu?" in vulnerabilities
    assert "Os ‘Ie’, i ba raddau, os yw'n hysbys" in vulnerabilities
    assert "Ie Na Ddim yn hysbys" in vulnerabilities
    factors = text(welsh.get(f"{BASE}/page/relationship"))
    assert "Hysbys Tybiedig Na Ddim yn hysbys" in factors
    suspect = text(welsh.get(f"{BASE}/page/suspect-history"))
    assert "Perthnasoedd, gwasanaethau a hanes y sawl a amheuir/y troseddwr" in suspect


def test_every_add_another_page_is_in_welsh(welsh):
    answers = complete_answers()
    for section in GROUPS:
        group = section.group
        assert_welsh(welsh.get(f"{BASE}/{section.slug}"))
        assert post(welsh, f"{BASE}/{section.slug}", {"answer": "yes"}).status_code == 302
        said = assert_welsh(welsh.get(f"{BASE}/{section.slug}/0"))
        assert ("Ychwanegu asiantaeth" if group.item == "agency" else "Ychwanegu unigolyn") in said
        item = answers[group.name][0]
        added = post(welsh, f"{BASE}/{section.slug}/0", form_fields(group.questions, item))
        assert added.status_code == 302, added.get_data(as_text=True)
        listed = assert_welsh(welsh.get(f"{BASE}/{section.slug}/list"))
        if group.item == "agency":
            assert "Rydych wedi ychwanegu 1 asiantaeth" in listed
            assert "Oes angen i chi ychwanegu asiantaeth arall?" in listed
        else:
            assert "Rydych wedi ychwanegu 1 unigolyn" in listed
            assert "Oes angen i chi ychwanegu unigolyn arall?" in listed
        changing = assert_welsh(welsh.get(f"{BASE}/{section.slug}/0"))
        assert ("Newid asiantaeth" if group.item == "agency" else "Newid unigolyn") in changing
    # Two people: the heading counts them.
    second = answers["victim_household"][1]
    fields = form_fields(SECTIONS[3].group.questions, second)
    assert post(welsh, f"{BASE}/victim-household/1", fields).status_code == 302
    listed = assert_welsh(welsh.get(f"{BASE}/victim-household/list"))
    assert "Rydych wedi ychwanegu 2 o bobl" in listed
    assert "Heb ei ateb" in listed  # Chris's telephone number


def test_check_your_answers_save_for_later_and_the_confirmation_are_in_welsh(
    welsh, session, dyffryn
):
    fill_referral(welsh, complete_answers(), base=BASE)
    said = assert_welsh(welsh.get(f"{BASE}/check"))
    assert "Gwiriwch eich atebion cyn anfon eich atgyfeiriad" in said
    assert "17 Mai 1980" in said and "May" not in said  # dates in Welsh
    assert "Unigolyn 2" in said and "Asiantaeth 1" in said  # the summary cards' headings
    assert "Llofnod yr atgyfeiriwr" in said and "Derbyn ac anfon" in said
    assert "Mae'r atgyfeiriad yn mynd drwy e-bost diogel at Dyffryn Example" in said
    assert "Rydych wedi cwblhau 11 o 11 adran." in assert_welsh(welsh.get(BASE))

    said = assert_welsh(welsh.get(f"{BASE}/save"))
    assert "Er enghraifft, cyfeiriad sy'n gorffen gyda .gov.wales neu .gov.uk" in said
    saved = post(welsh, f"{BASE}/save", {"email": "robin.referrer@exampleshire.gov.uk"})
    said = assert_welsh(saved, "robin.referrer@exampleshire.gov.uk")
    assert "Rydym wedi anfon dolen at <strong>robin.referrer@exampleshire.gov.uk</strong>. " \
           "Agorwch hi i barhau â'ch atgyfeiriad." in saved.get_data(as_text=True)  # fmt: skip

    sent = post(welsh, f"{BASE}/check", declaration(), page=f"{BASE}/check")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    addresses = ("robin.referrer@exampleshire.gov.uk", "lee.leadperson@exampleshire.gov.uk")
    referral = session.scalars(select(Referral)).one()
    said = assert_welsh(welsh.get(f"{BASE}/confirmation"), referral.reference, *addresses,
                        dyffryn.contact_email, dyffryn.contact_phone)  # fmt: skip
    assert "Atgyfeiriad wedi'i anfon" in said
    assert f"Rydym wedi anfon cydnabyddiaeth gyda'r cyfeirnod hwn at {addresses[0]} a " \
           f"{addresses[1]}." in said  # fmt: skip


def test_what_is_sent_is_in_english(welsh, session, dyffryn):
    fill_referral(welsh, complete_answers(), base=BASE)
    assert post(welsh, f"{BASE}/check", declaration()).status_code == 302
    session.expire_all()
    referral = session.scalars(select(Referral)).one()
    assert referral.status is ReferralStatus.SUBMITTED
    query = select(Message).where(Message.purpose == "referral.submitted")
    (message,) = session.scalars(query).all()
    sent = " ".join(pdf_text(message.attachments[0].data).split())
    assert "Details of the deceased person" in sent and "17 May 1980" in sent
    assert "Manylion" not in sent and "Mai" not in sent
    # The referrer's own copy is in the language of their pages.
    copy = welsh.get(f"{BASE}/confirmation/referral.pdf")
    assert copy.status_code == 200
    words = " ".join(pdf_text(copy.data).split())
    assert "Atgyfeiriad ar gyfer Adolygiad Dynladdiad Domestig" in words
    assert "17 Mai 1980" in words and "Tudalen 1 o" in words and "SWYDDOGOL-SENSITIF" in words
    assert "Details of the deceased person" not in words and "Page 1 of" not in words
    # The acknowledgement to the referrer and the lead is in the language they used.
    query = select(Message).where(Message.purpose == "referral.acknowledgement")
    acknowledgements = session.scalars(query).all()
    assert len(acknowledgements) == 2
    for ack in acknowledgements:
        assert "SWYDDOGOL-SENSITIF" in ack.subject
        assert "wedi cael atgyfeiriad ar gyfer Adolygiad Dynladdiad Domestig" in ack.body_text
        assert f"Cyfeirnod: {referral.reference}" in ack.body_text
        assert "What happens next" not in ack.body_text
        assert f"Cyfeirnod: <strong>{referral.reference}</strong>" in ack.body_html


def test_a_referral_sent_in_english_is_acknowledged_in_english(page_client, session, dyffryn):
    fill_referral(page_client, complete_answers(), base=BASE)
    assert post(page_client, f"{BASE}/check", declaration()).status_code == 302
    session.expire_all()
    query = select(Message).where(Message.purpose == "referral.acknowledgement")
    acknowledgements = session.scalars(query).all()
    assert len(acknowledgements) == 2
    for ack in acknowledgements:
        assert "has received a referral for a Domestic Homicide Review" in ack.body_text
        assert "What happens next" in ack.body_text and "Cyfeirnod" not in ack.body_text


# --- error messages in Welsh ---------------------------------------------------------------------


def test_an_empty_page_gets_its_messages_in_welsh(welsh):
    response = post(welsh, f"{BASE}/page/referrer", {})
    said = assert_welsh(response)
    assert "Mae problem wedi codi" in said
    assert summary_links(response) == {
        "referrer_name": "Rhowch eich enw llawn",
        "referrer_agency": "Rhowch eich asiantaeth",
        "referrer_job_title": "Rhowch deitl eich swydd",
        "referrer_phone": "Rhowch eich rhif ffôn",
        "referrer_email": "Rhowch eich cyfeiriad e-bost",
        "referrer_date-day": "Rhowch y dyddiad atgyfeirio at yr arweinydd diogelu",
    }
    links = summary_links(post(welsh, f"{BASE}/page/suspect-vulnerabilities", {}))
    assert links["suspect_caring"] == "Dewiswch ‘Ie’ os oedd gan y sawl a amheuir gyfrifoldebau " \
                                      "gofalu"  # fmt: skip
    links = summary_links(post(welsh, f"{BASE}/page/relationship", {}))
    assert links["factor_immigration_issues"] == (
        "Dewiswch a oedd materion mewnfudo yn ffactor hysbys neu dybiedig"
    )
    assert_welsh(post(welsh, f"{BASE}/victim-household", {}))
    links = summary_links(post(welsh, f"{BASE}/victim-household", {}))
    assert links == {"answer": "Dewiswch ‘Ie’ neu ‘Na’"}


def test_a_wrong_date_email_or_telephone_number_gets_its_message_in_welsh(welsh):
    data = form_fields(PAGE_BY_SLUG["referrer"][1].questions, complete_answers())
    wrong = {**data, "referrer_phone": "12", "referrer_email": "robin.referrer",
             "referrer_date-day": "31", "referrer_date-month": "2"}  # fmt: skip
    response = post(welsh, f"{BASE}/page/referrer", wrong)
    assert_welsh(response, "robin.referrer")
    assert summary_links(response) == {
        "referrer_phone": "Rhowch eich rhif ffôn yn y fformat cywir, fel 01632 960 001 neu "
        "+44 808 157 0192",
        "referrer_email": "Rhowch eich cyfeiriad e-bost yn y fformat cywir, fel enw@example.gov.uk",
        "referrer_date-day": "Rhaid i'r dyddiad atgyfeirio at yr arweinydd diogelu fod yn "
        "ddyddiad go iawn",
    }
    insecure = post(welsh, f"{BASE}/page/referrer", {**data, "referrer_email": "robin@gmail.com"})
    assert summary_links(insecure) == {
        "referrer_email": "Rhowch gyfeiriad e-bost diogel, fel un sy'n gorffen gyda .gov.uk, "
        ".police.uk neu nhs.net"
    }
    # A date of birth after the date of death, on the page that gives it.
    deceased = form_fields(PAGE_BY_SLUG["deceased-details"][1].questions, complete_answers())
    late = {**deceased, "deceased_dob-year": "2026", "deceased_dob-month": "10",
            "deceased_dob-day": "3"}  # fmt: skip
    links = summary_links(post(welsh, f"{BASE}/page/deceased-details", late))
    assert links == {"deceased_dob-day": "Rhaid i'r dyddiad geni fod cyn y dyddiad marwolaeth"}
    missing_part = {**deceased, "deceased_date_of_death-month": ""}
    links = summary_links(post(welsh, f"{BASE}/page/deceased-details", missing_part))
    assert links == {
        "deceased_date_of_death-day": "Rhaid i'r dyddiad marwolaeth neu ddigwyddiad difrifol "
        "gynnwys mis"
    }


def test_save_for_later_refuses_an_address_in_welsh(welsh):
    data = form_fields(PAGE_BY_SLUG["referrer"][1].questions, complete_answers())
    assert post(welsh, f"{BASE}/page/referrer", data).status_code == 302
    empty = post(welsh, f"{BASE}/save", {"email": ""})
    assert summary_links(empty) == {"email": "Rhowch eich cyfeiriad e-bost"}
    insecure = post(welsh, f"{BASE}/save", {"email": "robin@gmail.com"})
    assert_welsh(insecure, "robin@gmail.com", "*.gov.wales", "*.gov.uk", "*.police.uk",
                 "*.cjsm.net", "wales.nhs.uk", "nhs.net")  # fmt: skip
    assert summary_links(insecure)["email"].startswith(
        "Rhowch gyfeiriad e-bost diogel. Dim ond i gyfeiriad ar un o'r parthau hyn"
    )


# --- English as before -------------------------------------------------------------------------


def test_the_same_partnership_in_english_and_an_english_only_partnership_are_unchanged(
    page_client, dyffryn, partnership
):
    said = text(page_client.get(f"{BASE}?lang=en"))
    assert "Refer a death for a Domestic Homicide Review" in said
    links = summary_links(post(page_client, f"{BASE}/page/suspect-vulnerabilities", {}))
    assert links["suspect_caring"] == "Select yes if the suspect had caring responsibilities"

    english = "/p/exampleshire/refer"
    response = page_client.get(f"{english}?lang=cy")
    assert '<html lang="en"' in response.get_data(as_text=True)
    said = text(response)
    assert "You have completed 0 of 11 sections." in said and "Not yet started" in said
    page = text(page_client.get(f"{english}/page/deceased-vulnerabilities"))
    assert "If yes, the extent, if known" in page and "Yes No Not known" in page
    links = summary_links(post(page_client, f"{english}/page/referrer", {}))
    assert links["referrer_job_title"] == "Enter your job title"


def test_a_resume_link_that_does_not_work_says_so_in_both_languages_where_none_is_named(
    page_client, partnership, dyffryn
):
    # Two partnerships, one offering Welsh: /refer/resume names neither, so the page cannot
    # know whose link it was and says it in Welsh and English, Welsh first.
    refused = page_client.get("/refer/resume?token=not-a-token")
    assert refused.status_code == 404
    body = refused.get_data(as_text=True)
    welsh, english = body.index('<div lang="cy">'), body.index('<div lang="en">')
    assert welsh < english
    said = text(refused)
    assert "This link does not work" in said and "Links to an unfinished referral" in said
    assert said.count("start a new referral") == 1
    # Under a partnership's own address, the page is that partnership's, in its language.
    own = page_client.get(f"{BASE}/resume?token=not-a-token&lang=cy")
    page = own.get_data(as_text=True)
    assert own.status_code == 404 and '<div lang="en">' not in page
    assert '<html lang="cy"' in page and "Nid yw'r ddolen hon yn gweithio" in text(own)
    assert "This link does not work" not in text(own)


def test_a_resume_link_that_does_not_work_is_english_where_no_partnership_offers_welsh(
    page_client, partnership
):
    refused = page_client.get("/refer/resume?token=not-a-token")
    assert refused.status_code == 404
    assert '<html lang="en"' in refused.get_data(as_text=True)
    assert "This link does not work" in text(refused)
