"""The IMR written in the service, in the agency's language: for an agency whose language is
Welsh, every page of the report (how it is sent, the sections, the chronology, the action plan,
checking the report) speaks Welsh, errors and all; the report's PDF stays in English, the
chair's and the DHR officer's document. An English agency's pages are as they were."""

from __future__ import annotations

import io

import pypdf

from tests.imrs import writing
from tests.imrs.factories import requested_imr
from tests.imrs.filling import open_link, post, text

#: English that a Welsh page of the report must not have left in it.
ENGLISH = ("Your ", "The ", "your ", "Save and", "Continue", "Enter ", "Select ", "Add ",
           "Change", "Remove", "Back to", "section", "Optional", "chronology", "Action plan",
           "Cover sheet", "Check your", "There is a problem", "Not yet started", "December",
           "Domestic Homicide Review", "Write it here", "Not answered")  # fmt: skip


def assert_no_english(page: str, where: str) -> None:
    for english in ENGLISH:
        assert english not in page, (where, english, page[:3000])


#: Each page of the report, its Welsh heading and, posted empty, a Welsh error it shows.
PAGES = [
    ("/imr/report", "Sut byddwch chi'n anfon eich adroddiad IMR?",
     "Dewiswch sut y byddwch yn anfon eich adroddiad IMR"),
    ("/imr/report/section/cover", "1. Taflen glawr", "Rhowch enw awdur yr IMR"),
    ("/imr/report/section/methodology", "2. Methodoleg",
     "Rhowch y ffynonellau gwybodaeth a ddefnyddiwyd"),
    ("/imr/report/section/terms", "3. Cylch gorchwyl", "Rhowch eich ymateb i'r cylch gorchwyl"),
    ("/imr/report/section/involvement", "4. Ymwneud yr asiantaeth",
     "Rhowch grynodeb o ymwneud eich asiantaeth"),
    ("/imr/report/section/summary", "6. Crynodeb o ymwneud yr asiantaeth",
     "Rhowch grynodeb o ymwneud eich asiantaeth"),
    ("/imr/report/section/analysis", "7. Dadansoddiad o'r ymwneud",
     "Rhowch eich ateb i gwestiwn dadansoddi 1"),
    ("/imr/report/section/lessons", "7. Beth a ddysgwyd o'r achos hwn?",
     "Rhowch eich ateb i gwestiwn 1 am y gwersi a ddysgwyd"),
    ("/imr/report/chronology/0", "Ychwanegu cofnod yn y gronoleg",
     "Rhowch ffynhonnell y dystiolaeth"),
    ("/imr/report/actions/0", "Ychwanegu cam gweithredu", "Rhowch yr argymhelliad"),
]  # fmt: skip


