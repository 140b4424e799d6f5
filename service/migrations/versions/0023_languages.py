"""languages: the languages a partnership's pages and correspondence are offered in

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-10 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partnership") as batch_op:
        batch_op.add_column(
            sa.Column("languages", sa.JSON(), server_default='["en"]', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("partnership") as batch_op:
        batch_op.drop_column("languages")
