"""Working days across Christmas and New Year 2026-27 and Easter 2027, in England and Wales,
with and without the example partnership's closure days (29-31 December 2026)."""

from __future__ import annotations

import datetime as dt

import pytest

from service.workdays import Calendar, at_hour, end_of, london_date

D = dt.date
CLOSURES = ("2026-12-29", "2026-12-30", "2026-12-31")  # as config/partnerships/example.yaml
ENGLAND = Calendar("england")
ENGLAND_CLOSED = Calendar("england", CLOSURES)
WALES = Calendar("wales")
WALES_CLOSED = Calendar("wales", CLOSURES)


@pytest.mark.parametrize(
    ("day", "open_", "open_with_closures"),
    [
        (D(2026, 12, 24), True, True),  # Thursday, Christmas Eve
        (D(2026, 12, 25), False, False),  # Christmas Day
        (D(2026, 12, 26), False, False),  # Boxing Day, a Saturday
        (D(2026, 12, 27), False, False),  # Sunday
        (D(2026, 12, 28), False, False),  # Boxing Day (substitute day)
        (D(2026, 12, 29), True, False),  # closure day
        (D(2026, 12, 31), True, False),  # closure day
        (D(2027, 1, 1), False, False),  # New Year's Day
        (D(2027, 1, 4), True, True),  # Monday: back to work
        (D(2027, 3, 1), True, True),  # St David's Day is not a bank holiday
        (D(2027, 3, 25), True, True),  # Thursday before Easter
        (D(2027, 3, 26), False, False),  # Good Friday
        (D(2027, 3, 29), False, False),  # Easter Monday
        (D(2027, 3, 30), True, True),
        (D(2027, 12, 27), False, False),  # Christmas Day (substitute day)
        (D(2027, 12, 28), False, False),  # Boxing Day (substitute day)
        (D(2028, 1, 3), False, False),  # New Year's Day (substitute day)
    ],
)
def test_is_working_day(day, open_, open_with_closures):
    assert ENGLAND.is_working_day(day) is open_
    assert ENGLAND_CLOSED.is_working_day(day) is open_with_closures
    # England and Wales share their bank holidays.
    assert WALES.is_working_day(day) is open_
    assert WALES_CLOSED.is_working_day(day) is open_with_closures


@pytest.mark.parametrize(
    ("day", "n", "expected", "expected_with_closures"),
    [
        (D(2026, 12, 21), 1, D(2026, 12, 22), D(2026, 12, 22)),
        (D(2026, 12, 22), 3, D(2026, 12, 29), D(2027, 1, 4)),  # the second chaser
        (D(2026, 12, 24), 1, D(2026, 12, 29), D(2027, 1, 4)),
        (D(2026, 12, 18), 5, D(2026, 12, 29), D(2027, 1, 4)),
        (D(2026, 12, 25), 1, D(2026, 12, 29), D(2027, 1, 4)),  # from a holiday
        (D(2026, 12, 25), 0, D(2026, 12, 25), D(2026, 12, 25)),  # 0 is the day itself
        (D(2027, 1, 4), -1, D(2026, 12, 31), D(2026, 12, 24)),
        (D(2027, 1, 4), 3, D(2027, 1, 7), D(2027, 1, 7)),
        (D(2027, 3, 25), 1, D(2027, 3, 30), D(2027, 3, 30)),  # over Easter
        (D(2027, 3, 24), 3, D(2027, 3, 31), D(2027, 3, 31)),
        (D(2027, 3, 26), 1, D(2027, 3, 30), D(2027, 3, 30)),
        (D(2027, 3, 30), -1, D(2027, 3, 25), D(2027, 3, 25)),
        (D(2027, 12, 24), 1, D(2027, 12, 29), D(2027, 12, 29)),
    ],
)
def test_add(day, n, expected, expected_with_closures):
    assert ENGLAND.add(day, n) == expected
    assert ENGLAND_CLOSED.add(day, n) == expected_with_closures
    assert WALES_CLOSED.add(day, n) == expected_with_closures


