"""The summary in the console: the page, its downloads (each audited), formula-safe
spreadsheets, JSON through the schema, the officer's panel agencies, and who may see what."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
import pytest
from sqlalchemy import select

from service.models import AuditEvent, CaseChair, Role
from service.summaries import exports
from service.summaries.schema import SummarySchema
from tests.console import csrf_from, make_user, sign_in
from tests.summaries import factories as f
from tests.trawls.answering import text
from tests.trawls.factories import SENT_AT

DOWNLOADS = {
    "summary.pdf": ("application/pdf", "summary.downloaded", None),
    "summary/agencies.csv": ("text/csv", "summary.exported", "agencies"),
    "summary/agencies.xlsx": ("application/vnd.openxmlformats", "summary.exported", "agencies"),
    "summary/chronology.csv": ("text/csv", "summary.exported", "chronology"),
    "summary/chronology.xlsx": ("application/vnd.openxmlformats", "summary.exported", "chronology"),
    "summary.json": ("application/json", "summary.exported", "summary"),
}


@pytest.fixture
def story(session, partnership):
    return f.story(session, partnership)


def events(session, action, case_id):
    session.rollback()
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action, AuditEvent.case_id == case_id)
        )
    )


def csv_rows(response):
    body = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def xlsx_rows(response):
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return [
        [c if c is not None else "" for c in row] for row in book.active.iter_rows(values_only=True)
    ]


def test_the_officer_reads_the_summary_page_and_it_is_audited(signed_in, session, story):
    response = signed_in.get(f"/console/cases/{story.case.id}/summary")
    assert response.status_code == 200
    page = text(response)
    police = story.agency("police").name
    assert story.case.reference in page
    assert "Returned: involvement" in page and "Returned: no trace" in page
    assert "Extension to 11 January 2027" in page
    assert "Link withheld: no secure email address" in page
    assert f.AMENDED_NATURE in page and f.FIRST_NATURE not in page
    assert "1 June 2025 to 20 August 2026" in page and "Dates not given" not in page
    assert "Probable duplicate of entry 2" in page and "Probable duplicate of entry 1" in page
    assert "Access to legal advice available for critical aspects" in page
    assert "Legal advice was not sought." in page
    assert "Recommended because of involvement" in page and police in page
    assert "Change the recommended agencies" in page
    assert 'href="/static/css/summary.css"' in response.get_data(as_text=True)
    # No request invited its agency to the scoping meeting: no representatives' column.
    assert "Representative at the scoping meeting" not in page
    assert len(events(session, "summary.viewed", story.case.id)) == 1
    # The case page links to it.
    case_page = signed_in.get(f"/console/cases/{story.case.id}").get_data(as_text=True)
    assert f'/console/cases/{story.case.id}/summary"' in case_page


@pytest.mark.parametrize("path", list(DOWNLOADS))
def test_each_download_is_audited_and_named_without_personal_data(signed_in, session, story, path):
    mimetype, action, table = DOWNLOADS[path]
    response = signed_in.get(f"/console/cases/{story.case.id}/{path}")
    assert response.status_code == 200
    assert response.mimetype.startswith(mimetype)
    disposition = response.headers["Content-Disposition"]
    assert f'filename="{story.case.reference}-' in disposition
    assert "Alice" not in disposition and "Example" not in disposition
    assert response.headers["Cache-Control"] == "no-store"
    (event,) = events(session, action, story.case.id)
    if table:
        assert event.detail["table"] == table


def test_the_spreadsheets_hold_the_agency_table_and_the_chronology(signed_in, story):
    base = f"/console/cases/{story.case.id}/summary"
    police = story.agency("police").name
    for rows in (csv_rows(signed_in.get(f"{base}/agencies.csv")),
                 xlsx_rows(signed_in.get(f"{base}/agencies.xlsx"))):  # fmt: skip
        assert rows[0][:5] == ["Agency", "Trawl", "Sent", "Due", "Status"]
        by_name = {r[0]: r for r in rows[1:]}
        assert len(by_name) == 6
        assert by_name[police][4] == "Returned: involvement"
        assert str(by_name[police][6]) == "2"  # days taken
        assert str(by_name[police][7]) == "2"  # latest version
        assert by_name[story.agency("gp").name][4] == "Returned: no trace"
        assert by_name[story.agency("recovery").name][10] == "Yes"  # link withheld
    for rows in (csv_rows(signed_in.get(f"{base}/chronology.csv")),
                 xlsx_rows(signed_in.get(f"{base}/chronology.xlsx"))):  # fmt: skip
        assert rows[0] == [
            "Entry", "Date", "Time", "Family Members", "Information",
            "Source - Agency", "Action / Outcome", "Victim seen",
            "IMR & Panel Members Initials & Comment", "Probable duplicate of",
            "Sources", "Management review officer's comment", "Panel notes",
        ]  # fmt: skip
        assert [str(r[0]) for r in rows[1:]] == ["1", "2", "3", "4"]
        assert rows[1][2:4] == ["23:10", "Alice Example (Victim)"]
        assert rows[1][9] == "entry 2" and rows[2][9] == "entry 1"
    # ISO 8601 in the CSV; a real date in the XLSX.
    assert csv_rows(signed_in.get(f"{base}/chronology.csv"))[1][1] == "2026-03-14"
    assert xlsx_rows(signed_in.get(f"{base}/chronology.xlsx"))[1][1] == dt.datetime(2026, 3, 14)


def test_nothing_an_agency_typed_runs_as_a_formula(signed_in, session, story):
    trawl = story.trawl
    found = f.answers(
        trawl, {0: f.person_answer(nature="=HYPERLINK(\"http://x\")")},
        systems="=1+2", name="@SUM(A1)",
        chronology=[f.entry(trawl, 0, date="2026-01-02", event="+cmd|' /C calc'!A0",
                            outcome="-2+3")],
    )  # fmt: skip
    f.submit(session, story.requests["social_care"], found, at=f.DURING)
    session.commit()
    base = f"/console/cases/{story.case.id}/summary"
    agency = story.agency("social_care").name
    for rows in (csv_rows(signed_in.get(f"{base}/agencies.csv")),
                 xlsx_rows(signed_in.get(f"{base}/agencies.xlsx"))):  # fmt: skip
        (row,) = [r for r in rows if r[0] == agency]
        assert row[11] == "'=1+2"
        assert row[13].startswith("'@SUM(A1)")
    for rows in (csv_rows(signed_in.get(f"{base}/chronology.csv")),
                 xlsx_rows(signed_in.get(f"{base}/chronology.xlsx"))):  # fmt: skip
        (row,) = [r for r in rows if r[4].startswith("'+cmd")]
        assert row[4] == "'+cmd|' /C calc'!A0" and row[6] == "'-2+3"
    book = openpyxl.load_workbook(io.BytesIO(signed_in.get(f"{base}/chronology.xlsx").get_data()))
    assert all(cell.data_type != "f" for row in book.active.iter_rows() for cell in row)


def test_the_spreadsheets_hold_dates_as_dates_in_columns_sized_to_fit(signed_in, story):
    base = f"/console/cases/{story.case.id}/summary"
    police, housing = story.agency("police").name, story.agency("housing").name
    book = openpyxl.load_workbook(io.BytesIO(signed_in.get(f"{base}/agencies.xlsx").get_data()))
    sheet = book.active
    headings = [c.value for c in sheet[1]]
    by_name = {r[0].value: dict(zip(headings, r, strict=True)) for r in sheet.iter_rows(min_row=2)}
    sent, due = by_name[police]["Sent"], by_name[police]["Due"]
    returned, extended = by_name[police]["Returned"], by_name[housing]["Extension to"]
    assert all(c.is_date for c in (sent, due, returned, extended))
    # Moments in UK time, to the minute; days as days.
    assert sent.value == SENT_AT.replace(tzinfo=None) and sent.number_format == "dd/mm/yyyy hh:mm"
    assert returned.value == dt.datetime(2026, 12, 9, 11, 0)
    assert due.value == dt.datetime(2026, 12, 21) and due.number_format == "dd/mm/yyyy"
    assert extended.value == dt.datetime(2027, 1, 11)
    # Each column is as wide as its longest line, within 10 to 60 characters; headings stay put.
    widths = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    assert all(10 <= w <= 60 for w in widths.values()), widths
    assert widths["Agency"] > widths["Trawl"] == 10
    assert widths["Sent"] >= len("dd/mm/yyyy hh:mm")
    assert sheet.freeze_panes == "A2"

    chronology = openpyxl.load_workbook(
        io.BytesIO(signed_in.get(f"{base}/chronology.xlsx").get_data())
    ).active
    first = chronology[2]
    assert first[1].is_date and first[1].number_format == "dd/mm/yyyy"
    assert chronology.column_dimensions["E"].width == 60  # the long "Information" answers
    assert chronology.freeze_panes == "A2"

    # The CSV writes the same days in ISO 8601, moments with their UK offset.
    (row,) = [r for r in csv_rows(signed_in.get(f"{base}/agencies.csv")) if r[0] == police]
    assert row[2:6] == [
        "2026-12-07T" + SENT_AT.strftime("%H:%M") + "+00:00", "2026-12-21",
        "Returned: involvement", "2026-12-09T11:00+00:00",
    ]  # fmt: skip


def test_a_summer_moment_is_written_in_british_summer_time():
    data = exports.as_xlsx("T", ["When"], [[dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)]])
    cell = openpyxl.load_workbook(io.BytesIO(data)).active["A2"]
    assert cell.is_date and cell.value == dt.datetime(2026, 7, 1, 9, 30)
    assert exports.as_csv(["When"], [[dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)]]).endswith(
        b"2026-07-01T09:30+01:00\r\n"
    )


def test_the_page_exports_and_json_name_each_representative_and_say_which_request_bounced(
    signed_in, session, partnership
):
    story = f.story(session, partnership, invited=True)
    f.bounce_request(session, story.requests["social_care"])
    police, social_care = story.agency("police").name, story.agency("social_care").name
    base = f"/console/cases/{story.case.id}/summary"

    response = signed_in.get(base)
    page = text(response)
    assert 'id="representatives">Representative at the scoping meeting' in response.get_data(
        as_text=True
    )
    row = page[page.index(police) :]
    assert row.index("Robin Liaison, Detective Inspector, public protection") < row.index(
        "Amended: version 2"
    )  # in the police's own row, before its notes
    assert "Lee O'Neill, Practice manager" in page  # as typed
    assert "Email bounced on 7 December 2026" in page
    assert "Not reaching the agency: correct its address and send it again" in page
    assert "3 not yet returned, 1 on an extension, 1 whose request email bounced." in page

    heading = "Representative at the scoping meeting"
    for rows in (csv_rows(signed_in.get(f"{base}/agencies.csv")),
                 xlsx_rows(signed_in.get(f"{base}/agencies.xlsx"))):  # fmt: skip
        assert rows[0][-3:] == ["Invited to the scoping meeting", heading, "Email bounced on"]
        by_name = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
        assert by_name[police]["Invited to the scoping meeting"] == "Yes"
        assert by_name[police][heading] == "Robin Liaison, Detective Inspector, public protection"
        assert by_name[social_care]["Status"] == "Email bounced on 7 December 2026"
        assert by_name[social_care][heading] == "" and by_name[police]["Email bounced on"] == ""
    (csv_row,) = [r for r in csv_rows(signed_in.get(f"{base}/agencies.csv")) if r[0] == social_care]
    assert csv_row[-1] == f.BOUNCED_AT.strftime("%Y-%m-%dT%H:%M+00:00")  # ISO 8601
    (xlsx_row,) = [
        r for r in xlsx_rows(signed_in.get(f"{base}/agencies.xlsx")) if r[0] == social_care
    ]
    assert xlsx_row[-1] == f.BOUNCED_AT.replace(tzinfo=None)  # a real date, in UK time

    data = json.loads(signed_in.get(f"{base}.json").get_data(as_text=True))
    assert SummarySchema().validate(data) == {}
    agencies = {a["name"]: a for a in data["agencies"]}
    assert agencies[police]["invited"] is True
    assert agencies[police]["representative"] == (
        "Robin Liaison, Detective Inspector, public protection"
    )
    assert agencies[social_care]["status"] == "bounced"
    assert agencies[social_care]["bounced_on"] == "7 December 2026"
    assert agencies[social_care]["status_text"] == "Email bounced on 7 December 2026"


def test_the_json_validates_against_the_schema(signed_in, story):
    response = signed_in.get(f"/console/cases/{story.case.id}/summary.json")
    data = json.loads(response.get_data(as_text=True))
    assert SummarySchema().validate(data) == {}
    assert data["reference"] == story.case.reference
    assert sorted(data["outstanding"]) == sorted(
        story.agency(n).name for n in ("housing", "social_care", "recovery")
    )
    assert [e["duplicate_of"] for e in data["chronology"]] == [[2], [1], [], []]
    assert data["imrs"][0]["flagged"][0]["comment"] == "Legal advice was not sought."
    broken = {**data, "agencies": [{**data["agencies"][0], "status": "lost"}]}
    assert "agencies" in SummarySchema().validate(broken)


def test_the_officer_adjusts_the_panel_agencies_and_it_is_remembered(signed_in, session, story):
    url = f"/console/cases/{story.case.id}/summary/panel"
    page = signed_in.get(url)
    html = page.get_data(as_text=True)
    police, hospital, gp = (story.requests[n].agency_id for n in ("police", "hospital", "gp"))
    # The agencies with involvement start ticked.
    assert f'value="{police}" checked' in html and f'value="{gp}" checked' not in html
    headers = {"Referer": f"https://localhost{url}"}
    nothing = signed_in.post(url, data={"csrf_token": csrf_from(html)}, headers=headers)
    assert nothing.status_code == 200
    assert "There is a problem" in text(nothing)
    assert "Select at least one agency to recommend" in text(nothing)

    response = signed_in.post(
        url, data={"csrf_token": csrf_from(html), "agencies": [str(police), str(gp)],
                   "action": "save"}, headers=headers,
    )  # fmt: skip
    assert response.status_code == 302
    session.rollback()
    assert set(story.case.panel_agency_ids) == {police, gp}
    summary_page = text(signed_in.get(f"/console/cases/{story.case.id}/summary"))
    assert "Adjusted by the DHR officer" in summary_page
    assert "(no involvement returned)" in summary_page
    (event,) = events(session, "summary.panel_adjusted", story.case.id)
    assert set(event.detail["agencies"]) == {police, gp}
    # Shown ticked when the officer comes back.
    again = signed_in.get(url).get_data(as_text=True)
    assert f'value="{gp}" checked' in again and f'value="{hospital}" checked' not in again

    reset = signed_in.post(
        url, data={"csrf_token": csrf_from(again), "action": "reset"}, headers=headers
    )
    assert reset.status_code == 302
    session.rollback()
    assert story.case.panel_agency_ids is None
    assert len(events(session, "summary.panel_reset", story.case.id)) == 1


def test_a_chair_reads_only_their_own_cases_summary_and_cannot_adjust(
    page_client, session, partnership, story
):
    chair = make_user(session, partnership, Role.CHAIR)
    other_case = f.make_case(session, partnership)
    session.add(CaseChair(case_id=story.case.id, user_id=chair.id))
    session.commit()
    assert sign_in(page_client, chair).status_code == 302
    own = page_client.get(f"/console/cases/{story.case.id}/summary")
    assert own.status_code == 200
    assert "Change the recommended agencies" not in text(own)
    assert page_client.get(f"/console/cases/{story.case.id}/summary.pdf").status_code == 200
    assert page_client.get(f"/console/cases/{other_case.id}/summary").status_code == 404
    assert page_client.get(f"/console/cases/{other_case.id}/summary.json").status_code == 404
    assert page_client.get(f"/console/cases/{story.case.id}/summary/panel").status_code == 403