def test_every_page_of_the_report_opens_in_welsh_and_its_errors_are_in_welsh(welsh_client):
    assert post(welsh_client, "/imr/report", {"way": "write"}).status_code == 302
    sections = welsh_client.get("/imr/report/sections")
    assert '<html lang="cy"' in sections.get_data(as_text=True)
    said = text(sections)
    assert "Eich adroddiad IMR" in said
    assert "Rydych wedi cwblhau 0 o 9 adran." in said
    assert "1. Taflen glawr" in said and "8. Cynllun gweithredu" in said
    assert "Heb ddechrau eto" in said
    assert_no_english(said, "sections")
    for url, heading, error in PAGES:
        page = welsh_client.get(url)
        assert page.status_code == 200, url
        assert '<html lang="cy"' in page.get_data(as_text=True), url
        assert heading in text(page), url
        assert_no_english(text(page), url)
        refused = post(welsh_client, url, {})
        assert refused.status_code == 200, url
        said = text(refused)
        assert "Mae problem wedi codi" in said, url
        assert error in said, (url, said[:3000])
        assert_no_english(said, f"{url} refused")
    # The chronology and the action plan, before and after a row is added.
    for url, heading in [("/imr/report/chronology", "5. Cronoleg gynhwysfawr yr asiantaeth"),
                         ("/imr/report/actions", "8. Cynllun gweithredu")]:  # fmt: skip
        page = text(welsh_client.get(url))
        assert heading in page, url
        assert_no_english(page, url)
    case = welsh_client.case
    ids = writing.people_ids(case)
    entry = writing.chronology_post(ids["Alice Example"], professional="")
    assert post(welsh_client, "/imr/report/chronology/0", entry).status_code == 302
    chronology = text(welsh_client.get("/imr/report/chronology"))
    assert "Rydych wedi ychwanegu 1 cofnod." in chronology
    assert "Cofnod 1 yn y gronoleg" in chronology and "14 Mawrth 2026" in chronology
    assert "Newid" in chronology and "Dileu" in chronology
    action = writing.action_post(key_actions="Briffio goruchwylwyr.", evidence="Cofnod briffio.",
                                 key_outcomes="Adnabod cam-drin yn gynt.")  # fmt: skip
    assert post(welsh_client, "/imr/report/actions/0", action).status_code == 302
    actions = text(welsh_client.get("/imr/report/actions"))
    assert "Cam gweithredu 1" in actions and "31 Mawrth 2027" in actions
    assert "Ychwanegu cam gweithredu arall" in actions
    # Checking the report: every section named in Welsh, and what is missing said so.
    review = welsh_client.get("/imr/report/review")
    assert '<html lang="cy"' in review.get_data(as_text=True)
    said = text(review)
    assert "Gwirio eich adroddiad IMR" in said
    assert "Cwblhewch ‘1. Taflen glawr’" in said
    assert "Swyddog arweiniol Head of Public Protection" in said
    assert "Heb ei ateb" in said
    assert_no_english(said, "review")
    # The upload page speaks Welsh; the CSV's column headings are the file's, in English.
    upload = text(welsh_client.get("/imr/report/chronology/upload"))
    assert "Uwchlwytho cronoleg" in upload
    assert "‘Name of professional’: enw'r gweithiwr proffesiynol, dewisol" in upload
    refused = post(
        welsh_client, "/imr/report/chronology/upload",
        {"file": (io.BytesIO(b"x"), "chronology.txt"), "mode": "add"},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert "Rhaid i'r ffeil a ddewiswyd fod yn ffeil CSV" in text(refused), text(refused)[:3000]


def test_the_report_s_pdf_stays_in_english_for_a_welsh_agency(welsh_client):
    assert post(welsh_client, "/imr/report", {"way": "write"}).status_code == 302
    for key, data in [("cover", writing.COVER), ("methodology", writing.METHODOLOGY),
                      ("terms", {"term_general": "Ein hateb."}),
                      ("involvement", writing.INVOLVEMENT), ("summary", writing.SUMMARY),
                      ("analysis", writing.ANALYSIS), ("lessons", writing.LESSONS)]:  # fmt: skip
        assert post(welsh_client, f"/imr/report/section/{key}", data).status_code == 302, key
    pdf = welsh_client.get("/imr/report/preview.pdf")
    assert pdf.status_code == 200
    words = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Cover sheet" in words and "Taflen glawr" not in words
    assert "Summarise your analysis" in words and "Crynhowch" not in words
    # The page after it is still Welsh.
    assert "Eich adroddiad IMR" in text(welsh_client.get("/imr/report/sections"))


def test_the_switcher_turns_the_report_s_pages_to_english(welsh_client):
    assert post(welsh_client, "/imr/report", {"way": "write"}).status_code == 302
    english = text(welsh_client.get("/imr/report/sections?lang=en"))
    assert "Your IMR report" in english and "1. Cover sheet" in english
    refused = text(post(welsh_client, "/imr/report/section/cover", {}))
    assert "Enter the name of the author of the IMR" in refused


def test_an_english_agency_s_report_pages_are_in_english(page_client, session, dyffryn, answering):
    req = requested_imr(session, dyffryn, agency_key="health-board")
    session.commit()
    open_link(page_client, session, req)
    assert post(page_client, "/imr/report", {"way": "write"}).status_code == 302
    sections = page_client.get("/imr/report/sections")
    assert '<html lang="en"' in sections.get_data(as_text=True)
    said = text(sections)
    assert "Your IMR report" in said and "You have completed 0 of 9 sections." in said
    assert "Taflen glawr" not in said
    refused = text(post(page_client, "/imr/report/section/cover", {}))
    assert "There is a problem" in refused and "Enter the name of the author of the IMR" in refused
    refused = text(post(page_client, "/imr/report", {}))
    assert "Select how you will send your IMR report" in refused


def test_a_report_not_yet_written_can_be_previewed(welsh_client):
    # Nothing answered yet: the preview is the report's empty shape, not an error.
    assert post(welsh_client, "/imr/report", {"way": "write"}).status_code == 302
    pdf = welsh_client.get("/imr/report/preview.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    words = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Cover sheet" in words
