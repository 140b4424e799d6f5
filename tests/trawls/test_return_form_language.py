"""The trawl-return form in the agency's language. In the Dyffryn Example partnership (Welsh and
English), the social services chose Welsh and the health board did not: the same link page
opens in Welsh for the one and in English for the other, the switcher changes it for the visit,
and an error on a Welsh page is in Welsh. What is sent stays the DHR officer's English."""

from __future__ import annotations

import io

import pypdf
import pytest

from service import clock
from service.models import TrawlReturn
from tests.trawls.answering import (
    ANSWERING_AT,
    NO_TRACE,
    answer_everything,
    open_link,
    post,
    send,
    text,
)
from tests.trawls.factories import sent_trawl

WELSH_TITLE = "Chwilio eich cofnodion ar gyfer Adolygiad Dynladdiad Domestig"
ENGLISH_TITLE = "Search your records for a Domestic Homicide Review"


@pytest.fixture(autouse=True)
def answering_time():
    with clock.frozen_at(ANSWERING_AT) as moment:
        yield moment


@pytest.fixture
def requests(session, dyffryn):
    # The first three agencies by name: the health board, probation and social services.
    trawl = sent_trawl(session, dyffryn, agency_count=3)
    session.commit()
    return {r.agency.key: r for r in trawl.requests}


def opened(client, session, req):
    assert open_link(client, session, req).status_code == 302
    return client.get("/return/start")


def test_the_form_opens_in_welsh_for_a_welsh_agency_and_in_english_for_an_english_one(
    page_app, session, requests
):
    welsh = opened(page_app.test_client(), session, requests["social-services"])
    body = welsh.get_data(as_text=True)
    assert '<html lang="cy"' in body
    assert WELSH_TITLE in text(welsh) and ENGLISH_TITLE not in text(welsh)
    assert "Heb ddechrau eto" in text(welsh)  # the task list's statuses

    english = opened(page_app.test_client(), session, requests["health-board"])
    assert '<html lang="en"' in english.get_data(as_text=True)
    assert ENGLISH_TITLE in text(english) and WELSH_TITLE not in text(english)
    assert "Not yet started" in text(english)


def test_the_switcher_changes_the_language_for_the_visit(page_app, session, requests):
    client = page_app.test_client()
    opened(client, session, requests["social-services"])
    assert ENGLISH_TITLE in text(client.get("/return/start?lang=en"))
    # Kept for the visit: the next page is in English too, although the agency chose Welsh.
    assert "Which records systems did you search?" in text(client.get("/return/systems"))


def test_an_error_on_a_welsh_page_is_in_welsh_and_what_is_sent_is_in_english(
    page_app, session, requests
):
    client = page_app.test_client()
    req = requests["social-services"]
    # Read before the pages are served: each page ends the test's session.
    trawl, request_id = req.trawl, req.id
    person = trawl.people[0]
    opened(client, session, req)
    response = post(client, f"/return/person/{person.id}", {})
    assert response.status_code == 200
    page = text(response)
    assert "Mae problem wedi codi" in page
    assert "Dewiswch ‘Ie’ os yw eich asiantaeth wedi ymwneud â'r person hwn" in page

    answer_everything(client, trawl)
    assert post(client, f"/return/person/{person.id}", NO_TRACE).status_code == 302
    assert send(client).status_code == 302
    session.expire_all()
    row = session.query(TrawlReturn).filter_by(request_id=request_id).one()
    assert row.answers["people"][str(person.id)] == NO_TRACE
    confirmation = text(client.get("/return/confirmation"))
    assert "Ymateb wedi'i anfon" in confirmation
    # The PDF is the DHR officer's document, in English, whatever the page's language.
    pdf = client.get("/return/confirmation/return.pdf")
    assert pdf.status_code == 200
    words = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Records systems searched" in words
    assert "Systemau cofnodion" not in words
