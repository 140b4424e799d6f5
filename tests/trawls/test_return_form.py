"""The agency's trawl-return form through its pages: an agency opens its link, answers for each
person ("no trace" included), lists the systems it searched, adds a chronology, saves and comes
back, sends its return (the DHR officer gets the PDF, the agency an acknowledgement without
personal data) and amends it later."""

from __future__ import annotations

import datetime as dt
import io
import re

import pypdf
import pytest
from sqlalchemy import select

from forms import trawl_return as catalogue
from forms import trawl_return_pages as pages
from service import clock, runtime
from service.models import (
    Agency,
    AuditEvent,
    Message,
    TrawlExtension,
    TrawlRequest,
    TrawlReturn,
)
from service.trawls import extensions
from tests.jobs import run_worker_burst
from tests.trawls.answering import (
    ANSWERING_AT,
    COMPLETED_BY,
    NATURE,
    NO_TRACE,
    SERVICES,
    SYSTEMS,
    answer_everything,
    chronology_entry,
    date_fields,
    involved,
    open_link,
    post,
    send,
    text,
)
from tests.trawls.factories import sent_trawl

OFFICER_INBOX = "dhr.officer@exampleshire.gov.uk"


@pytest.fixture(autouse=True)
def answering_time():
    with clock.frozen_at(ANSWERING_AT) as moment:
        yield moment


@pytest.fixture
def trawl(session, partnership):
    trawl = sent_trawl(session, partnership)
    session.commit()
    return trawl


@pytest.fixture
def req(trawl) -> TrawlRequest:
    return trawl.requests[0]


@pytest.fixture
def agency_client(page_client, session, req):
    """A browser that has opened the first agency's link."""
    response = open_link(page_client, session, req)
    assert response.status_code == 302
    return page_client


def fresh(session, row):
    session.rollback()
    session.expire_all()
    return session.get(type(row), row.id)


def messages(session, purpose: str) -> list[Message]:
    session.expire_all()
    return list(
        session.scalars(
            select(Message).where(Message.purpose == purpose).order_by(Message.created_at)
        )
    )


def pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages
    )


def personal_values(trawl) -> list[str]:
    """Everything about the people and the person completing the return: none of it may be in
    a subject line or the agency's acknowledgement."""
    values = []
    for p in trawl.people:
        values += [p.name, p.address, f"{p.date_of_birth:%-d %B %Y}", p.date_of_birth.isoformat()]
    values += [NATURE, SERVICES, SYSTEMS, *COMPLETED_BY.values()]
    return values


# --- the overview ----------------------------------------------------------------------------


def test_the_link_opens_the_overview_without_the_token_in_the_address(
    page_client, session, trawl, req
):
    response = open_link(page_client, session, req)
    assert response.status_code == 302
    assert response.headers["Location"] == "/return/start"

    page = page_client.get("/return/start")
    assert page.status_code == 200
    words = text(page)
    assert "EXA-DHR-2026-" in words
    assert "1 September 2021 to 1 September 2026" in words  # the scoping period
    assert "Reply by 21 December 2026" in words
    for p in trawl.people:
        assert p.name in words and p.address in words and p.relation in words
    assert "14 March 1985" in words  # the victim's date of birth
    assert "You have completed 0 of" in words
    assert session.get(Agency, req.agency_id).name in words
    opened = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "trawl.link_opened")
    ).all()
    assert [e.object_id for e in opened] == [str(req.id)]


# --- answering, sending ----------------------------------------------------------------------


