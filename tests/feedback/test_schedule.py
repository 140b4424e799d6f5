"""When a member who has not answered is reminded: 3 working days before the deadline and on
the deadline day (the last working day before it, when the deadline is not a working day), at
the partnership's dispatch hour in London time, across weekends, bank holidays, the example
partnership's closure days (29 to 31 December 2026) and the clock change."""

from __future__ import annotations

import datetime as dt

import pytest

from service.panels import feedback
from tests.feedback.factories import sent_draft

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("deadline", "before", "on_the_day"),
    [
        pytest.param(dt.date(2026, 12, 14), utc(2026, 12, 9, 9), utc(2026, 12, 14, 9),
                     id="a Monday"),
        pytest.param(dt.date(2027, 5, 4), utc(2027, 4, 28, 8), utc(2027, 5, 4, 8),
                     id="the Tuesday after the early May bank holiday (summer time)"),
        pytest.param(dt.date(2027, 4, 1), utc(2027, 3, 25, 9), utc(2027, 4, 1, 8),
                     id="after Easter, across the clock change"),
        pytest.param(dt.date(2027, 5, 31), utc(2027, 5, 26, 8), utc(2027, 5, 28, 8),
                     id="on the spring bank holiday: the Friday before"),
        pytest.param(dt.date(2026, 12, 19), utc(2026, 12, 16, 9), utc(2026, 12, 18, 9),
                     id="a Saturday: the Friday before"),
        pytest.param(dt.date(2027, 1, 3), utc(2026, 12, 22, 9), utc(2026, 12, 24, 9),
                     id="a Sunday after Christmas, the bank holidays and closure days"),
    ],
)  # fmt: skip
def test_reminder_moments(partnership, deadline, before, on_the_day):
    assert feedback.reminder_moments(partnership, deadline) == (before, on_the_day)


def test_a_draft_sent_after_the_first_moment_starts_with_the_on_the_day_reminder(
    session, partnership
):
    # Thursday 10 December, for Monday 14th: Wednesday 9th has gone.
    draft = sent_draft(
        session, partnership, at=utc(2026, 12, 10, 10), deadline=dt.date(2026, 12, 14)
    )
    assert {r.next_reminder_at for r in draft.recipients} == {utc(2026, 12, 14, 9)}
    assert {r.reminders_sent for r in draft.recipients} == {0}


def test_a_draft_sent_after_both_moments_gets_no_reminders(session, partnership):
    # Friday 18 December at 10:00 for Saturday 19th: the Friday reminder's hour has passed.
    draft = sent_draft(
        session, partnership, at=utc(2026, 12, 18, 10), deadline=dt.date(2026, 12, 19)
    )
    assert {r.next_reminder_at for r in draft.recipients} == {None}


def test_the_standard_deadline_is_the_feedback_days_after_sending(partnership):
    assert partnership.feedback_days == 14
    assert feedback.default_deadline(partnership, utc(2026, 11, 30, 10)) == dt.date(2026, 12, 14)
    # Late in the evening in summer time it is already the next day in London.
    assert feedback.default_deadline(partnership, utc(2027, 6, 30, 23, 30)) == dt.date(2027, 7, 15)
