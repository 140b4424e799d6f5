"""message bodies stored with live links redacted

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_links", sa.JSON(), nullable=True))
    # Bodies stored before now may hold live links, which every console role could read.
    from mail.links import redact_stored_messages

    redact_stored_messages(op.get_bind())


def downgrade() -> None:
    # The links taken out of the bodies are not written back: that is the point of the change.
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("live_links")