def test_a_return_is_sent_as_version_1_with_the_pdf_to_the_officer(
    agency_client, session, settings, trawl, req, mail_server
):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    victim, suspect, child = trawl.people
    answer_everything(agency_client, trawl)

    overview = text(agency_client.get("/return/start"))
    assert "You have completed 5 of 5 sections" in overview
    check = agency_client.get("/return/check")
    words = text(check)
    assert "Check your answers before sending your return" in words
    assert NATURE in words and SYSTEMS in words and "Practice nurse J" in words
    assert f"Contact with {victim.name} (Victim)" in words

    response = send(agency_client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/return/confirmation"
    confirmation = text(agency_client.get("/return/confirmation"))
    assert "Return sent" in confirmation and "Version 1" in confirmation

    row = session.scalars(select(TrawlReturn).where(TrawlReturn.request_id == req.id)).one()
    assert row.version == 1 and row.involvement is True and row.changes == []
    assert set(row.answers["people"]) == {str(p.id) for p in trawl.people}
    assert row.answers["people"][str(suspect.id)] == {"involvement": "no_trace"}
    victim_answer = row.answers["people"][str(victim.id)]
    assert victim_answer["first_contact"] == "2024-02-05" and victim_answer["dash_risk"] == "high"
    assert row.answers["chronology"][0]["contact_with"] == str(victim.id)
    assert row.answers["completed_by"] == COMPLETED_BY
    assert row.answers["declaration"] is True
    request_row = fresh(session, req)
    assert request_row.returned_at is not None and request_row.next_chaser_at is None
    assert request_row.draft is None

    run_worker_burst()
    got = {
        m.rcpt_tos[0]: m.message
        for m in mail_server.messages
        if "Trawl return received" in m.message["Subject"]
    }
    officer = got.pop(OFFICER_INBOX)
    reference = re.search(r"\[(.+)\]", officer["Subject"]).group(1)
    assert officer["Subject"] == f"OFFICIAL-SENSITIVE: Trawl return received [{reference}]"
    body = officer.get_body(("plain",)).get_content()
    assert f"{settings.SERVICE_URL}/console/cases/{req.case_id}/trawls" in body
    assert "amended" not in body
    (attachment,) = list(officer.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"trawl-return-{reference}-v1.pdf"
    pdf = pdf_text(attachment.get_content())
    for value in (victim.name, suspect.name, NATURE, SYSTEMS, "No trace", "High",
                  "Practice nurse J", COMPLETED_BY["name"], reference):  # fmt: skip
        assert " ".join(value.split()) in pdf, value

    # The agency's inbox, and the person who completed the return on their secure address.
    agency = session.get(Agency, req.agency_id)
    assert sorted(got) == sorted([*agency.secure_addresses, COMPLETED_BY["email"]])
    for ack in got.values():
        assert ack["Subject"] == f"OFFICIAL-SENSITIVE: Trawl return received [{reference}]"
        assert list(ack.iter_attachments()) == []
        ack_body = ack.get_body(("plain",)).get_content() + ack.get_body(("html",)).get_content()
        assert reference in ack_body
        for value in personal_values(trawl):
            assert value not in ack_body, value
    for message in [officer, *got.values()]:
        for value in personal_values(trawl):
            assert value not in message["Subject"]


def test_the_overview_after_sending_shows_the_return_and_offers_an_amendment(agency_client, trawl):
    answer_everything(agency_client, trawl)
    send(agency_client)
    words = text(agency_client.get("/return/start"))
    assert "Your return has been sent" in words and "Version 1 was sent on" in words
    assert NATURE in words
    assert "Amend your return" in words
    # Pages that change answers go back to the overview until an amendment is started.
    response = post(agency_client, "/return/systems", {"systems_checked": "Changed"},
                    page="/return/start")  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"] == "/return/start"


def test_an_amendment_is_version_2_with_what_changed(agency_client, session, settings, trawl, req):
    victim = trawl.people[0]
    answer_everything(agency_client, trawl)
    send(agency_client)

    assert post(agency_client, "/return/amend", {}, page="/return/start").status_code == 302
    words = text(agency_client.get("/return/start"))
    assert "You are amending your return" in words
    assert post(agency_client, "/return/systems",
                {"systems_checked": "EMIS Web and the archive"}).status_code == 302  # fmt: skip
    new_nature = "Three appointments, the last one about a head injury."
    assert post(agency_client, f"/return/person/{victim.id}",
                involved(nature=new_nature)).status_code == 302  # fmt: skip
    check = text(agency_client.get("/return/check"))
    assert "What you have changed since version 1" in check
    assert "EMIS Web and the archive" in check

    response = send(agency_client)
    assert response.headers["Location"] == "/return/confirmation"
    rows = session.scalars(
        select(TrawlReturn).where(TrawlReturn.request_id == req.id).order_by(TrawlReturn.version)
    ).all()
    assert [r.version for r in rows] == [1, 2]
    changes = rows[1].changes
    assert {"field": "Records systems searched: Which records systems did you search?",
            "before": SYSTEMS, "after": "EMIS Web and the archive"} in changes  # fmt: skip
    assert {"field": f"{victim.name} (Victim): Nature of your involvement",
            "before": NATURE, "after": new_nature} in changes  # fmt: skip
    assert len(changes) == 2
    assert rows[0].answers["systems_checked"] == SYSTEMS  # the first version is untouched

    confirmation = text(agency_client.get("/return/confirmation"))
    assert "Amendment sent" in confirmation and "Version 2" in confirmation
    assert "What you changed since version 1" in confirmation and new_nature in confirmation

    officer = messages(session, "trawl.return_submitted")
    assert len(officer) == 2
    (latest,) = [m for m in officer if "This is version 2" in m.body_text]
    assert "amended" in latest.body_text
    assert "EMIS Web and the archive" in latest.body_text
    (attachment,) = latest.attachments
    assert attachment.filename.endswith("-v2.pdf")
    pdf = pdf_text(attachment.data)
    assert "What changed from version 1" in pdf and new_nature in pdf
    assert victim.name not in latest.subject
    # Each version's acknowledgement goes to the inbox and to the person who completed it; all
    # carry the same (frozen) time: which is which is in the text.
    acks = messages(session, "trawl.return_acknowledgement")
    assert len(acks) == 4 and sum("amended" in a.body_text for a in acks) == 2
    amended = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "trawl.return_amended")
    ).all()
    assert len(amended) == 1


