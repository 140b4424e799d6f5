"""resend corrected address: a bounced message sent again, with the same content, to a corrected
address, and which message replaced which

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-10 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

Moment = service.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "message_resend",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=True),
        sa.Column("original_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_message_resend_message_id_message")
        ),
        sa.ForeignKeyConstraint(
            ["original_id"], ["message.id"], name=op.f("fk_message_resend_original_id_message")
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_message_resend_partnership_id_partnership"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_resend")),
        sa.UniqueConstraint("message_id", name=op.f("uq_message_resend_message_id")),
        sa.UniqueConstraint("original_id", name=op.f("uq_message_resend_original_id")),
    )
    with op.batch_alter_table("message_resend", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_resend_partnership_id"), ["partnership_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("message_resend", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_resend_partnership_id"))
    op.drop_table("message_resend")
