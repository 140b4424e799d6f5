"""link sessions kept server-side

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("access_token_id", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["access_token_id"],
            ["access_token.id"],
            name=op.f("fk_link_session_access_token_id_access_token"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_session")),
    )
    with op.batch_alter_table("link_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_link_session_access_token_id"), ["access_token_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_link_session_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("link_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_session_expires_at"))
        batch_op.drop_index(batch_op.f("ix_link_session_access_token_id"))
    op.drop_table("link_session")