def test_a_return_completed_from_the_agencys_own_inbox_is_acknowledged_once(
    agency_client, session, trawl, req
):
    inbox = session.get(Agency, req.agency_id).secure_addresses[0]
    answer_everything(agency_client, trawl)
    # The same mailbox as the inbox, written in capitals: still one mailbox, one message.
    response = post(agency_client, "/return/your-details", {**COMPLETED_BY, "email": inbox.upper()})
    assert response.status_code == 302, text(response)
    assert send(agency_client).headers["Location"] == "/return/confirmation"
    session.rollback()
    acks = messages(session, "trawl.return_acknowledgement")
    assert [a.recipient for a in acks] == [inbox]


def test_an_amendment_can_be_cancelled(agency_client, session, trawl, req):
    answer_everything(agency_client, trawl)
    send(agency_client)
    post(agency_client, "/return/amend", {}, page="/return/start")
    post(agency_client, "/return/systems", {"systems_checked": "Something else"})
    assert fresh(session, req).draft["systems_checked"] == "Something else"
    post(agency_client, "/return/amend/cancel", {}, page="/return/start")
    assert fresh(session, req).draft is None
    assert "Your return has been sent" in text(agency_client.get("/return/start"))


# --- save and come back later ----------------------------------------------------------------


def test_save_and_come_back_later_through_the_same_link(
    agency_client, page_app, session, trawl, req
):
    victim = trawl.people[0]
    response = post(agency_client, f"/return/person/{victim.id}",
                    {**involved(), "action": "later"})  # fmt: skip
    assert response.headers["Location"] == "/return/saved"
    saved = text(agency_client.get("/return/saved"))
    assert "Your answers have been saved" in saved and "The link works until" in saved
    assert fresh(session, req).draft["people"][str(victim.id)]["nature"] == NATURE

    later = page_app.test_client()
    assert later.get(f"/return/person/{victim.id}").status_code == 404  # no link yet
    open_link(later, session, req)
    page = later.get(f"/return/person/{victim.id}").get_data(as_text=True)
    assert NATURE in page
    assert 'name="first_contact-year" type="text" value="2024"' in page or ('value="2024"' in page)
    assert "Completed" in text(later.get("/return/start"))


# --- errors ----------------------------------------------------------------------------------


def test_missing_details_are_listed_in_the_error_summary_and_answers_kept(agency_client, trawl):
    victim = trawl.people[0]
    response = post(agency_client, f"/return/person/{victim.id}",
                    {"involvement": "yes", "nature": "Kept as typed"})  # fmt: skip
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<title>Error: " in body
    assert "There is a problem" in body
    for href, message in [
        ("#first_contact-day", "Enter the date of first contact"),
        ("#last_contact-day", "Enter the date of last contact"),
        ("#services", "Enter the services offered or provided"),
        ("#dash_risk", "Select the DASH risk level, or that none was completed"),
        ("#marac", "Select yes if this person was referred to MARAC"),
        ("#records_secured", "Select yes if your records about this person have been secured"),
    ]:
        assert f'<a href="{href}">{message}</a>' in body, message
    assert "Kept as typed" in body


