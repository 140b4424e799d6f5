"""Dates and times as people read them: one way, in UK time, everywhere."""

from __future__ import annotations

import datetime as dt

import pytest

from service import clock

UTC = dt.UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 12, 1), "1 December 2026"),
        ("2027-03-28", "28 March 2027"),
        # 23:30 UTC on 30 June is already 1 July in British Summer Time.
        (dt.datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "1 July 2026"),
        # In winter UK time is UTC.
        (dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "31 December 2026"),
        (None, ""),
        ("", ""),
    ],
)
def test_long_date(value, expected):
    assert clock.long_date(value) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(2026, 11, 22, 7, 15, tzinfo=UTC), "22 November 2026 at 7:15am"),
        (dt.datetime(2026, 7, 1, 11, 0, tzinfo=UTC), "1 July 2026 at 12:00pm"),
        (dt.datetime(2026, 12, 24, 0, 5, tzinfo=UTC), "24 December 2026 at 12:05am"),
        (None, ""),
    ],
)
def test_long_moment(moment, expected):
    assert clock.long_moment(moment) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(2026, 11, 22, 7, 15, tzinfo=UTC), "22 Tachwedd 2026 am 7:15yb"),
        (dt.datetime(2026, 7, 1, 11, 0, tzinfo=UTC), "1 Gorffennaf 2026 am 12:00yh"),
        (dt.datetime(2027, 2, 3, 15, 30, tzinfo=UTC), "3 Chwefror 2027 am 3:30yh"),
    ],
)
def test_long_moment_in_welsh(moment, expected):
    assert clock.long_moment(moment, "cy") == expected


def test_dates_in_welsh():
    assert clock.long_date(dt.date(2026, 12, 1), "cy") == "1 Rhagfyr 2026"
    assert clock.london_time(dt.datetime(2027, 6, 5, 8, 0, tzinfo=UTC), "cy") == "5 Meh 2027 09:00"
    assert clock.london_time(dt.datetime(2027, 6, 5, 8, 0, tzinfo=UTC)) == "5 Jun 2027 09:00"
