"""The calendar invitation parses as RFC 5545 (with the icalendar package, as a calendar client
would read it) and starts at the right moment either side of the UK's clock changes."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import icalendar
import pytest

from service.panels import ics

UTC = dt.UTC
PARTNERSHIP = SimpleNamespace(
    name="Exampleshire Community Safety Partnership, DHR team",
    inbox=lambda name: ["dhr.officer@exampleshire.gov.uk"] if name == "dhr_officer" else [],
    contact_email="dhr@exampleshire.gov.uk",
)
CASE = SimpleNamespace(reference="EXA-DHR-2026-01")
MEMBER = SimpleNamespace(name='Nia "Health" Jones', email="panel.health@nhs.net")


def meeting(starts_at: dt.datetime, **kw) -> SimpleNamespace:
    values = dict(
        starts_at=starts_at, duration_minutes=90, ics_uid="a1b2c3", ics_sequence=0,
        location="Room 4, County Hall; Exampletown",
        joining_details="https://meet.example.gov.uk/j/1234567890?pwd=" + "x" * 80,
    ) | kw  # fmt: skip
    return SimpleNamespace(**values)


def event_of(data: bytes) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return event


@pytest.mark.parametrize(
    ("starts_at", "local", "utc"),
    [
        # Thursday 25 March 2027 at 10:00 in London is GMT: 10:00 UTC.
        (dt.datetime(2027, 3, 25, 10, tzinfo=UTC), "20270325T100000",
         dt.datetime(2027, 3, 25, 10, tzinfo=UTC)),
        # The clocks go forward on Sunday 28 March 2027: Thursday 1 April at 10:00 is BST,
        # 09:00 UTC.
        (dt.datetime(2027, 4, 1, 9, tzinfo=UTC), "20270401T100000",
         dt.datetime(2027, 4, 1, 9, tzinfo=UTC)),
        # Thursday 28 October 2027 at 10:00 is still BST (09:00 UTC) ...
        (dt.datetime(2027, 10, 28, 9, tzinfo=UTC), "20271028T100000",
         dt.datetime(2027, 10, 28, 9, tzinfo=UTC)),
        # ... the clocks go back on Sunday 31 October 2027: Thursday 4 November at 10:00 is GMT.
        (dt.datetime(2027, 11, 4, 10, tzinfo=UTC), "20271104T100000",
         dt.datetime(2027, 11, 4, 10, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_the_start_is_london_local_time_and_the_right_instant(starts_at, local, utc):
    data = ics.invitation(meeting(starts_at), CASE, PARTNERSHIP, MEMBER,
                          stamp=dt.datetime(2027, 3, 1, 12, tzinfo=UTC))  # fmt: skip
    assert f"DTSTART;TZID=Europe/London:{local}\r\n".encode() in data
    event = event_of(data)
    start = event.decoded("dtstart")
    assert start.utcoffset() is not None
    assert start.astimezone(UTC) == utc
    assert event.decoded("dtend").astimezone(UTC) == utc + dt.timedelta(minutes=90)
    # The calendar's own VTIMEZONE gives the same answer as the tz database.
    calendar = icalendar.Calendar.from_ical(data)
    (zone,) = calendar.walk("VTIMEZONE")
    own = zone.to_tz()
    naive = dt.datetime.strptime(local, "%Y%m%dT%H%M%S")
    assert naive.replace(tzinfo=own).astimezone(UTC) == utc


def test_a_request_has_what_a_calendar_needs_and_no_names_in_the_summary():
    stamp = dt.datetime(2027, 3, 1, tzinfo=UTC)
    start = dt.datetime(2027, 3, 25, 10, tzinfo=UTC)
    data = ics.invitation(meeting(start, ics_sequence=2), CASE, PARTNERSHIP, MEMBER, stamp=stamp)
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["method"]) == "REQUEST"
    assert str(calendar["version"]) == "2.0"
    event = event_of(data)
    assert str(event["uid"]) == "a1b2c3@dhr-forms"
    assert int(event["sequence"]) == 2
    assert event.decoded("dtstamp") == dt.datetime(2027, 3, 1, tzinfo=UTC)
    assert str(event["summary"]) == "DHR panel meeting EXA-DHR-2026-01"
    assert str(event["location"]) == "Room 4, County Hall; Exampletown"
    assert "https://meet.example.gov.uk/j/1234567890?pwd=" + "x" * 80 in str(event["description"])
    assert str(event["organizer"]) == "mailto:dhr.officer@exampleshire.gov.uk"
    assert str(event["attendee"]) == "mailto:panel.health@nhs.net"
    assert str(event["status"]) == "CONFIRMED"
    # CRLF line ends, and no line longer than 75 octets (long ones are folded).
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    assert b"\r\n " in data


def test_a_cancellation_keeps_the_uid_and_says_cancel():
    data = ics.invitation(meeting(dt.datetime(2027, 3, 25, 10, tzinfo=UTC), ics_sequence=1),
                          CASE, PARTNERSHIP, MEMBER, method=ics.CANCEL)  # fmt: skip
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["method"]) == "CANCEL"
    event = event_of(data)
    assert str(event["uid"]) == "a1b2c3@dhr-forms" and int(event["sequence"]) == 1
    assert str(event["status"]) == "CANCELLED"


def test_folding_never_splits_a_character():
    line = "DESCRIPTION:" + "é" * 100
    folded = ics.fold(line)
    for part in folded.encode().split(b"\r\n"):
        assert len(part) <= 75
        part.decode()  # a split character would not decode
    assert folded.replace("\r\n ", "") == line


def test_a_welsh_members_invitation_is_in_welsh():
    online = meeting(dt.datetime(2027, 3, 25, 10, tzinfo=UTC), location=None)
    event = event_of(ics.invitation(online, CASE, PARTNERSHIP, MEMBER, language="cy"))
    assert str(event["summary"]) == "Cyfarfod panel ADD EXA-DHR-2026-01"
    assert str(event["location"]) == "Ar-lein"
    text = str(event["description"])
    assert text.startswith(
        "Cyfarfod panel yr Adolygiad Dynladdiad Domestig ar gyfer achos EXA-DHR-2026-01."
    )
    assert "Sut i ymuno ar-lein: https://meet.example.gov.uk/" in text
    # And in English for an English member, as before.
    event = event_of(ics.invitation(online, CASE, PARTNERSHIP, MEMBER))
    assert str(event["summary"]) == "DHR panel meeting EXA-DHR-2026-01"
    assert str(event["location"]) == "Online"
