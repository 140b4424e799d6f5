"""The IMR in the agency's language. In the Dyffryn Example partnership (Welsh and English), the
social services chose Welsh and the health board did not: the social services get the IMR
request, its chaser, the escalation and the acknowledgement in Welsh, their dates in Welsh, under
the marking in both languages; every page of the IMR form opens in Welsh for them, with its
error messages in Welsh, and the switcher changes it to English for the visit. What is sent to
the chair and the DHR officer stays English, and an English agency's IMR is as it was."""

from __future__ import annotations

import io

import pypdf
from sqlalchemy import select

from service.imrs import messages
from service.models import Case, ImrRequest, Message
from tests.factories import BOTH_MARKINGS as BOTH
from tests.imrs.factories import REPORT, requested_imr
from tests.imrs.filling import criteria_page, fill_checklist, open_link, post, text, upload
from tests.sweeping import sweep_here

WELSH_AGENCY = "Gwasanaethau Cymdeithasol Cyngor Dyffryn Example"
WELSH_REQUEST = "Cais am Adolygiad Rheoli Unigol"
WELSH_CHASER = "Nodyn atgoffa: mae'r Adolygiad Rheoli Unigol yn hwyr"
#: English that a Welsh email or page must not have left in it.
ENGLISH = ("Dear ", "Please ", "Your ", "The ", "If you", "IMR report", "quality assurance",
           "December", "Individual Management Review", "Thank you",
           "OFFICIAL-SENSITIVE.")  # fmt: skip


def outbox(session, purpose: str) -> list[Message]:
    session.rollback()
    session.expire_all()
    return list(session.scalars(select(Message).where(Message.purpose == purpose)))


def assert_no_english(*parts: str) -> None:
    for part in parts:
        for english in ENGLISH:
            assert english not in part, (english, part)


def case_reference(session, req: ImrRequest) -> str:
    return session.get(Case, req.case_id).reference


# --- the emails ------------------------------------------------------------------------------


def test_a_welsh_agency_gets_its_request_its_chaser_and_the_escalation_in_welsh(session, dyffryn):
    req = requested_imr(session, dyffryn, agency_key="social-services")
    session.commit()
    req_id, reference = req.id, case_reference(session, req)
    assert req.agency.language == "cy"
    address = req.agency.secure_addresses[0]
    escalation_contact = req.agency.escalation_contact

    (request,) = outbox(session, messages.REQUEST.name)
    assert request.recipient == address
    assert request.subject == f"{BOTH}: {WELSH_REQUEST} [{reference}]"
    assert request.body_text.startswith(f"{BOTH}\n\nAnnwyl {WELSH_AGENCY}\n")
    assert "fod grŵp cwmpasu Adolygiadau Dynladdiad Domestig Dyffryn Example" in request.body_text
    assert "yn gofyn i'ch asiantaeth gwblhau Adolygiad Rheoli Unigol (IMR)." in request.body_text
    assert "- Beth ddigwyddodd (cronoleg gynhwysfawr)\n" in request.body_text
    assert "Mae cylch gorchwyl yr adolygiad hwn wedi'i atodi." in request.body_text
    assert "erbyn 21 Rhagfyr 2026, drwy'r ddolen hon:" in request.body_text
    assert "\n\nYn gywir\n\nSwyddog adolygiadau dynladdiad domestig, ar ran Cadeirydd" in (
        request.body_text
    )
    assert "Mae'r e-bost hwn yn SWYDDOGOL-SENSITIF." in request.body_text
    assert_no_english(request.body_text, request.body_html)
    assert '<html lang="cy">' in request.body_html
    assert f"achos <strong>{reference}</strong>" in request.body_html
    assert "<strong>Gwnewch yn siŵr bod eich IMR wedi'i gwblhau" in request.body_html

    # The first chaser, then the second escalating: the agency and its escalation contact in
    # Welsh, the DHR officer in English.
    first = session.get(ImrRequest, req_id).next_chaser_at
    assert sweep_here(first)["imr chasers"] == 1
    (chaser,) = outbox(session, messages.CHASER.name)
    assert chaser.subject == f"{BOTH}: {WELSH_CHASER} [{reference}]"
    assert f"Ar 7 Rhagfyr 2026, gofynnodd {dyffryn.name} i'ch asiantaeth gwblhau" in (
        chaser.body_text
    )
    assert "erbyn 21 Rhagfyr 2026. Nid ydym wedi'i gael eto" in chaser.body_text
    assert "Gallwch ei anfon drwy'r un ddolen ag o'r blaen:" in chaser.body_text
    assert_no_english(chaser.body_text, chaser.body_html)
    second = session.get(ImrRequest, req_id).next_chaser_at
    assert sweep_here(second)["imr chasers"] == 1
    (escalation,) = outbox(session, messages.ESCALATION.name)
    assert escalation.recipient == escalation_contact
    assert escalation.subject == (
        f"{BOTH}: Adolygiad Rheoli Unigol yn hwyr: uwchgyfeirio [{reference}]"
    )
    assert "Annwyl gydweithiwr" in escalation.body_text
    assert f"Ar 7 Rhagfyr 2026, gofynnwyd i {WELSH_AGENCY} gwblhau" in escalation.body_text
    assert "Rydym wedi anfon 2 nodyn atgoffa" in escalation.body_text
    assert_no_english(escalation.body_text, escalation.body_html)
    officer = [m for m in outbox(session, messages.ESCALATION_OFFICER.name)]
    assert [m.subject for m in officer] == [
        f"{BOTH}: Individual Management Review overdue: agency escalated [{reference}]"
    ]
    assert "21 December 2026" in officer[0].body_text


