"""the mail system's refusals of the service's credentials, shown to officers until a delivery
succeeds

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_system_fault",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("setting", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("first_seen", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_system_fault")),
    )


def downgrade() -> None:
    op.drop_table("mail_system_fault")