def test_no_trace_needs_no_details(agency_client, session, trawl, req):
    victim = trawl.people[0]
    response = post(agency_client, f"/return/person/{victim.id}",
                    {**NO_TRACE, "nature": "ignored", "first_contact-day": "99"})  # fmt: skip
    assert response.status_code == 302
    assert fresh(session, req).draft["people"] == {str(victim.id): {"involvement": "no_trace"}}


def test_nothing_chosen_and_too_long_text_are_clear_errors(agency_client, trawl):
    victim = trawl.people[0]
    body = post(agency_client, f"/return/person/{victim.id}", {}).get_data(as_text=True)
    assert ('<a href="#involvement">Select yes if your agency has had any involvement with '
            "this person</a>") in body  # fmt: skip
    body = post(agency_client, f"/return/person/{victim.id}",
                involved(nature="x" * 5001)).get_data(as_text=True)  # fmt: skip
    assert "The nature of your involvement must be 5,000 characters or fewer" in body
    body = post(agency_client, "/return/systems", {"systems_checked": "y" * 5001}).get_data(
        as_text=True
    )
    assert "The records systems you searched must be 5,000 characters or fewer" in body


def test_future_dates_are_errors(agency_client, trawl):
    victim = trawl.people[0]
    tomorrow = ANSWERING_AT.date() + dt.timedelta(days=1)
    response = post(agency_client, f"/return/person/{victim.id}",
                    involved(**date_fields("last_contact", tomorrow)))  # fmt: skip
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ('<a href="#last_contact-day">The date of last contact must be today or in the '
            "past</a>") in body  # fmt: skip
    response = post(agency_client, "/return/chronology/0",
                    chronology_entry(victim.id, **date_fields("date", tomorrow)))  # fmt: skip
    assert "The date must be today or in the past" in response.get_data(as_text=True)


def test_last_contact_before_first_contact_is_an_error(agency_client, trawl):
    victim = trawl.people[0]
    body = post(agency_client, f"/return/person/{victim.id}",
                involved(**date_fields("last_contact", dt.date(2023, 1, 1))),
                ).get_data(as_text=True)  # fmt: skip
    assert "The date of last contact must be the same as or after the date of first contact" in (
        body
    )


def test_your_details_need_a_secure_email_and_a_real_phone(agency_client):
    body = post(agency_client, "/return/your-details",
                {**COMPLETED_BY, "email": "morgan@gmail.com", "phone": "12"}).get_data(
                    as_text=True)  # fmt: skip
    assert "Enter a secure email address" in body
    assert "Enter your telephone number in the correct format" in body


def test_the_declaration_is_needed_to_send(agency_client, session, trawl, req):
    answer_everything(agency_client, trawl)
    response = post(agency_client, "/return/check", {})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<a href="#declaration">Confirm the declaration to send your return</a>' in body
    assert session.scalars(select(TrawlReturn)).all() == []


def test_an_unfinished_return_cannot_be_sent(agency_client, session, trawl):
    victim = trawl.people[0]
    post(agency_client, f"/return/person/{victim.id}", NO_TRACE)
    response = post(agency_client, "/return/check", {"declaration": "y"}, page="/return/systems")
    assert response.status_code == 200
    words = text(response)
    assert "You need to complete every section" in words
    for p in trawl.people[1:]:
        assert f"Complete ‘{p.name} ({p.relation})’" in words
    assert "Complete ‘Records systems searched’" in words
    assert "Complete ‘Completed by’" in words
    assert session.scalars(select(TrawlReturn)).all() == []


# --- dates outside the scoping period --------------------------------------------------------


