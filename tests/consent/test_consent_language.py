"""A family member's language. Where the partnership offers Welsh and English, the officer asks
it with the request (Welsh, English, or not known) and can change it on the request's page
(audited); otherwise the family member's first answer, in the page's language, records it. The
emails to them, their letter and their signed form are in it; where it is not known, in both,
Welsh first (the letter and the form side by side). An English-only partnership asks nothing and
writes as before."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from service import clock
from service.consent import documents, responses
from service.consent import requests as consent_requests
from service.models import AuditEvent, ConsentDelivery, ConsentRequest, Message, Partnership
from tests.consent.factories import (
    FAMILY_EMAIL,
    FAMILY_NAME,
    VICTIM,
    answer,
    link_path,
    make_case,
    pdf_text,
)
from tests.console import make_user, post_form, sign_in
from tests.delivered import delivered_text
from tests.factories import BOTH_MARKINGS

URL = "https://dhr.example.gov.uk/consent/K7P2QX9M4T"
QUESTION = "Language to write to them in"
NOT_KNOWN_ERROR = "Select the language to write to them in, or that it is not known"
EMAIL_REQUEST = {"name": FAMILY_NAME, "relationship_to_victim": "Sister", "delivery": "email",
                 "email": FAMILY_EMAIL}  # fmt: skip

#: A sentence of each, as the letter, the form and the email say it.
WELSH_LETTER, ENGLISH_LETTER = "Cais am eich caniatâd", "A request for your consent"
WELSH_GREETING, ENGLISH_GREETING = f"Annwyl {FAMILY_NAME}", f"Dear {FAMILY_NAME}"
WELSH_EMAIL = "yn cynnal Adolygiad Dynladdiad Domestig, a hoffai ofyn am eich caniatâd"
ENGLISH_EMAIL = "is carrying out a Domestic Homicide Review, and would like to ask for your consent"
WELSH_TITLE = "Adolygiad Dynladdiad Domestig: cais am eich caniatâd"
WELSH_STATEMENT = "Rwy'n deall bod yn rhaid i asiantaethau'r sector cyhoeddus gynnal"
ENGLISH_STATEMENT = "I understand that public sector agencies are required to carry out"


def ask(session, partnership, *, language=None, delivery=ConsentDelivery.EMAIL):
    case = make_case(session, partnership)
    new = consent_requests.NewRequest(
        name=FAMILY_NAME, relationship_to_victim="Sister", delivery=delivery,
        email=FAMILY_EMAIL if delivery is ConsentDelivery.EMAIL else None,
        ask_about_suspect=True, language=language,
    )  # fmt: skip
    request = consent_requests.create(session, case, new, created_by=None, actor="test")
    session.flush()
    return request


def request_email(session, request) -> Message:
    return session.scalars(
        select(Message).where(Message.purpose == "consent.request").order_by(Message.created_at)
    ).all()[-1]


def letter(session, request) -> str:
    partnership = session.get(Partnership, request.partnership_id)
    return pdf_text(
        documents.render_letter_pdf(request, partnership=partnership, url=URL, chair="Pat Chair")
    )


def signed(session, request):
    return responses.record(
        session, request, victim_information=True, suspect_information=False,
        signed_name="Sam R", print_name=FAMILY_NAME, signed_on=dt.date(2026, 11, 20),
    )  # fmt: skip


def words(text: str) -> str:
    return " ".join(text.split())


# --- what the family member gets ---------------------------------------------------------------


def test_a_welsh_family_member_gets_the_email_the_letter_and_the_form_in_welsh(session, dyffryn):
    request = ask(session, dyffryn, language="cy")
    email = request_email(session, request)
    assert email.subject.startswith(f"{BOTH_MARKINGS}: {WELSH_TITLE} [")
    body = words(delivered_text(email))
    assert WELSH_EMAIL in body and ENGLISH_EMAIL not in body
    assert "English below" not in body

    text = letter(session, request)
    assert WELSH_LETTER in text and WELSH_GREETING in text
    assert ENGLISH_LETTER not in text and ENGLISH_GREETING not in text
    assert clock.long_date(clock.now(), "cy") in text

    response = signed(session, request)
    own = pdf_text(responses.family_copy(session, request, response))
    assert "Caniatâd rhannol" in own and WELSH_STATEMENT in own
    assert f"Caniatâd wedi'i roi i rannu gwybodaeth am {VICTIM}" in own
    assert ENGLISH_STATEMENT not in own and "Partial consent" not in own
    # The review's copy has the English beside the Welsh the family member signed.
    review = pdf_text(responses.review_copy(session, request, response).data)
    assert WELSH_STATEMENT in review and ENGLISH_STATEMENT in review
    assert review.index(WELSH_STATEMENT) < review.index(ENGLISH_STATEMENT)


def test_a_family_member_whose_language_is_not_known_gets_welsh_and_english(session, dyffryn):
    request = ask(session, dyffryn, language=None)
    email = request_email(session, request)
    # The subject's title in both languages, Welsh first, as the body.
    assert email.subject.startswith(
        f"{BOTH_MARKINGS}: {WELSH_TITLE} / Domestic Homicide Review: a request for your consent ["
    )
    body = words(delivered_text(email))
    assert body.startswith("English below")
    assert body.index(WELSH_EMAIL) < body.index(ENGLISH_EMAIL)

    text = letter(session, request)
    for welsh, english in ((WELSH_LETTER, ENGLISH_LETTER), (WELSH_GREETING, ENGLISH_GREETING)):
        assert welsh in text and english in text
        assert text.index(welsh) < text.index(english)  # Welsh on the left, read first
    # The typeable link, once; how to type it in each language.
    assert "Capital or small letters both work." in text
    assert "Mae priflythrennau a llythrennau bach yn gweithio." in text

    own = pdf_text(responses.family_copy(session, request, signed(session, request)))
    assert WELSH_STATEMENT in own and ENGLISH_STATEMENT in own
    assert "Caniatâd rhannol" in own and "Partial consent" in own


def test_an_english_only_partnership_writes_in_english_as_before(session, partnership):
    request = ask(session, partnership, language=None)
    email = request_email(session, request)
    assert email.subject.startswith("OFFICIAL-SENSITIVE: Domestic Homicide Review: a request")
    body = words(delivered_text(email))
    assert body.startswith("Hello,") and ENGLISH_EMAIL in body
    assert "English below" not in body and "Adolygiad" not in body

    text = letter(session, request)
    assert ENGLISH_GREETING in text and ENGLISH_LETTER in text
    assert "If you type it in: the letters and numbers after /consent/ are" in text
    assert "Yours sincerely" in text and "Annwyl" not in text and "caniatâd" not in text
    own = pdf_text(responses.family_copy(session, request, signed(session, request)))
    assert ENGLISH_STATEMENT in own and "Yes, I give consent" in own
    assert WELSH_STATEMENT not in own
    with pytest.raises(consent_requests.RequestRefused):
        ask(session, partnership, language="cy")


def test_the_first_answer_records_the_page_language(page_client, session, dyffryn):
    request = ask(session, dyffryn, language=None)
    session.commit()
    assert page_client.get(link_path(session, request)).status_code == 302
    assert '<html lang="cy"' in page_client.get("/consent/start?lang=cy").get_data(as_text=True)
    assert answer(page_client, victim="yes", suspect="no").status_code == 302
    session.rollback()
    assert session.get(ConsentRequest, request.id).language == "cy"


# --- the console -------------------------------------------------------------------------------


@pytest.fixture
def welsh_officer(page_client, session, dyffryn):
    assert sign_in(page_client, make_user(session, dyffryn, "officer")).status_code == 302
    return page_client


def newest(session) -> ConsentRequest:
    session.rollback()
    return session.scalars(select(ConsentRequest).order_by(ConsentRequest.id.desc())).first()


def test_the_officer_asks_and_changes_the_language(welsh_officer, session, dyffryn):
    client = welsh_officer
    case = make_case(session, dyffryn)
    session.commit()
    new = f"/console/cases/{case.id}/consent/new"
    page = client.get(new).get_data(as_text=True)
    assert QUESTION in page and "Not known: write to them in Welsh and English" in page
    assert re.search(r'lang="cy" for="language-\d">\s*Cymraeg', page)

    refused = post_form(client, new, EMAIL_REQUEST)
    assert refused.status_code == 400
    assert NOT_KNOWN_ERROR in refused.get_data(as_text=True)
    assert 'href="#language"' in refused.get_data(as_text=True)
    assert newest(session) is None
    assert post_form(client, new, {**EMAIL_REQUEST, "language": "fr"}).status_code == 400

    assert post_form(client, new, {**EMAIL_REQUEST, "language": "cy"}).status_code == 302
    request = newest(session)
    assert request.language == "cy"
    assert WELSH_EMAIL in words(delivered_text(request_email(session, request)))
    page = client.get(f"/console/consent/{request.id}").get_data(as_text=True)
    assert "Language" in page and "Cymraeg" in page
    change = f"/console/consent/{request.id}/language"
    assert f'href="{change}"' in page

    assert re.search(r'value="cy" checked', client.get(change).get_data(as_text=True))
    assert post_form(client, change, {"language": "xx"}).status_code == 400
    done = post_form(client, change, {"language": "unknown"})
    assert done.status_code == 302
    assert newest(session).language is None
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "consent.language_changed")
    ).one()
    assert event.object_id == str(request.id)

    assert post_form(client, new, {**EMAIL_REQUEST, "language": "unknown"}).status_code == 302
    assert newest(session).language is None


def test_an_english_only_partnership_asks_nothing(signed_in, session, partnership):
    case = make_case(session, partnership)
    session.commit()
    new = f"/console/cases/{case.id}/consent/new"
    assert QUESTION not in signed_in.get(new).get_data(as_text=True)
    # Sent anyway, the language is ignored: the partnership writes only in English.
    assert post_form(signed_in, new, {**EMAIL_REQUEST, "language": "cy"}).status_code == 302
    request = newest(session)
    assert request.language is None
    page = signed_in.get(f"/console/consent/{request.id}").get_data(as_text=True)
    assert "/language" not in page
    assert signed_in.get(f"/console/consent/{request.id}/language").status_code == 404
    with pytest.raises(consent_requests.RequestRefused):
        consent_requests.change_language(session, request, "cy", actor="test")


def test_the_letter_and_the_form_in_both_languages_lay_out_within_their_pages(session, dyffryn):
    from tests.service.test_pdf_layout import check

    request = ask(session, dyffryn, language=None, delivery=ConsentDelivery.LETTER)
    response = signed(session, request)
    for chair in ("Pat Chair", None):
        letter_html = documents.render_letter_html(
            request, partnership=dyffryn, url=URL, chair=chair
        )
        assert len(check(letter_html).pages) <= 2  # one sheet, printed on both sides
    for reference in ("DYF-1", None):
        check(
            documents.render_response_html(
                response, request, partnership=dyffryn, victim=VICTIM, reference=reference
            )
        )
