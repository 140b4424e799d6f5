"""report stage

The emails of the report stage (to the Home Office's quality assurance panel, and the published
report to the Domestic Abuse Commissioner), the panel's notes, and one record of a case's
closure: the review's own ``closed_on`` goes, and any date in it becomes the case's closure
(``case_closure``), which the retention schedule counts from.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-10 08:00:00
"""

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_LONDON = ZoneInfo("Europe/London")
_CASE_YEARS = 6  # the retention schedule's default, for a partnership that never set one
_NOTICE_BEFORE = dt.timedelta(days=30)


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, service.db.UTCDateTime(timezone=True), nullable=nullable)


def _years_later(day: dt.date, years: int) -> dt.date:
    year = day.year + years
    return dt.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def _closures_from_closed_on() -> None:
    """Each review closed in ``closed_on`` whose case has no closure yet gets one, counted from
    that date as ``service.retention.closing`` counts (never sooner than 30 days from now)."""
    bind = op.get_bind()
    moment = service.db.UTCDateTime(timezone=True)
    progress = sa.table(
        "review_progress",
        sa.column("case_id", sa.Integer()),
        sa.column("partnership_id", sa.Integer()),
        sa.column("published_on", sa.Date()),
        sa.column("closed_on", sa.Date()),
    )
    closure = sa.table(
        "case_closure",
        sa.column("case_id", sa.Integer()),
        sa.column("partnership_id", sa.Integer()),
        sa.column("outcome", sa.String()),
        sa.column("ended_on", sa.Date()),
        sa.column("closed_at", moment),
        sa.column("delete_at", moment),
        sa.column("notice_at", moment),
    )
    case = sa.table("dhr_case", sa.column("id", sa.Integer()), sa.column("status", sa.String()))
    schedule = sa.table(
        "retention_schedule",
        sa.column("partnership_id", sa.Integer()),
        sa.column("case_years", sa.Integer()),
    )
    partnership = sa.table(
        "partnership", sa.column("id", sa.Integer()), sa.column("dispatch_hour", sa.Integer())
    )
    rows = bind.execute(
        sa.select(
            progress.c.case_id,
            progress.c.partnership_id,
            progress.c.published_on,
            progress.c.closed_on,
            schedule.c.case_years,
            partnership.c.dispatch_hour,
        )
        .select_from(progress)
        .join(partnership, partnership.c.id == progress.c.partnership_id)
        .outerjoin(schedule, schedule.c.partnership_id == progress.c.partnership_id)
        .where(
            progress.c.closed_on.is_not(None),
            progress.c.case_id.is_not(None),
            progress.c.case_id.not_in(sa.select(closure.c.case_id)),
        )
    ).all()
    now = dt.datetime.now(dt.UTC)
    for row in rows:
        day = _years_later(row.closed_on, row.case_years or _CASE_YEARS)
        due = dt.datetime.combine(day, dt.time(row.dispatch_hour or 9), tzinfo=_LONDON)
        delete_at = max(due.astimezone(dt.UTC), now + _NOTICE_BEFORE)
        bind.execute(
            closure.insert().values(
                case_id=row.case_id,
                partnership_id=row.partnership_id,
                outcome="published" if row.published_on else "ended",
                ended_on=row.closed_on,
                closed_at=now,
                delete_at=delete_at,
                notice_at=delete_at - _NOTICE_BEFORE,
            )
        )
        bind.execute(case.update().where(case.c.id == row.case_id).values(status="closed"))


def upgrade() -> None:
    op.create_table(
        "report_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "quality_assurance",
                "commissioner",
                name="reportmessagekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "sent",
                "withdrawn",
                name="notificationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("file_ids", sa.JSON(), nullable=False),
        _moment("edited_at"),
        _moment("sent_at"),
        sa.Column("sent_by", sa.String(length=64), nullable=True),
        sa.Column("message_ids", sa.JSON(), nullable=True),
        _moment("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["dhr_case.id"], name=op.f("fk_report_message_case_id_dhr_case")
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_report_message_partnership_id_partnership"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_report_message_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_message")),
        sa.UniqueConstraint("case_id", "kind", "round", name=op.f("uq_report_message_case_id")),
    )
    with op.batch_alter_table("report_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_message_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_report_message_partnership_id"), ["partnership_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_report_message_referral_id"), ["referral_id"], unique=False
        )

    _closures_from_closed_on()
    with op.batch_alter_table("review_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qa_notes", sa.Text(), nullable=True))
        batch_op.drop_column("closed_on")


def downgrade() -> None:
    with op.batch_alter_table("review_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.drop_column("qa_notes")
    # The closure stays retention's; the review's own column gets its date back.
    op.execute(
        "UPDATE review_progress SET closed_on = (SELECT ended_on FROM case_closure "
        "WHERE case_closure.case_id = review_progress.case_id)"
    )
    with op.batch_alter_table("report_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_message_referral_id"))
        batch_op.drop_index(batch_op.f("ix_report_message_partnership_id"))
        batch_op.drop_index(batch_op.f("ix_report_message_case_id"))
    op.drop_table("report_message")
