"""The merged chronology: by date and time, untimed entries after the timed ones of their day,
and probable duplicates flagged on both entries, never removed."""

from __future__ import annotations

from service import clock
from service.summaries.build import build
from service.summaries.chronology import Entry, merge, overlap, words
from tests.summaries import factories as f

NIGHT = "Officers attended Harbour Row after neighbours reported shouting; cut lip, arrested."
SAME_NIGHT = "Ambulance crew attended Harbour Row with officers; shouting reported, cut lip."


def entry(date, time=None, *, agency="Police", agency_id=1, person="victim", text="Seen."):
    return Entry(
        date=date, time=time, agency_id=agency_id, agency=agency, person_key=person,
        family_member=person, information=text, source=None, professional=None, outcome=None,
        victim_seen=person == "victim",
    )  # fmt: skip


def test_entries_sort_by_date_then_time_with_untimed_ones_last_in_their_day():
    merged = merge([
        entry("2026-03-15", "08:00", text="c"),
        entry("2026-03-14", None, agency="Housing", agency_id=2, text="untimed housing"),
        entry("2026-03-14", "23:10", text="b"),
        entry("2026-03-14", None, agency="Ambulance", agency_id=3, text="untimed ambulance"),
        entry("2026-03-14", "09:05", agency="Housing", agency_id=2, text="a"),
        entry("2025-12-01", None, text="first"),
    ])  # fmt: skip
    assert [e.information for e in merged] == [
        "first", "a", "b", "untimed ambulance", "untimed housing", "c",
    ]  # fmt: skip
    assert [e.number for e in merged] == [1, 2, 3, 4, 5, 6]
    assert merged[0].date_text == "01/12/2025"


def test_the_same_event_from_two_agencies_is_flagged_on_both_and_kept():
    merged = merge([
        entry("2026-03-14", "23:10", text=NIGHT),
        entry("2026-03-14", None, agency="Ambulance", agency_id=3, text=SAME_NIGHT),
    ])  # fmt: skip
    assert len(merged) == 2
    assert merged[0].duplicate_of == [2] and merged[1].duplicate_of == [1]
    assert merged[0].duplicate_text == "entry 2"
    assert overlap(words(NIGHT), words(SAME_NIGHT)) >= 0.5


def test_not_flagged_other_people_other_days_the_same_agency_or_other_words():
    merged = merge([
        entry("2026-03-14", "23:10", text=NIGHT),
        # The same words about someone else that day.
        entry("2026-03-14", "23:30", agency="Ambulance", agency_id=3, person="suspect",
              text=SAME_NIGHT),
        # The next day.
        entry("2026-03-15", None, agency="Ambulance", agency_id=3, text=SAME_NIGHT),
        # The same agency twice.
        entry("2026-03-14", "23:50", text=SAME_NIGHT),
        # Another agency, the same person and day, about something else.
        entry("2026-03-14", None, agency="Housing", agency_id=2,
              text="Tenancy review letter posted about rent arrears."),
    ])  # fmt: skip
    assert all(not e.probable_duplicate for e in merged), [(e.number, e.duplicate_of)
                                                           for e in merged]  # fmt: skip


def test_the_cases_chronology_merges_every_agencys_latest_entries(session, partnership):
    story = f.story(session, partnership)
    with clock.frozen_at(f.DURING):
        summary = build(session, story.case)
    police, hospital = story.agency("police").name, story.agency("hospital").name
    rows = [(e.date, e.time, e.agency, e.duplicate_of) for e in summary.chronology]
    assert rows == [
        ("2026-03-14", "23:10", police, [2]),
        ("2026-03-14", None, hospital, [1]),
        ("2026-03-15", "08:00", hospital, []),
        ("2026-03-15", "09:30", police, []),
    ]
    first = summary.chronology[0]
    assert first.cells()[:7] == [
        "14/03/2026", "23:10", "Alice Example (Victim)", f.POLICE_NIGHT["event"],
        f"{police} (Command and control log; PC 1234)", f.POLICE_NIGHT["outcome"], "Yes",
    ]  # fmt: skip
    assert summary.chronology[2].victim_seen is False