def test_an_english_agency_gets_english_under_the_partnership_s_markings(
    session, dyffryn, partnership
):
    english = requested_imr(session, dyffryn, agency_key="health-board")
    only_english = requested_imr(session, partnership)
    session.commit()
    assert english.agency.language is None
    by_address = {m.recipient: m for m in outbox(session, messages.REQUEST.name)}
    mixed = by_address[english.agency.secure_addresses[0]]
    assert mixed.subject == (
        f"{BOTH}: Request for an Individual Management Review [{case_reference(session, english)}]"
    )
    assert mixed.body_text.startswith(f"{BOTH}\n\nDear {english.agency.name}\n")
    assert "by 21 December 2026, through this link:" in mixed.body_text
    assert '<html lang="en">' in mixed.body_html and "Annwyl" not in mixed.body_text
    # A partnership that offers only English: as it always was.
    plain = by_address[only_english.agency.secure_addresses[0]]
    assert plain.subject == (
        f"OFFICIAL-SENSITIVE: Request for an Individual Management Review "
        f"[{case_reference(session, only_english)}]"
    )
    assert plain.body_text.startswith("OFFICIAL-SENSITIVE\n\nDear ")
    assert "SWYDDOGOL" not in plain.body_text


# --- the pages -------------------------------------------------------------------------------


#: Each page of the form, its Welsh heading and, posted empty, a Welsh error it shows.
PAGES = [
    ("/imr/document", "Uwchlwytho eich adroddiad IMR", "Dewiswch eich adroddiad IMR"),
    ("/imr/details", "Yr asiantaeth a'r person sy'n llenwi'r ffurflen hon",
     "Rhowch enw'r person sy'n llenwi'r ffurflen hon"),
    ("/imr/anonymised", "Manylion dienw am y dioddefwr, y troseddwr a phobl berthnasol eraill",
     "Rhowch flaenlythrennau'r dioddefwr"),
    ("/imr/criteria/1", "Meini prawf 1 i 5",
     "Dewiswch ‘Ie’, ‘Na’ neu ‘Yn rhannol’ ar gyfer maen prawf 1"),
    ("/imr/criteria/2", "Meini prawf 6 i 10",
     "Dewiswch ‘Ie’, ‘Na’ neu ‘Yn rhannol’ ar gyfer maen prawf 10"),
    ("/imr/criteria/3", "Meini prawf 11 i 15",
     "Dewiswch ‘Ie’, ‘Na’ neu ‘Yn rhannol’ ar gyfer maen prawf 15"),
    ("/imr/signature", "Llofnodi'r ffurflen sicrhau ansawdd",
     "Rhowch eich enw llawn fel eich llofnod"),
]  # fmt: skip


def test_every_page_opens_in_welsh_and_its_errors_are_in_welsh(welsh_client):
    start = welsh_client.get("/imr/start")
    assert '<html lang="cy"' in start.get_data(as_text=True)
    said = text(start)
    assert "Adolygiad Rheoli Unigol" in said and "Individual Management Review" not in said
    assert "Anfonwch eich IMR erbyn 21 Rhagfyr 2026" in said
    assert "Lawrlwytho'r cylch gorchwyl" in said
    assert "Rydych wedi cwblhau 0 o 7 adran." in said
    assert "Heb ddechrau eto" in said and "Not yet started" not in said
    assert "Meini prawf 6 i 10" in said
    for url, heading, error in PAGES:
        page = welsh_client.get(url)
        assert page.status_code == 200, url
        assert '<html lang="cy"' in page.get_data(as_text=True), url
        assert heading in text(page), url
        assert "Cadw a pharhau" in text(page) and "Save and continue" not in text(page), url
        refused = post(welsh_client, url, {})
        assert refused.status_code == 200, url
        assert "Mae problem wedi codi" in text(refused), url
        assert error in text(refused), (url, text(refused)[:3000])
        assert "Enter " not in text(refused) and "Select " not in text(refused), url
    # Each part of the form in Welsh words: the criteria, their answers and the comments.
    criteria = text(welsh_client.get("/imr/criteria/1"))
    assert "2. Roedd yr awdur yn annibynnol" in criteria
    assert "Ie Na Yn rhannol" in criteria
    assert "Sylwadau ar faen prawf 1" in criteria
    data = criteria_page(range(1, 6))
    data["criterion_2"], data["comment_2"] = "partially", ""
    assert "Rhowch sylw ar gyfer maen prawf 2: dywedwch pam mai ‘Yn rhannol’ yw'r ateb" in text(
        post(welsh_client, "/imr/criteria/1", data)
    )
    signature = text(post(welsh_client, "/imr/signature", {"signed_on-day": "14"}))
    assert "Rhaid i'r dyddiad gynnwys mis a blwyddyn" in signature
    # An upload refused is said in Welsh too.
    assert "Mae'r ffeil a ddewiswyd yn wag" in text(upload(welsh_client, b""))
    check = text(welsh_client.get("/imr/check"))
    assert "Gwiriwch eich atebion cyn anfon eich IMR" in check
    assert "Uwchlwytho eich adroddiad IMR" in check
    assert "Cwblhewch ‘Meini prawf 1 i 5’" in check and "Cwblhewch ‘Llofnod’" in check


