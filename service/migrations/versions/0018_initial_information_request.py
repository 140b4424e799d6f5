"""initial information request: a trawl sent from a referral before the decision (its case
set once one is opened), and the trawl's invitation to the scoping meeting

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-10 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db  # noqa: F401

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trawl", schema=None) as batch_op:
        batch_op.add_column(sa.Column("referral_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "purpose",
                sa.Enum("review", "initial", name="trawlpurpose", native_enum=False, length=32),
                server_default="review",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("meeting_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("meeting_time", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("meeting_place", sa.Text(), nullable=True))
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f("ix_trawl_referral_id"), ["referral_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_trawl_referral_id_referral"), "referral", ["referral_id"], ["id"]
        )
    with op.batch_alter_table("trawl_request", schema=None) as batch_op:
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Initial requests that never became a case's cannot stay without one.
    op.execute(
        "DELETE FROM trawl_extension WHERE request_id IN "
        "(SELECT id FROM trawl_request WHERE case_id IS NULL)"
    )
    op.execute(
        "DELETE FROM trawl_return WHERE request_id IN "
        "(SELECT id FROM trawl_request WHERE case_id IS NULL)"
    )
    op.execute("DELETE FROM trawl_request WHERE case_id IS NULL")
    op.execute(
        "DELETE FROM trawl_person WHERE trawl_id IN (SELECT id FROM trawl WHERE case_id IS NULL)"
    )
    op.execute("DELETE FROM trawl WHERE case_id IS NULL")
    with op.batch_alter_table("trawl_request", schema=None) as batch_op:
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("trawl", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_trawl_referral_id_referral"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_trawl_referral_id"))
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("meeting_place")
        batch_op.drop_column("meeting_time")
        batch_op.drop_column("meeting_date")
        batch_op.drop_column("purpose")
        batch_op.drop_column("referral_id")
