"""agency language: the language an agency's emails are written in

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty for every agency there is: each then gets its partnership's first language.
    with op.batch_alter_table("agency") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agency") as batch_op:
        batch_op.drop_column("language")
