"""bounce follow up: which outbox messages carried each request to an agency (its email and its
chasers), so a bounce pauses that request's chasers

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

Moment = service.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "request_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("queued_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_request_delivery_message_id_message")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_delivery")),
        sa.UniqueConstraint("message_id", name=op.f("uq_request_delivery_message_id")),
    )
    with op.batch_alter_table("request_delivery", schema=None) as batch_op:
        batch_op.create_index("ix_request_delivery_request", ["kind", "request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("request_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_request_delivery_request")
    op.drop_table("request_delivery")
