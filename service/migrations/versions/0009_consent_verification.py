"""consent one-time codes and link lifetime

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consent_response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("date_of_birth_digest", sa.String(length=64), nullable=True))

    op.create_table(
        "consent_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["consent_request.id"],
            name=op.f("fk_consent_device_request_id_consent_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_device")),
    )
    with op.batch_alter_table("consent_device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_device_digest"), ["digest"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consent_device_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "consent_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "email", "date_of_birth", name="consentcheckmethod", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("code_digest", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("passed_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["consent_request.id"],
            name=op.f("fk_consent_check_request_id_consent_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_check")),
    )
    with op.batch_alter_table("consent_check", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_check_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consent_check_token_id"), ["token_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consent_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_check_token_id"))
        batch_op.drop_index(batch_op.f("ix_consent_check_request_id"))
    op.drop_table("consent_check")
    with op.batch_alter_table("consent_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_device_request_id"))
        batch_op.drop_index(batch_op.f("ix_consent_device_digest"))
    op.drop_table("consent_device")
    with op.batch_alter_table("consent_response", schema=None) as batch_op:
        batch_op.drop_column("date_of_birth_digest")
