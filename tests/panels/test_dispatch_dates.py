"""When a meeting's papers go: the working day five working days before it, across weekends,
England's bank holidays and a partnership's closure days, at the dispatch hour in London."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from service.models import MeetingStatus, Nation
from service.panels import dispatch_dates

D = dt.date
CHRISTMAS_EVE_CLOSED = ("2026-12-24",)
EXAMPLE_CLOSURES = ("2026-12-29", "2026-12-30", "2026-12-31")  # config/partnerships/example.yaml

# England's bank holidays in the period: Fri 25 Dec 2026 (Christmas), Mon 28 Dec 2026 (Boxing
# Day, moved from Saturday 26th), Fri 1 Jan 2027, Fri 26 Mar 2027 (Good Friday), Mon 29 Mar
# 2027 (Easter Monday), Mon 31 May 2027 (late May), Mon 30 Aug 2027 (summer).
ROWS = [
    # (meeting, closure days, papers go on): counted back one working day at a time.
    (D(2026, 11, 13), (), D(2026, 11, 6)),
    # Fri 13 Nov: Thu 12, Wed 11, Tue 10, Mon 9, Fri 6 — a plain week.
    (D(2026, 11, 16), (), D(2026, 11, 9)),
    # Mon 16 Nov: Fri 13, Thu 12, Wed 11, Tue 10, Mon 9 — over a weekend.
    (D(2026, 11, 21), (), D(2026, 11, 16)),
    # Sat 21 Nov (a meeting on a Saturday): Fri 20, Thu 19, Wed 18, Tue 17, Mon 16.
    (D(2026, 12, 30), (), D(2026, 12, 21)),
    # Wed 30 Dec: Tue 29, (Mon 28 and Fri 25 bank holidays), Thu 24, Wed 23, Tue 22, Mon 21.
    (D(2026, 12, 30), CHRISTMAS_EVE_CLOSED, D(2026, 12, 18)),
    # The same with Thu 24 Dec a closure day: Tue 29, Wed 23, Tue 22, Mon 21, Fri 18.
    (D(2027, 1, 4), (), D(2026, 12, 23)),
    # Mon 4 Jan: (Fri 1 Jan bank holiday), Thu 31, Wed 30, Tue 29, (28, 25), Thu 24, Wed 23.
    (D(2027, 1, 7), (), D(2026, 12, 30)),
    # Thu 7 Jan: Wed 6, Tue 5, Mon 4, (Fri 1 Jan), Thu 31 Dec, Wed 30 Dec.
    (D(2027, 1, 7), EXAMPLE_CLOSURES, D(2026, 12, 23)),
    # With the example's closure days 29-31 Dec: Wed 6, Tue 5, Mon 4, Thu 24, Wed 23.
    (D(2027, 1, 8), CHRISTMAS_EVE_CLOSED + EXAMPLE_CLOSURES, D(2026, 12, 23)),
    # Fri 8 Jan, closed 24 and 29-31 Dec: Thu 7, Wed 6, Tue 5, Mon 4, then every day back to
    # Thu 24 Dec is a bank holiday, a weekend or closed: the fifth is Wed 23 Dec.
    (D(2027, 4, 1), (), D(2027, 3, 23)),
    # Thu 1 Apr: Wed 31, Tue 30, (Mon 29 Easter Monday, Fri 26 Good Friday), Thu 25, Wed 24,
    # Tue 23.
    (D(2027, 3, 30), (), D(2027, 3, 19)),
    # Tue 30 Mar: (Mon 29, Fri 26), Thu 25, Wed 24, Tue 23, Mon 22, Fri 19.
    (D(2027, 6, 4), (), D(2027, 5, 27)),
    # Fri 4 Jun: Thu 3, Wed 2, Tue 1, (Mon 31 May late May bank holiday), Fri 28, Thu 27.
    (D(2027, 9, 1), (), D(2027, 8, 24)),
    # Wed 1 Sep: Tue 31, (Mon 30 Aug summer bank holiday), Fri 27, Thu 26, Wed 25, Tue 24.
]


def partnership(closures=()) -> SimpleNamespace:
    return SimpleNamespace(nation=Nation.ENGLAND, closure_days=list(closures),
                           papers_working_days=5, dispatch_hour=9)  # fmt: skip


@pytest.mark.parametrize(("meeting", "closures", "expected"), ROWS)
def test_papers_go_five_working_days_before_the_meeting(meeting, closures, expected):
    assert dispatch_dates.dispatch_date(partnership(closures), meeting) == expected


@pytest.mark.parametrize(
    ("meeting", "dispatch_at", "warning_at"),
    [
        # Papers on Tue 23 Mar 2027 (GMT): 09:00 is 09:00 UTC; the warning the working day
        # before, Mon 22 Mar.
        (D(2027, 4, 1), dt.datetime(2027, 3, 23, 9, tzinfo=dt.UTC),
         dt.datetime(2027, 3, 22, 9, tzinfo=dt.UTC)),
        # Papers on Thu 27 May 2027 (BST): 09:00 London is 08:00 UTC; warned Wed 26 May.
        (D(2027, 6, 4), dt.datetime(2027, 5, 27, 8, tzinfo=dt.UTC),
         dt.datetime(2027, 5, 26, 8, tzinfo=dt.UTC)),
        # Papers on Mon 29 Mar 2027? No: Easter Monday. A meeting on Tue 6 Apr 2027 has papers
        # on Tue 30 Mar (BST, 08:00 UTC) and the warning on Thu 25 Mar (GMT, 09:00 UTC), over
        # Easter and the clock change.
        (D(2027, 4, 6), dt.datetime(2027, 3, 30, 8, tzinfo=dt.UTC),
         dt.datetime(2027, 3, 25, 9, tzinfo=dt.UTC)),
    ],
)  # fmt: skip
def test_the_papers_go_at_the_dispatch_hour_in_london(meeting, dispatch_at, warning_at):
    plan = dispatch_dates.schedule_for(
        partnership(), meeting, dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    )
    assert (plan.dispatch_at, plan.warning_at, plan.late) == (dispatch_at, warning_at, False)


def test_a_meeting_scheduled_too_late_for_the_notice_has_its_papers_go_at_the_next_sweep():
    # Scheduled on Tue 23 Mar 2027 at 14:00 for Thu 25 Mar: the papers should have gone on
    # Thu 18 Mar. They go now, and there is no time left for a warning.
    now = dt.datetime(2027, 3, 23, 14, tzinfo=dt.UTC)
    plan = dispatch_dates.schedule_for(partnership(), D(2027, 3, 25), now)
    assert plan == dispatch_dates.Schedule(D(2027, 3, 23), now, None, late=True)


def test_scheduled_after_the_warning_time_only_the_warning_at_dispatch_is_left():
    # Scheduled on Wed 17 Mar 2027 at 11:00 for Thu 25 Mar: papers on Thu 18 Mar at 09:00; the
    # day-before warning (Wed 17 at 09:00) has passed, so the one warning left is at dispatch.
    now = dt.datetime(2027, 3, 17, 11, tzinfo=dt.UTC)
    plan = dispatch_dates.schedule_for(partnership(), D(2027, 3, 25), now)
    dispatch = dt.datetime(2027, 3, 18, 9, tzinfo=dt.UTC)
    assert (plan.dispatch_at, plan.warning_at, plan.late) == (dispatch, dispatch, False)


def meeting_on(day: dt.date, papers_on: dt.date, *, dispatched: bool = False) -> SimpleNamespace:
    starts = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
    return SimpleNamespace(status=MeetingStatus.SCHEDULED, starts_at=starts, dispatch_on=papers_on,
                           dispatched_at=starts if dispatched else None)  # fmt: skip


@pytest.mark.parametrize(
    ("meeting", "closures", "reason"),
    [
        # Over a weekend only: nothing to explain.
        (D(2026, 11, 16), (), None),
        # Thu 24 Dec closed, Fri 25 and Mon 28 bank holidays.
        (D(2026, 12, 30), CHRISTMAS_EVE_CLOSED,
         "Papers go on Friday 18 December 2026, 5 working days before the meeting: 25 and 28 "
         "December are bank holidays, and 24 December is a closure day."),
        # Across a month: the example's closure days and three bank holidays.
        (D(2027, 1, 7), EXAMPLE_CLOSURES,
         "Papers go on Wednesday 23 December 2026, 5 working days before the meeting: 25 and 28 "
         "December and 1 January are bank holidays, and 29, 30 and 31 December are closure "
         "days."),
        (D(2027, 4, 1), (),
         "Papers go on Tuesday 23 March 2027, 5 working days before the meeting: 26 and 29 "
         "March are bank holidays."),
    ],
)  # fmt: skip
def test_the_reason_papers_go_early_names_the_days_the_count_skipped(meeting, closures, reason):
    p = partnership(closures)
    found = dispatch_dates.dispatch_reason(
        p, meeting_on(meeting, dispatch_dates.dispatch_date(p, meeting))
    )
    assert found == reason


def test_no_reason_is_given_for_papers_that_go_at_once_or_a_cancelled_meeting():
    p = partnership(EXAMPLE_CLOSURES)
    late = meeting_on(D(2027, 1, 7), D(2027, 1, 5))  # scheduled too late: papers went at once
    assert dispatch_dates.dispatch_reason(p, late) is None
    cancelled = meeting_on(D(2027, 1, 7), D(2026, 12, 23))
    cancelled.status = MeetingStatus.CANCELLED
    assert dispatch_dates.dispatch_reason(p, cancelled) is None
    sent = meeting_on(D(2027, 1, 7), D(2026, 12, 23), dispatched=True)
    assert dispatch_dates.dispatch_reason(p, sent).startswith(
        "Papers went on Wednesday 23 December"
    )