def test_dates_outside_the_scoping_period_are_flagged_and_confirmed_not_rejected(
    agency_client, session, trawl, req
):
    victim = trawl.people[0]
    answer_everything(agency_client, trawl)
    response = post(agency_client, f"/return/person/{victim.id}",
                    involved(**date_fields("first_contact", dt.date(2019, 6, 3))))  # fmt: skip
    assert response.status_code == 302  # accepted
    response = post(
        agency_client,
        "/return/chronology/0",
        chronology_entry(victim.id, **date_fields("date", dt.date(2026, 10, 2))),
    )
    assert response.status_code == 302  # fmt: skip
    assert "outside the scoping period" in text(agency_client.get("/return/start"))

    check = text(agency_client.get("/return/check"))
    assert "Dates outside the scoping period" in check
    assert f"{victim.name} (Victim): date of first contact: 3 June 2019" in check
    assert "Chronology entry 1: date: 2 October 2026" in check

    body = send(agency_client).get_data(as_text=True)
    assert ('<a href="#dates_confirmed">Confirm that the dates outside the scoping period are '
            "correct, or change them</a>") in body  # fmt: skip
    assert session.scalars(select(TrawlReturn)).all() == []

    response = send(agency_client, dates_confirmed="y")
    assert response.headers["Location"] == "/return/confirmation"
    session.rollback()
    row = session.scalars(select(TrawlReturn)).one()
    assert row.answers["dates_confirmed"] is True
    assert row.answers["people"][str(victim.id)]["first_contact"] == "2019-06-03"
    (message,) = messages(session, "trawl.return_submitted")
    assert "confirmed as correct by the agency" in pdf_text(message.attachments[0].data)


# --- the chronology --------------------------------------------------------------------------


def test_chronology_entries_are_added_changed_and_removed(agency_client, session, trawl, req):
    victim, suspect, _ = trawl.people
    assert post(agency_client, "/return/chronology/0", chronology_entry(victim.id)).status_code == (
        302
    )
    assert (
        post(
            agency_client,
            "/return/chronology/1",
            chronology_entry(suspect.id, event="Second contact"),
        ).status_code
        == 302
    )
    # fmt: skip
    assert agency_client.get("/return/chronology/3").status_code == 404
    words = text(agency_client.get("/return/chronology"))
    assert "Chronology entry 1" in words and "Chronology entry 2" in words
    assert f"{suspect.name} (Partner)" in words

    post(agency_client, "/return/chronology/0",
         chronology_entry(victim.id, time="9.05", event="Changed entry"))  # fmt: skip
    entries = fresh(session, req).draft["chronology"]
    assert [e["event"] for e in entries] == ["Changed entry", "Second contact"]
    assert entries[0]["time"] == "09:05"

    response = post(agency_client, "/return/chronology/0/remove", {}, page="/return/chronology")
    assert response.status_code == 302
    entries = fresh(session, req).draft["chronology"]
    assert [e["event"] for e in entries] == ["Second contact"]


def test_a_bad_time_is_an_error(agency_client, trawl):
    body = post(
        agency_client, "/return/chronology/0", chronology_entry(trawl.people[0].id, time="25:99")
    ).get_data(as_text=True)
    # fmt: skip
    assert "Enter the time in the 24-hour clock, like 09:30 or 17:00" in body


def upload(client, data: bytes, filename: str = "chronology.csv", **fields):
    return post(
        client,
        "/return/chronology/upload",
        {"file": (io.BytesIO(data), filename), **fields},
        content_type="multipart/form-data",
    )


def csv_bytes(*rows: str) -> bytes:
    header = "Date,Time,Source of evidence,Name of professional,Contact with," \
             '"Event, action or decision",Outcome'  # fmt: skip
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


