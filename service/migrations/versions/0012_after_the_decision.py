"""notifications after the decision, family letters and the review's timescales

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_KINDS = ("home_office", "coroner", "commissioner", "subgroup_chair", "partnership_chair")


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, service.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("report_months", sa.Integer(), server_default="6", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "commissioner_told_of_decisions",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("advocacy_services", sa.JSON(), server_default="[]", nullable=False)
        )

    op.create_table(
        "decision_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(*_KINDS, name="notificationkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
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
        _moment("edited_at"),
        _moment("sent_at"),
        sa.Column("sent_by", sa.String(length=64), nullable=True),
        sa.Column("message_ids", sa.JSON(), nullable=True),
        _moment("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["dhr_case.id"], name=op.f("fk_decision_notification_case_id_dhr_case")
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_decision_notification_partnership_id_partnership"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_decision_notification_referral_id_referral"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_notification")),
    )
    with op.batch_alter_table("decision_notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_notification_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_notification_partnership_id"), ["partnership_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_notification_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(
            "ix_decision_notification_status_due", ["status", "due_on"], unique=False
        )

    op.create_table(
        "review_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        _moment("notices_reminder_at"),
        sa.Column("notices_reminders_sent", sa.Integer(), nullable=False),
        sa.Column("report_due_on", sa.Date(), nullable=True),
        sa.Column("report_due_reason", sa.Text(), nullable=True),
        _moment("report_8w_sent_at"),
        _moment("report_4w_sent_at"),
        _moment("report_overdue_sent_at"),
        sa.Column("home_office_replied_on", sa.Date(), nullable=True),
        sa.Column("flo_agreed_on", sa.Date(), nullable=True),
        sa.Column("report_file_id", sa.String(length=32), nullable=True),
        sa.Column("summary_file_id", sa.String(length=32), nullable=True),
        _moment("report_sent_at"),
        sa.Column("qa_answer", sa.String(length=16), nullable=True),
        sa.Column("qa_answered_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        _moment("commissioner_sent_at"),
        sa.Column("closed_on", sa.Date(), nullable=True),
        _moment("created_at", nullable=False),
        _moment("updated_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["dhr_case.id"], name=op.f("fk_review_progress_case_id_dhr_case")
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_review_progress_partnership_id_partnership"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_review_progress_referral_id_referral")
        ),
        sa.ForeignKeyConstraint(
            ["report_file_id"],
            ["stored_file.id"],
            name=op.f("fk_review_progress_report_file_id_stored_file"),
        ),
        sa.ForeignKeyConstraint(
            ["summary_file_id"],
            ["stored_file.id"],
            name=op.f("fk_review_progress_summary_file_id_stored_file"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_progress")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_review_progress_referral_id")),
    )
    with op.batch_alter_table("review_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_progress_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_review_progress_notices_reminder_at"),
            ["notices_reminder_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_review_progress_partnership_id"), ["partnership_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_progress_report_due_on"), ["report_due_on"], unique=False
        )

    op.create_table(
        "family_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "review",
                "no_review",
                "chair_introduction",
                name="letterkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("addressee", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("deliveries", sa.JSON(), nullable=False),
        _moment("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["dhr_case.id"], name=op.f("fk_family_letter_case_id_dhr_case")
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_family_letter_partnership_id_partnership"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_family_letter_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_letter")),
    )
    with op.batch_alter_table("family_letter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_letter_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_family_letter_partnership_id"), ["partnership_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_family_letter_referral_id"), ["referral_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("family_letter")
    op.drop_table("review_progress")
    op.drop_table("decision_notification")
    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.drop_column("advocacy_services")
        batch_op.drop_column("commissioner_told_of_decisions")
        batch_op.drop_column("report_months")
