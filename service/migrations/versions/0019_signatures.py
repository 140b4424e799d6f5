"""signatures: the consent form's print name and the chair it named, and each case's choice
whether the consent form asks about the suspect or perpetrator (with the reason)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


Moment = service.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("consent_response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("print_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("chair_name", sa.String(length=400), nullable=True))
    op.create_table(
        "case_consent_setting",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("ask_about_suspect", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.Column("changed_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["dhr_case.id"], name=op.f("fk_case_consent_setting_case_id_dhr_case")
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["user_account.id"],
            name=op.f("fk_case_consent_setting_changed_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_consent_setting")),
    )


def downgrade() -> None:
    op.drop_table("case_consent_setting")
    with op.batch_alter_table("consent_response", schema=None) as batch_op:
        batch_op.drop_column("chair_name")
        batch_op.drop_column("print_name")