def test_the_csv_template_has_the_headings(agency_client):
    response = agency_client.get("/return/chronology/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    first = response.data.decode("utf-8-sig").splitlines()[0]
    assert first == ('Date,Time,Source of evidence,Name of professional,Contact with,'
                     '"Event, action or decision",Outcome')  # fmt: skip
    # The template's own headings import (as nothing to import, not as a heading problem).
    with pytest.raises(catalogue.CsvRefused) as refused:
        catalogue.read_chronology_csv(response.data, [])
    assert refused.value.problems == ["The selected file has no entries under its column headings"]


def test_a_good_csv_file_is_imported(agency_client, session, trawl, req):
    victim, suspect, _ = trawl.people
    data = csv_bytes(
        f'14/03/2025,17:00,Case record,Nurse J,{victim.name},"Seen, bruised wrist",Leaflet',
        f"2025-04-01,,Minutes,,{suspect.name.upper()},MARAC discussion,",
        ",,,,,,",  # blank rows are skipped
    )
    response = upload(agency_client, data)
    assert response.status_code == 302, text(response)
    assert "2 entries imported" in text(agency_client.get(response.headers["Location"]))
    entries = fresh(session, req).draft["chronology"]
    assert entries == [
        {"date": "2025-03-14", "time": "17:00", "source": "Case record",
         "professional": "Nurse J", "contact_with": str(victim.id),
         "event": "Seen, bruised wrist", "outcome": "Leaflet"},
        {"date": "2025-04-01", "time": None, "source": "Minutes", "professional": None,
         "contact_with": str(suspect.id), "event": "MARAC discussion", "outcome": None},
    ]  # fmt: skip

    # With entries there already, the agency says whether to add or replace.
    body = upload(agency_client, data).get_data(as_text=True)
    assert "Select whether to add the entries or replace the ones already there" in body
    assert upload(agency_client, data, mode="add").status_code == 302
    assert len(fresh(session, req).draft["chronology"]) == 4
    assert upload(agency_client, data, mode="replace").status_code == 302
    assert len(fresh(session, req).draft["chronology"]) == 2


def test_a_bad_csv_file_is_reported_by_row_and_column_and_nothing_is_imported(
    agency_client, session, trawl, req
):
    victim = trawl.people[0]
    post(agency_client, "/return/chronology/0", chronology_entry(victim.id, event="Kept"))
    data = csv_bytes(
        f"14/03/2025,17:00,Case record,Nurse J,{victim.name},Fine row,",
        f"31/02/2025,,Case record,,{victim.name},Bad date,",
        "01/05/2025,,Case record,,Somebody Else,Unknown person,",
        f"01/05/2025,25:00,,,{victim.name},,",
        f"01/01/2027,,Case record,,{victim.name},In the future,",
        f"01/05/2025,,{'s' * 201},,{victim.name},Too long,",
    )
    response = upload(agency_client, data, mode="add")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    words = text(response)
    assert "There is a problem with the file: nothing was imported" in words
    for problem in [
        "Row 3, column ‘Date’: Enter a real date, like 14/10/2025",
        "Row 4, column ‘Contact with’: Enter the full name of one of the people in this request",
        "Row 5, column ‘Time’: Enter the time in the 24-hour clock, like 09:30 or 17:00",
        "Row 5, column ‘Source of evidence’: Enter the source of evidence",
        "Row 5, column ‘Event, action or decision’: Enter the event, action or decision",
        "Row 6, column ‘Date’: The date must be today or in the past",
        "Row 7, column ‘Source of evidence’: The source of evidence must be 200 characters or",
    ]:
        assert problem in words, problem
    assert 'href="#file"' in body
    assert "Row 2" not in words
    assert [e["event"] for e in fresh(session, req).draft["chronology"]] == ["Kept"]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "c.csv", "The selected file is empty"),
        ("Date;Heure\n".encode("utf-16"), "c.csv", "must be saved as ‘CSV UTF-8’"),
        (b"Date,Time,Where\n1/1/2025,,x\n", "c.csv",
         "Row 1: the column headings must include ‘Source of evidence’"),
        (b"Date,Time,Where\n1/1/2025,,x\n", "c.csv",
         "Row 1: remove the columns the template does not have: ‘where’"),
        (b"x" * (catalogue.CSV_MAX_BYTES + 1), "c.csv", "must be smaller than 1 MB"),
        (b"Date\n", "chronology.xlsx", "The selected file must be a CSV file"),
    ],
)  # fmt: skip
def test_files_that_are_not_a_chronology_are_refused(agency_client, data, filename, message):
    words = text(upload(agency_client, data, filename))
    assert message in words
    assert "Error:" in words


def test_no_file_chosen(agency_client):
    response = post(agency_client, "/return/chronology/upload", {},
                    content_type="multipart/form-data")  # fmt: skip
    assert '<a href="#file">Select a CSV file</a>' in response.get_data(as_text=True)


# --- nobody outside the request --------------------------------------------------------------


