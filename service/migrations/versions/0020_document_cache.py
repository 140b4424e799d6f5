"""document cache: each case's big documents (the collated summary PDF), kept per version of
the case and made again only when it changes

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-10 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


Moment = service.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "document_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("requested_at", Moment, nullable=False),
        sa.Column("built_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("built_at", Moment, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["dhr_case.id"],
            name=op.f("fk_document_cache_case_id_dhr_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_cache")),
        sa.UniqueConstraint("case_id", "kind", name=op.f("uq_document_cache_case_id")),
    )


def downgrade() -> None:
    op.drop_table("document_cache")
