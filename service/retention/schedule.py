"""A partnership's retention schedule: the ``retention`` block of its file, and the moments the
periods give.

    referral_months  a referral not taken forward: deleted this many months after the decision
    case_years       a closed case: its personal data deleted this many years after the date
                     the report was published or the review ended
    outbox_days      a sent message: its bodies, address and attachments purged this many days
                     after it was sent (held and failed messages keep theirs until dealt with)
    deferral_months  the one deferral of a case's deletion moves it this many months later

Expired drafts, links and set-up tokens go as they always have; the audit trail is kept and
holds no personal data. A partnership whose file has no ``retention`` block has the defaults.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy.orm import Session

from service.models import Partnership, RetentionSchedule
from service.models import retention as defaults
from service.workdays import at_hour

#: The DHR officer inbox is told this long before a case's personal data is deleted.
NOTICE_BEFORE = dt.timedelta(days=30)


class RetentionSchema(Schema):
    """The partnership file's ``retention`` block."""

    class Meta:
        unknown = RAISE

    referral_months = fields.Integer(
        load_default=defaults.REFERRAL_MONTHS, validate=validate.Range(1, 120)
    )
    case_years = fields.Integer(load_default=defaults.CASE_YEARS, validate=validate.Range(1, 100))
    outbox_days = fields.Integer(
        load_default=defaults.OUTBOX_DAYS, validate=validate.Range(1, 3650)
    )
    deferral_months = fields.Integer(
        load_default=defaults.DEFERRAL_MONTHS, validate=validate.Range(1, 60)
    )


def default_block() -> dict[str, Any]:
    return RetentionSchema().load({})


def store(session: Session, partnership: Partnership, block: dict[str, Any]) -> None:
    """Write the checked ``retention`` block for ``partnership`` (created or updated)."""
    row = session.get(RetentionSchedule, partnership.id)
    if row is None:
        row = RetentionSchedule(partnership_id=partnership.id)
        session.add(row)
    for key, value in block.items():
        setattr(row, key, value)


def of(session: Session, partnership_id: int | None) -> RetentionSchedule:
    """The partnership's schedule; the defaults if its file never set one (or for a message
    that belongs to no partnership)."""
    row = session.get(RetentionSchedule, partnership_id) if partnership_id else None
    if row is not None:
        return row
    return RetentionSchedule(partnership_id=partnership_id, **default_block())


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier); the month's last day where it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def deletion_moment(partnership: Partnership, rules: RetentionSchedule, ended_on: dt.date):
    """When a case that ended on ``ended_on`` has its personal data deleted: the partnership's
    dispatch hour, ``case_years`` after that date."""
    return at_hour(add_months(ended_on, 12 * rules.case_years), partnership.dispatch_hour)


def deferred_moment(rules: RetentionSchedule, delete_at: dt.datetime) -> dt.datetime:
    """Where the one deferral moves a deletion: ``deferral_months`` later, at the same hour."""
    moved = add_months(delete_at.date(), rules.deferral_months)
    return delete_at.replace(year=moved.year, month=moved.month, day=moved.day)


def referral_cutoff(rules: RetentionSchedule, now: dt.datetime) -> dt.datetime:
    """A referral not taken forward that was decided at or before this moment is due."""
    back = add_months(now.date(), -rules.referral_months)
    return now.replace(year=back.year, month=back.month, day=back.day)


def outbox_cutoff(rules: RetentionSchedule, now: dt.datetime) -> dt.datetime:
    """A message sent at or before this moment has its content purged."""
    return now - dt.timedelta(days=rules.outbox_days)
