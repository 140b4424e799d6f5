"""Emails to agencies in their own language. In a partnership that offers Welsh and English, an
agency that chose Welsh gets its trawl request, its chasers, the escalation, the request sent
again, the decision on more time and the receipt of its return in Welsh, its dates in Welsh, and
every subject carries the marking in both languages; an English agency of the same partnership
gets English under the same marking. A partnership that offers only English is unchanged.

The fictional Dyffryn Example partnership (config/partnerships/dyffryn-example.yaml) offers both;
its social services chose Welsh in the file, its health board did not (so has the first
language, English)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from service import clock, runtime
from service.models import Agency, Case, Message, TrawlRequest
from service.requests import delivery
from service.trawls import drafting, extensions, messages, sending, submission
from tests.factories import BOTH_MARKINGS as BOTH
from tests.jobs import run_worker_burst
from tests.sweeping import outbox, sweep_here
from tests.trawls.factories import PEOPLE, SENT_AT, make_case, sent_trawl
from workers import sweep as sweep_mod

NAMES = [p["name"] for p in PEOPLE]
WELSH_REQUEST = "Cais i chwilio eich cofnodion ar gyfer Adolygiad Dynladdiad Domestig"
WELSH_CHASER = "Nodyn atgoffa: mae'r ymateb i'r cais chwilio cofnodion yn hwyr"


def requests_by_key(trawl) -> dict[str, TrawlRequest]:
    return {r.agency.key: r for r in trawl.requests}


def first_chaser_at(partnership, request: TrawlRequest) -> dt.datetime:
    return sending.TRAWL.first_chaser_at(partnership, request.due_date)


def to(messages_: list[Message], address: str) -> list[Message]:
    return [m for m in messages_ if m.recipient == address]


def assert_no_names(*parts: str) -> None:
    for part in parts:
        for name in NAMES:
            assert name not in part


def test_a_welsh_agency_gets_its_request_and_chaser_in_welsh_an_english_one_in_english(
    settings, session, dyffryn, mail_server
):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    # The first three by name: the health board, probation and social services.
    trawl = sent_trawl(session, dyffryn, agency_count=3)
    session.commit()
    by_key = requests_by_key(trawl)
    welsh, english = by_key["social-services"], by_key["health-board"]
    assert (welsh.agency.language, english.agency.language) == ("cy", None)
    case = session.get(Case, trawl.case_id)
    first = first_chaser_at(dyffryn, welsh)
    with clock.frozen_at(first):
        assert sweep_mod.run(first).checks["trawl chasers"] == 3
        run_worker_burst()
    got: dict[tuple[str, str], object] = {}
    for received in mail_server.messages:
        got[received.rcpt_tos[0], received.message["Subject"]] = received.message

    # The agency that chose Welsh: both emails in Welsh, the subjects marked in both languages.
    welsh_address = welsh.agency.secure_addresses[0]
    request = got[welsh_address, f"{BOTH}: {WELSH_REQUEST} [{case.reference}]"]
    text = request.get_body(("plain",)).get_content()
    html = request.get_body(("html",)).get_content()
    assert text.startswith(BOTH)
    assert f"Annwyl {welsh.agency.name}" in text
    assert "o dan adran 9 o Ddeddf Trais Domestig, Troseddu a Dioddefwyr 2004" in text
    assert "o 1 Medi 2021 i 1 Medi 2026" in text
    assert "Atebwch erbyn 21 Rhagfyr 2026:" in text
    assert "Mae'r e-bost hwn yn SWYDDOGOL-SENSITIF." in text
    assert "Please search" not in text and "December" not in text
    assert '<html lang="cy">' in html
    assert ">Chwilio eich cofnodion ac ateb</a>" in html
    chaser = got[welsh_address, f"{BOTH}: {WELSH_CHASER} [{case.reference}]"]
    chaser_text = chaser.get_body(("plain",)).get_content()
    assert "Ar 7 Rhagfyr 2026, gofynnodd Dyffryn Example Community Safety Partnership" in (
        chaser_text
    )
    assert "ac ateb erbyn 21 Rhagfyr 2026" in chaser_text
    assert "Gallwch ateb drwy'r un ddolen ag o'r blaen:" in chaser_text
    assert "We have not had your reply" not in chaser_text
    assert_no_names(request["Subject"], text, chaser["Subject"], chaser_text)

    # The agency with no choice of its own has the partnership's first language: English, under
    # the marking in both languages as every email of a bilingual partnership.
    english_address = english.agency.secure_addresses[0]
    request_subject = (
        f"{BOTH}: Request to search your records for a Domestic Homicide Review [{case.reference}]"
    )
    english_text = got[english_address, request_subject].get_body(("plain",)).get_content()
    assert english_text.startswith(BOTH)
    assert f"Dear {english.agency.name}" in english_text
    assert "Reply by 21 December 2026:" in english_text
    assert "Annwyl" not in english_text
    chaser_subject = f"{BOTH}: Reminder: trawl return overdue [{case.reference}]"
    english_chaser = got[english_address, chaser_subject].get_body(("html",)).get_content()
    assert '<html lang="en">' in english_chaser and "reply by 21 December 2026" in english_chaser


def test_the_escalation_resending_more_time_and_the_receipt_follow_the_agency_s_language(
    session, dyffryn
):
    trawl = sent_trawl(session, dyffryn, agency_count=3)
    session.commit()
    welsh = requests_by_key(trawl)["social-services"]
    welsh_id, agency = welsh.id, welsh.agency
    case = session.get(Case, trawl.case_id)
    first = first_chaser_at(dyffryn, welsh)
    assert sweep_here(first)["trawl chasers"] == 3
    second = session.get(TrawlRequest, welsh_id).next_chaser_at
    assert sweep_here(second)["trawl chasers"] == 3

    # The second chaser escalates: the agency's escalation contact in Welsh, the DHR officer in
    # English (both under the marking in both languages).
    (escalation,) = to(outbox(session, messages.ESCALATION.name), agency.escalation_contact)
    assert escalation.subject == (
        f"{BOTH}: Ymateb i'r cais chwilio cofnodion yn hwyr: uwchgyfeirio [{case.reference}]"
    )
    assert "Annwyl gydweithiwr" in escalation.body_text
    assert "Ar 7 Rhagfyr 2026, gofynnwyd i Gwasanaethau Cymdeithasol" in escalation.body_text
    assert "Rydym wedi anfon 2 nodyn atgoffa" in escalation.body_text
    officer = [
        m for m in outbox(session, messages.ESCALATION_OFFICER.name) if agency.name in m.body_text
    ]
    assert [m.subject for m in officer] == [
        f"{BOTH}: Trawl return overdue: agency escalated [{case.reference}]"
    ]
    assert "21 December 2026" in officer[0].body_text

    # Sent again to one of its addresses (as after a bounce): still in Welsh.
    request = session.get(TrawlRequest, welsh_id)
    delivery.deliver_request(
        sending.TRAWL, session, request, partnership=dyffryn, case=case, actor="officer",
        new_link=False, to=agency.secure_addresses[:1],
    )  # fmt: skip
    session.commit()
    resent = to(outbox(session, messages.REQUEST.name), agency.secure_addresses[0])[-1]
    assert resent.subject == f"{BOTH}: {WELSH_REQUEST} [{case.reference}]"
    assert "Atebwch erbyn" in resent.body_text

    # More time, approved: the decision and its new date in Welsh.
    asked, decided = second + dt.timedelta(hours=1), second + dt.timedelta(hours=2)
    with clock.frozen_at(asked):
        ext = extensions.request(
            session, session.get(TrawlRequest, welsh_id), new_date=dt.date(2027, 1, 8),
            reason="Cofnodion yn yr archif",
        )  # fmt: skip
    session.commit()
    with clock.frozen_at(decided):
        extensions.decide(session, ext, approve=True, actor="test", user_id=None)
    session.commit()
    (decision,) = outbox(session, messages.EXTENSION_DECIDED.name)
    assert decision.subject == (
        f"{BOTH}: Estyniad i'r cais chwilio cofnodion: penderfyniad [{case.reference}]"
    )
    assert "wedi'i gymeradwyo" in decision.body_text
    assert "Eich dyddiad cau newydd yw 8 Ionawr 2027." in decision.body_text

    # The return: its receipt in Welsh, with when it came in Welsh ("am 11:00yb").
    returned_at = dt.datetime(2027, 1, 6, 11, 0, tzinfo=dt.UTC)
    request = session.get(TrawlRequest, welsh_id)
    request.draft = {
        "people": {str(p.id): {"involvement": "no_trace"} for p in request.trawl.people},
        "chronology": [],
        "systems_checked": "Pob system",
        "declaration": True,
    }
    session.commit()
    with clock.frozen_at(returned_at):
        submission.send(session, request, dict(request.draft))
    session.commit()
    receipts = to(outbox(session, messages.RETURN_ACKNOWLEDGEMENT.name), agency.secure_addresses[0])
    (receipt,) = receipts
    assert receipt.subject == (
        f"{BOTH}: Mae'r ymateb i'r cais chwilio cofnodion wedi dod i law [{case.reference}]"
    )
    assert "Derbyniwyd: 6 Ionawr 2027 am 11:00yb" in receipt.body_text
    assert "Nid oes angen i chi wneud dim byd nawr." in receipt.body_text
    (to_officer,) = outbox(session, messages.RETURN_SUBMITTED.name)
    assert to_officer.subject == f"{BOTH}: Trawl return received [{case.reference}]"
    for message in (escalation, resent, decision, receipt):
        assert_no_names(message.subject, message.body_text, message.body_html or "")


def test_a_partnership_that_offers_only_english_is_unchanged(session, partnership):
    # Even an agency that once chose Welsh gets English where the partnership offers only English.
    police = session.scalar(
        select(Agency).where(Agency.partnership_id == partnership.id, Agency.key == "police")
    )
    police.language = "cy"
    trawl = sent_trawl(session, partnership, agency_count=12)
    session.commit()
    case = session.get(Case, trawl.case_id)
    (request,) = to(outbox(session, messages.REQUEST.name), police.secure_addresses[0])
    assert request.subject == (
        "OFFICIAL-SENSITIVE: Request to search your records for a Domestic Homicide Review "
        f"[{case.reference}]"
    )
    assert request.body_text.startswith("OFFICIAL-SENSITIVE\n")
    assert "SWYDDOGOL" not in request.body_text + request.body_html
    assert '<html lang="en">' in request.body_html
    assert "Reply by 21 December 2026" in request.body_text


def test_the_officer_s_preview_shows_the_request_as_the_welsh_agency_gets_it(session, dyffryn):
    case = make_case(session, dyffryn)
    agency = session.scalar(
        select(Agency).where(Agency.partnership_id == dyffryn.id, Agency.key == "social-services")
    )
    with clock.frozen_at(SENT_AT):
        draft = sending.start(session, case, created_by=None)
        preview = drafting.preview(case, draft, dyffryn, agency)
    assert preview.subject == f"{BOTH}: {WELSH_REQUEST} [{case.reference}]"
    assert "Atebwch erbyn 21 Rhagfyr 2026" in preview.text