def test_a_welsh_agency_sends_its_imr_in_welsh_and_the_chair_and_officer_read_english(
    welsh_client, session
):
    assert upload(welsh_client, REPORT).status_code == 302
    fill_checklist(welsh_client)
    check = text(welsh_client.get("/imr/check"))
    assert "Mae problem wedi codi" not in check
    assert "Yr asiantaeth a'r person sy'n llenwi'r ffurflen hon" in check
    assert "Dyddiad 14 Rhagfyr 2026" in check  # the date signed, in Welsh
    assert "3. Roedd cyngor cyfreithiol ar gael ar gyfer agweddau allweddol Na" in check
    assert "Dyma fersiwn derfynol ein IMR" in check
    response = post(welsh_client, "/imr/check", {"is_final": "y"})
    assert response.status_code == 302, text(response)[:2000]
    confirmation = welsh_client.get("/imr/confirmation")
    said = text(confirmation)
    assert '<html lang="cy"' in confirmation.get_data(as_text=True)
    assert "IMR wedi'i anfon" in said and "Fersiwn 1 (terfynol)" in said
    assert f"a chydnabyddiaeth i gyfeiriad e-bost diogel {WELSH_AGENCY}." in said
    # The PDF is the chair's and the DHR officer's document, in English.
    pdf = welsh_client.get("/imr/confirmation/checklist.pdf")
    assert pdf.status_code == 200
    words = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Author was independent" in words and "Roedd yr awdur" not in words
    for purpose in messages.SUBMITTED:
        (sent,) = outbox(session, purpose.name)
        assert "Individual Management Review received" in sent.subject
        assert "Access to legal advice available for critical aspects: No" in sent.body_text
        assert "Ie" not in sent.body_text.split() and "Annwyl" not in sent.body_text
    acknowledgements = outbox(session, messages.ACKNOWLEDGEMENT.name)
    assert acknowledgements
    for ack in acknowledgements:
        assert ack.subject.startswith(f"{BOTH}: Adolygiad Rheoli Unigol wedi dod i law [")
        assert f"Annwyl {WELSH_AGENCY}" in ack.body_text
        assert "Fersiwn: 1 (terfynol)\nDerbyniwyd: 14 Rhagfyr 2026 am 11:00yb" in ack.body_text
        assert_no_english(ack.body_text, ack.body_html)
    # After sending, the start page says so in Welsh.
    start = text(welsh_client.get("/imr/start"))
    assert "Mae eich IMR wedi'i anfon" in start
    assert "Anfonwyd fersiwn 1, y fersiwn derfynol, ar 14 Rhagfyr 2026" in start
    assert "Anfon IMR diwygiedig" in start


def test_the_switcher_changes_the_language_for_the_visit(welsh_client):
    english = welsh_client.get("/imr/start?lang=en")
    assert '<html lang="en"' in english.get_data(as_text=True)
    said = text(english)
    assert "Individual Management Review" in said and "Send your IMR by 21 December 2026" in said
    # Kept for the visit: the next page is in English too, although the agency chose Welsh.
    refused = text(post(welsh_client, "/imr/criteria/1", {}))
    assert "Criteria 1 to 5" in refused
    assert "Select yes, no or partially for criterion 1" in refused
    assert text(welsh_client.get("/imr/start?lang=cy")).count("Adolygiad Rheoli Unigol") >= 1


def test_an_english_agency_s_pages_are_in_english(page_client, session, dyffryn, answering):
    req = requested_imr(session, dyffryn, agency_key="health-board")
    session.commit()
    open_link(page_client, session, req)
    start = page_client.get("/imr/start")
    assert '<html lang="en"' in start.get_data(as_text=True)
    said = text(start)
    assert "Individual Management Review" in said and "Send your IMR by 21 December 2026" in said
    assert "Not yet started" in said and "Adolygiad Rheoli Unigol" not in said
    refused = text(post(page_client, "/imr/anonymised", {}))
    assert "There is a problem" in refused and "Enter the victim's initials" in refused
