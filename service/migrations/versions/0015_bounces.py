"""bounce reports: the reports read, the messages they failed or delayed, the officer's notices
and when each mailbox of reports was last polled

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-09 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

Moment = service.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bounce_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=False),
        sa.Column("read_at", Moment, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bounce_report")),
        sa.UniqueConstraint("key", name=op.f("uq_bounce_report_key")),
    )
    op.create_table(
        "message_bounce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("bounced", "delayed", name="bouncekind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("status_code", sa.String(length=16), nullable=False),
        sa.Column("diagnostic", sa.Text(), nullable=False),
        sa.Column("reported_at", Moment, nullable=False),
        sa.Column("dealt_with_at", Moment, nullable=True),
        sa.Column("dealt_with_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_message_bounce_message_id_message")
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_message_bounce_partnership_id_partnership"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["bounce_report.id"],
            name=op.f("fk_message_bounce_report_id_bounce_report"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_bounce")),
        sa.UniqueConstraint("report_id", "message_id", name=op.f("uq_message_bounce_report_id")),
    )
    with op.batch_alter_table("message_bounce", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_bounce_message_id"), ["message_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_message_bounce_partnership_id"), ["partnership_id"], unique=False
        )
    op.create_table(
        "bounce_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_bounce_notice_partnership_id_partnership"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bounce_notice")),
        sa.UniqueConstraint(
            "partnership_id", "address", "day", name=op.f("uq_bounce_notice_partnership_id")
        ),
    )
    op.create_table(
        "bounce_poll",
        sa.Column("mailbox", sa.String(length=64), nullable=False),
        sa.Column("polled_at", Moment, nullable=False),
        sa.PrimaryKeyConstraint("mailbox", name=op.f("pk_bounce_poll")),
    )


def downgrade() -> None:
    op.drop_table("bounce_poll")
    op.drop_table("bounce_notice")
    with op.batch_alter_table("message_bounce", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_bounce_partnership_id"))
        batch_op.drop_index(batch_op.f("ix_message_bounce_message_id"))
    op.drop_table("message_bounce")
    op.drop_table("bounce_report")
