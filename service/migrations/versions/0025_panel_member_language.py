"""panel member language: the language a panel member's emails are written in

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty for every member there is: each then gets their agency's language, else the
    # partnership's first.
    with op.batch_alter_table("panel_member") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("panel_member") as batch_op:
        batch_op.drop_column("language")
