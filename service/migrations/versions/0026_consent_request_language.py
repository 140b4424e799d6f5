"""consent request language: the language a family member's letter, form and emails are in

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty for every request there is: not known, so each is written to in both languages
    # where the partnership offers both, and in its one language elsewhere (as before).
    with op.batch_alter_table("consent_request") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consent_request") as batch_op:
        batch_op.drop_column("language")
