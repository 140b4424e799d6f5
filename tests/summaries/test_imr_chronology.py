"""The merged chronology after two trawl returns and an IMR written in the service: every row
once (the IMR's repeat of the police's own trawl entry shown once, with both sources), sources
named, the cross-agency duplicate flagged, sorted by date and time; the same in the CSV and the
XLSX (dates as dates) and the JSON; the officer's columns kept when it is built again."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from service import clock
from service.summaries import notes
from service.summaries.build import build
from tests.console import post_form
from tests.imrs import writing
from tests.summaries import factories as f
from tests.summaries.test_console import csv_rows, xlsx_rows

REVISED_AT = dt.datetime(2026, 12, 15, 10, 0, tzinfo=dt.UTC)
CHARGED = "Charged with assault and remanded in custody."


@pytest.fixture
def story(session, partnership):
    """The summaries' story, and the police's IMR revised as one written in the service: its
    chronology repeats the police's night at Harbour Row and adds the charge."""
    found = f.story(session, partnership)
    case = found.case
    report = writing.stored_report(case)
    ids = writing.people_ids(case)
    report["chronology"] = [
        {**report["chronology"][0], "event": f.POLICE_NIGHT["event"],
         "comments": "The DASH was completed the same night."},
        {"date": "2026-03-16", "time": "10:00", "source": "Custody record", "professional": None,
         "contact_with": str(ids["Brian Sample"]), "event": CHARGED, "outcome": None,
         "comments": None},
    ]  # fmt: skip
    writing.submitted_written_imr(session, found.imr, report, at=REVISED_AT)
    return found


def test_every_row_once_with_its_sources_the_duplicate_flagged_and_in_order(session, story):
    with clock.frozen_at(f.DURING):
        summary = build(session, story.case)
    police, hospital = story.agency("police").name, story.agency("hospital").name
    rows = [(e.date, e.time, e.agency, e.sources, e.duplicate_of) for e in summary.chronology]
    assert rows == [
        ("2026-03-14", "23:10", police, ["trawl 1 return, version 2", "IMR, version 2"], [2]),
        ("2026-03-14", None, hospital, ["trawl 1 return, version 1"], [1]),
        ("2026-03-15", "08:00", hospital, ["trawl 1 return, version 1"], []),
        ("2026-03-15", "09:30", police, ["trawl 1 return, version 2"], []),
        ("2026-03-16", "10:00", police, ["IMR, version 2"], []),
    ]
    night = summary.chronology[0]
    assert night.comment == "The DASH was completed the same night."
    assert night.family_member == "Alice Example (Victim)" and night.victim_seen
    assert summary.chronology[4].family_member.startswith("Brian Sample")


def test_the_csv_xlsx_and_json_have_the_same_rows_and_sources(signed_in, session, story):
    base = f"/console/cases/{story.case.id}/summary"
    police = story.agency("police").name
    csv_body, xlsx_body = (csv_rows(signed_in.get(f"{base}/chronology.csv")),
                           xlsx_rows(signed_in.get(f"{base}/chronology.xlsx")))  # fmt: skip
    for rows in (csv_body, xlsx_body):
        assert rows[0][10:] == ["Sources", "Management review officer's comment", "Panel notes"]
        assert [str(r[0]) for r in rows[1:]] == ["1", "2", "3", "4", "5"]
        assert rows[1][10] == f"{police}: trawl 1 return, version 2; IMR, version 2"
        assert rows[1][8] == "The DASH was completed the same night."
        assert rows[1][9] == "entry 2" and rows[5][4] == CHARGED
    assert csv_body[5][1] == "2026-03-16"  # ISO 8601, whatever the reader's locale
    assert xlsx_body[5][1] == dt.datetime(2026, 3, 16)  # a date cell, not text
    data = json.loads(signed_in.get(f"{base}.json").get_data(as_text=True))
    assert [e["sources"] for e in data["chronology"]][0] == [
        "trawl 1 return, version 2",
        "IMR, version 2",
    ]
    assert data["actions"][0]["recommendation"] == writing.ACTION["recommendation"]


def test_the_officers_columns_stay_with_their_row_when_it_is_built_again(signed_in, session, story):
    summary = build(session, story.case)
    night = summary.chronology[0]
    url = f"/console/cases/{story.case.id}/chronology/{night.key}"
    assert signed_in.get(url).status_code == 200
    response = post_form(signed_in, url, {
        "management_comment": "Ask why MARAC took three weeks.",
        "panel_notes": "Police to bring the MARAC minutes.",
    })  # fmt: skip
    assert response.status_code == 302
    # A new IMR version adds an entry before this one: its number moves, its notes do not.
    report = writing.stored_report(story.case)
    report["chronology"] = [
        {**report["chronology"][0], "date": "2026-01-02", "time": "09:00",
         "event": "Earlier call about a noise complaint."},
        {**report["chronology"][0], "event": f.POLICE_NIGHT["event"]},
    ]  # fmt: skip
    session.rollback()  # the officer's notes were saved by the console's own connection
    writing.submitted_written_imr(session, story.imr, report, at=REVISED_AT)
    rebuilt = build(session, story.case)
    moved = notes.entry(rebuilt.chronology, night.key)
    assert moved.number == 2
    assert moved.management_comment == "Ask why MARAC took three weeks."
    assert moved.panel_notes == "Police to bring the MARAC minutes."
    page = signed_in.get(f"/console/cases/{story.case.id}/chronology").get_data(as_text=True)
    assert "Police to bring the MARAC minutes." in page