def test_people_outside_the_request_can_never_be_named(
    agency_client, session, partnership, trawl, req
):
    other = sent_trawl(session, partnership, agency_count=1)
    session.commit()
    stranger = other.people[0]
    assert agency_client.get(f"/return/person/{stranger.id}").status_code == 404
    assert post(agency_client, f"/return/person/{stranger.id}", NO_TRACE,
                page="/return/systems").status_code == 404  # fmt: skip
    body = post(agency_client, "/return/chronology/0",
                chronology_entry(stranger.id)).get_data(as_text=True)  # fmt: skip
    assert '<a href="#contact_with">Select who the contact was with</a>' in body
    assert f"/return/person/{stranger.id}" not in agency_client.get("/return/start").text
    assert fresh(session, req).draft is None

    # Even a draft that somehow names someone else fails the schema before it can be sent.
    answers = {"people": {str(stranger.id): {"involvement": "no_trace"}}}
    found = catalogue.problems(answers, trawl.people)
    assert found["people"][str(stranger.id)] == ["Unknown field."]


# --- more time -------------------------------------------------------------------------------


def test_asking_for_more_time_waits_for_the_officer(agency_client, session, settings, req):
    page = text(agency_client.get("/return/more-time"))
    assert "Your agency is asked to reply by 21 December 2026" in page
    body = post(agency_client, "/return/more-time",
                {**date_fields("new_date", dt.date(2026, 12, 21)), "reason": ""}
                ).get_data(as_text=True)  # fmt: skip
    assert "The new date must be after the current due date, 21 December 2026" in body
    assert "Enter why you need more time" in body

    response = post(agency_client, "/return/more-time",
                    {**date_fields("new_date", dt.date(2027, 1, 15)),
                     "reason": "Our records team is closed over Christmas."})  # fmt: skip
    assert response.status_code == 302
    (ext,) = session.scalars(select(TrawlExtension)).all()
    assert ext.requested_date == dt.date(2027, 1, 15) and ext.status.value == "requested"
    page = text(agency_client.get("/return/more-time"))
    assert "This is waiting for the DHR officer" in page and "15 January 2027" in page
    assert "You have asked for more time, until 15 January 2027" in text(
        agency_client.get("/return/start")
    )
    (message,) = messages(session, "trawl.extension_requested")
    assert message.recipient == OFFICER_INBOX
    assert f"{settings.SERVICE_URL}/console/cases/{req.case_id}/trawls" in message.body_text
    assert "Our records team is closed over Christmas." in message.body_text
    assert "15 January 2027" in message.body_text


def test_a_refusal_of_more_time_is_shown_on_the_answer_it_is_about(page_client, session, req):
    # What the service refuses after the page's own checks (a second tab, say) is shown on the
    # date or the reason it is about, or above the form when it is about the request.
    later = req.due_date + dt.timedelta(days=14)
    with pytest.raises(extensions.ExtensionRefused) as early:
        extensions.request(session, req, new_date=req.due_date, reason="Staffing")
    with pytest.raises(extensions.ExtensionRefused) as blank:
        extensions.request(session, req, new_date=later, reason="  ")
    extensions.request(session, req, new_date=later, reason="Staffing")
    with pytest.raises(extensions.ExtensionRefused) as again:
        extensions.request(session, req, new_date=later, reason="Staffing")
    assert (early.value.field, blank.value.field, again.value.field) == ("new_date", "reason", None)
    assert not extensions.may_ask(req)
    with page_client.application.test_request_context(method="POST"):
        form = pages.extension_form(req.due_date)
        assert form.refused(early.value.field, str(early.value)) == []
        assert form.refused(blank.value.field, str(blank.value)) == []
        assert form.new_date.errors == ["The new date must be after the current due date"]
        assert form.reason.errors == ["Enter why you need more time"]
        assert form.refused(again.value.field, str(again.value)) == [
            {"text": "You have already asked for more time; the DHR officer will reply",
             "href": "#new_date-day"}
        ]  # fmt: skip


def test_the_schema_and_the_pages_agree_on_a_complete_return(agency_client, session, trawl, req):
    answer_everything(agency_client, trawl)
    answers = fresh(session, req).draft
    assert catalogue.problems(answers, trawl.people) == {}
    assert catalogue.involvement(answers) is True
