"""the IMR written in the service, IMR chronology rows and the case's action plan

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

Moment = service.db.UTCDateTime(timezone=True)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "imr_names",
                _enum("imrnames", "initials", "real_names"),
                server_default="initials",
                nullable=False,
            )
        )
    with op.batch_alter_table("imr_submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report", sa.JSON(), nullable=True))

    op.create_table(
        "case_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["dhr_case.id"], name=op.f("fk_case_term_case_id_dhr_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_term")),
        sa.UniqueConstraint("case_id", "number", name=op.f("uq_case_term_case_id")),
    )
    with op.batch_alter_table("case_term", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_term_case_id"), ["case_id"], unique=False)

    op.create_table(
        "chronology_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("row_key", sa.String(length=200), nullable=False),
        sa.Column("management_comment", sa.Text(), nullable=True),
        sa.Column("panel_notes", sa.Text(), nullable=True),
        sa.Column("updated_at", Moment, nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["dhr_case.id"], name=op.f("fk_chronology_note_case_id_dhr_case")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["user_account.id"],
            name=op.f("fk_chronology_note_updated_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chronology_note")),
        sa.UniqueConstraint("case_id", "row_key", name=op.f("uq_chronology_note_case_id")),
    )
    with op.batch_alter_table("chronology_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chronology_note_case_id"), ["case_id"], unique=False)

    op.create_table(
        "action_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("source", _enum("actionsource", "imr", "officer"), nullable=False),
        sa.Column("scope", _enum("actionscope", "single", "multi"), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("imr_request_id", sa.Integer(), nullable=True),
        sa.Column("imr_number", sa.Integer(), nullable=True),
        sa.Column("imr_version", sa.Integer(), nullable=True),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("key_actions", sa.Text(), nullable=True),
        sa.Column("evidence_expected", sa.Text(), nullable=True),
        sa.Column("key_outcomes", sa.Text(), nullable=True),
        sa.Column("lead_officer", sa.String(length=200), nullable=True),
        sa.Column("lead_officer_email", sa.String(length=254), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column(
            "status", _enum("actionstatus", "not_started", "in_progress", "done"), nullable=False
        ),
        sa.Column("progress", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("done_at", Moment, nullable=True),
        sa.Column("week_reminder_at", Moment, nullable=True),
        sa.Column("day_reminder_at", Moment, nullable=True),
        sa.Column("week_reminded_at", Moment, nullable=True),
        sa.Column("day_reminded_at", Moment, nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_action_item_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["dhr_case.id"], name=op.f("fk_action_item_case_id_dhr_case")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_action_item_created_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["imr_request_id"],
            ["imr_request.id"],
            name=op.f("fk_action_item_imr_request_id_imr_request"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_action_item_partnership_id_partnership"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_item")),
    )
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        for column in (
            "agency_id", "case_id", "day_reminder_at", "imr_request_id", "partnership_id",
            "week_reminder_at",
        ):  # fmt: skip
            batch_op.create_index(batch_op.f(f"ix_action_item_{column}"), [column], unique=False)


def downgrade() -> None:
    op.drop_table("action_item")
    op.drop_table("chronology_note")
    op.drop_table("case_term")
    with op.batch_alter_table("imr_submission", schema=None) as batch_op:
        batch_op.drop_column("report")
    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.drop_column("imr_names")