@pytest.mark.parametrize(
    ("day", "expected", "expected_with_closures"),
    [
        (D(2026, 12, 21), D(2026, 12, 22), D(2026, 12, 22)),
        (D(2026, 12, 24), D(2026, 12, 29), D(2027, 1, 4)),
        (D(2026, 12, 26), D(2026, 12, 29), D(2027, 1, 4)),
        (D(2026, 12, 31), D(2027, 1, 4), D(2027, 1, 4)),
        (D(2027, 3, 25), D(2027, 3, 30), D(2027, 3, 30)),
        (D(2027, 3, 26), D(2027, 3, 30), D(2027, 3, 30)),
    ],
)
def test_next_working_day_is_strictly_after(day, expected, expected_with_closures):
    assert ENGLAND.next_working_day(day) == expected
    assert ENGLAND_CLOSED.next_working_day(day) == expected_with_closures


@pytest.mark.parametrize(
    ("start", "end", "expected", "expected_with_closures"),
    [
        (D(2026, 12, 22), D(2027, 1, 4), 6, 3),  # 23, 24, (29, 30, 31,) 4
        (D(2026, 12, 24), D(2026, 12, 28), 0, 0),
        (D(2026, 12, 24), D(2027, 1, 1), 3, 0),
        (D(2027, 3, 25), D(2027, 3, 30), 1, 1),
        (D(2027, 3, 24), D(2027, 4, 1), 4, 4),  # 25, 30, 31, 1
        (D(2027, 1, 4), D(2027, 1, 4), 0, 0),
        (D(2027, 1, 4), D(2026, 12, 22), 0, 0),  # end before start
    ],
)
def test_between(start, end, expected, expected_with_closures):
    assert ENGLAND.between(start, end) == expected
    assert ENGLAND_CLOSED.between(start, end) == expected_with_closures
    assert WALES.between(start, end) == expected


@pytest.mark.parametrize("n", [1, 3, 5, 10])
def test_between_counts_what_add_steps_over(n):
    for start in (D(2026, 12, 22), D(2026, 12, 24), D(2027, 3, 24)):
        for calendar in (ENGLAND, ENGLAND_CLOSED):
            assert calendar.between(start, calendar.add(start, n)) == n


def test_england_and_wales_have_the_same_bank_holidays_2026_to_2028():
    day = D(2026, 1, 1)
    while day <= D(2028, 12, 31):
        assert ENGLAND.bank_holiday(day) is WALES.bank_holiday(day), day
        day += dt.timedelta(days=1)


def test_on_or_after():
    assert ENGLAND_CLOSED.on_or_after(D(2026, 12, 24)) == D(2026, 12, 24)
    assert ENGLAND_CLOSED.on_or_after(D(2026, 12, 25)) == D(2027, 1, 4)


def test_a_nation_without_bank_holidays_here_is_refused():
    with pytest.raises(ValueError, match="scotland"):
        Calendar("scotland").is_working_day(D(2027, 1, 4))


def test_london_hours_across_the_clock_changes():
    # 09:00 London is 09:00 UTC in winter and 08:00 UTC in summer time.
    assert at_hour(D(2026, 10, 23), 9) == dt.datetime(2026, 10, 23, 8, 0, tzinfo=dt.UTC)
    assert at_hour(D(2026, 10, 26), 9) == dt.datetime(2026, 10, 26, 9, 0, tzinfo=dt.UTC)
    assert at_hour(D(2027, 3, 26), 9) == dt.datetime(2027, 3, 26, 9, 0, tzinfo=dt.UTC)
    assert at_hour(D(2027, 3, 29), 9) == dt.datetime(2027, 3, 29, 8, 0, tzinfo=dt.UTC)
    # A London day ends at midnight London time.
    assert end_of(D(2026, 10, 20)) == dt.datetime(2026, 10, 20, 23, 0, tzinfo=dt.UTC)
    assert end_of(D(2026, 12, 21)) == dt.datetime(2026, 12, 22, 0, 0, tzinfo=dt.UTC)
    assert london_date(dt.datetime(2026, 10, 22, 23, 30, tzinfo=dt.UTC)) == D(2026, 10, 23)
    assert london_date(dt.datetime(2026, 12, 22, 23, 30, tzinfo=dt.UTC)) == D(2026, 12, 22)
