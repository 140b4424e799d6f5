"""When a trawl is due and when its chasers go: at the partnership's dispatch hour, London time,
on working days, whatever the clocks do."""

from __future__ import annotations

import datetime as dt

import pytest

from service.models import Nation, Partnership
from service.trawls import schedule
from tests.trawls.factories import SENT_AT

D = dt.date
UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def exampleshire(**changes) -> Partnership:
    """The example partnership's timescales, without a database."""
    values = dict(
        nation=Nation.ENGLAND,
        closure_days=["2026-12-29", "2026-12-30", "2026-12-31"],
        trawl_response_days=14,
        chaser_interval_working_days=3,
        dispatch_hour=9,
    )
    return Partnership(**(values | changes))


def test_the_example_partnership_has_these_timescales(partnership):
    mine = exampleshire()
    for name in ("nation", "trawl_response_days", "chaser_interval_working_days",
                 "dispatch_hour"):  # fmt: skip
        assert getattr(partnership, name) == getattr(mine, name)
    assert [str(d) for d in partnership.closure_days] == mine.closure_days


@pytest.mark.parametrize(
    ("sent_at", "due"),
    [
        (SENT_AT, D(2026, 12, 21)),
        # 00:30 on 13 October in London (summer time), though still the 12th in UTC.
        (utc(2026, 10, 12, 23, 30), D(2026, 10, 27)),
        (utc(2026, 12, 12, 23, 30), D(2026, 12, 26)),  # a Saturday: still the due date
        (utc(2027, 3, 15, 9), D(2027, 3, 29)),  # Easter Monday
    ],
)
def test_due_date_is_calendar_days_after_the_london_date_sent(sent_at, due):
    assert schedule.due_date(exampleshire(), sent_at) == due


@pytest.mark.parametrize(
    ("due", "first"),
    [
        (D(2026, 12, 21), utc(2026, 12, 22, 9)),  # the factories' trawl
        (D(2026, 12, 24), utc(2027, 1, 4, 9)),  # over Christmas and the closure days
        (D(2026, 12, 26), utc(2027, 1, 4, 9)),  # due on a Saturday
        (D(2026, 10, 22), utc(2026, 10, 23, 8)),  # 09:00 British Summer Time
        (D(2026, 10, 23), utc(2026, 10, 26, 9)),  # the clocks went back on the 25th
        (D(2027, 3, 24), utc(2027, 3, 25, 9)),
        (D(2027, 3, 25), utc(2027, 3, 30, 8)),  # over Easter and into summer time
        (D(2027, 3, 29), utc(2027, 3, 30, 8)),  # due on Easter Monday
    ],
)
def test_first_chaser_is_the_dispatch_hour_on_the_next_working_day(due, first):
    assert schedule.first_chaser_at(exampleshire(), due) == first


@pytest.mark.parametrize(
    ("chased_at", "following"),
    [
        (utc(2026, 12, 22, 9), utc(2027, 1, 4, 9)),  # the factories' second chaser
        (utc(2027, 1, 4, 9), utc(2027, 1, 7, 9)),
        (utc(2026, 10, 23, 8), utc(2026, 10, 28, 9)),  # over the clock change
        (utc(2027, 3, 25, 9), utc(2027, 4, 1, 8)),  # over Easter and the clock change
        # A late sweep: counted from when the chaser actually went, never in the past.
        (utc(2027, 1, 9, 15), utc(2027, 1, 13, 9)),
        # Half past midnight on Friday 23 October in London is Thursday evening in UTC: the
        # London date counts.
        (utc(2026, 10, 22, 23, 30), utc(2026, 10, 28, 9)),
    ],
)
def test_chasers_follow_every_three_working_days_at_the_dispatch_hour(chased_at, following):
    assert schedule.chaser_after(exampleshire(), chased_at) == following


def test_without_closure_days_the_second_chaser_goes_between_christmas_and_new_year():
    p = exampleshire(closure_days=[])
    assert schedule.first_chaser_at(p, D(2026, 12, 21)) == utc(2026, 12, 22, 9)
    assert schedule.chaser_after(p, utc(2026, 12, 22, 9)) == utc(2026, 12, 29, 9)


def test_the_partnership_settings_are_used():
    p = exampleshire(chaser_interval_working_days=5, dispatch_hour=8, trawl_response_days=10)
    assert schedule.due_date(p, SENT_AT) == D(2026, 12, 17)
    assert schedule.first_chaser_at(p, D(2026, 12, 17)) == utc(2026, 12, 18, 8)
    # 21, 22, 23, 24, (closure days,) 4 January.
    assert schedule.chaser_after(p, utc(2026, 12, 18, 8)) == utc(2027, 1, 4, 8)
    wales = exampleshire(nation=Nation.WALES, closure_days=[])
    assert schedule.first_chaser_at(wales, D(2027, 3, 25)) == utc(2027, 3, 30, 8)


def test_overdue_once_the_due_date_has_ended_in_london():
    assert not schedule.is_overdue(D(2026, 12, 21), utc(2026, 12, 21, 23, 59, 59))
    assert schedule.is_overdue(D(2026, 12, 21), utc(2026, 12, 22, 0, 0))
    # In summer time the London day ends at 23:00 UTC.
    assert not schedule.is_overdue(D(2026, 10, 20), utc(2026, 10, 20, 22, 59))
    assert schedule.is_overdue(D(2026, 10, 20), utc(2026, 10, 20, 23, 0))


def test_link_lifetime_and_days_taken():
    assert schedule.link_expires_at(D(2026, 12, 21)) == utc(2027, 3, 22, 0, 0)
    assert schedule.days_taken(SENT_AT, utc(2026, 12, 7, 23, 59)) == 0
    assert schedule.days_taken(SENT_AT, utc(2026, 12, 22, 9)) == 15
