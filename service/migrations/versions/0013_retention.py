"""retention schedules, legal holds and deletion

Each partnership's retention schedule, closed cases with their deletion deadlines, legal holds,
outbox messages whose content was purged, and attachments stored once by their SHA-256 (the
bytes already stored move into attachment_blob, one row per distinct file).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 08:00:00
"""

import hashlib

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UTC = service.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "retention_schedule",
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_months", sa.Integer(), nullable=False),
        sa.Column("case_years", sa.Integer(), nullable=False),
        sa.Column("outbox_days", sa.Integer(), nullable=False),
        sa.Column("deferral_months", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnership.id"],
            name=op.f("fk_retention_schedule_partnership_id_partnership"),
        ),
        sa.PrimaryKeyConstraint("partnership_id", name=op.f("pk_retention_schedule")),
    )  # fmt: skip
    op.create_table(
        "case_closure",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Enum("published", "ended", name="caseoutcome",
                                     native_enum=False, create_constraint=False, length=32),
                  nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", UTC, nullable=False),
        sa.Column("delete_at", UTC, nullable=False),
        sa.Column("notice_at", UTC, nullable=False),
        sa.Column("notice_sent_at", UTC, nullable=True),
        sa.Column("deferred_at", UTC, nullable=True),
        sa.Column("deferred_by", sa.Integer(), nullable=True),
        sa.Column("deferral_reason", sa.Text(), nullable=True),
        sa.Column("deferred_from", UTC, nullable=True),
        sa.Column("deleted_at", UTC, nullable=True),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["dhr_case.id"],
                                name=op.f("fk_case_closure_case_id_dhr_case")),
        sa.ForeignKeyConstraint(["closed_by"], ["user_account.id"],
                                name=op.f("fk_case_closure_closed_by_user_account")),
        sa.ForeignKeyConstraint(["deferred_by"], ["user_account.id"],
                                name=op.f("fk_case_closure_deferred_by_user_account")),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnership.id"],
                                name=op.f("fk_case_closure_partnership_id_partnership")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_closure")),
    )  # fmt: skip
    with op.batch_alter_table("case_closure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_closure_delete_at"), ["delete_at"])
        batch_op.create_index(batch_op.f("ix_case_closure_notice_at"), ["notice_at"])
        batch_op.create_index(batch_op.f("ix_case_closure_partnership_id"), ["partnership_id"])
    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.Integer(), nullable=True),
        sa.Column("placed_at", UTC, nullable=False),
        sa.Column("lifted_by", sa.Integer(), nullable=True),
        sa.Column("lifted_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["dhr_case.id"],
                                name=op.f("fk_legal_hold_case_id_dhr_case")),
        sa.ForeignKeyConstraint(["lifted_by"], ["user_account.id"],
                                name=op.f("fk_legal_hold_lifted_by_user_account")),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnership.id"],
                                name=op.f("fk_legal_hold_partnership_id_partnership")),
        sa.ForeignKeyConstraint(["placed_by"], ["user_account.id"],
                                name=op.f("fk_legal_hold_placed_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold")),
    )  # fmt: skip
    with op.batch_alter_table("legal_hold", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_hold_case_id"), ["case_id"])
        batch_op.create_index(batch_op.f("ix_legal_hold_partnership_id"), ["partnership_id"])
    op.create_table(
        "attachment_blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_used_at", UTC, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_attachment_blob")),
    )
    with op.batch_alter_table("attachment_blob", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_blob_last_used_at"), ["last_used_at"])

    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_purged_at", UTC, nullable=True))

    with op.batch_alter_table("message_attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("size", sa.Integer(), nullable=True))
    _move_attachments_into_blobs()
    with op.batch_alter_table("message_attachment", schema=None) as batch_op:
        batch_op.alter_column("sha256", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("size", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_message_attachment_sha256"), ["sha256"])
        batch_op.create_foreign_key(
            batch_op.f("fk_message_attachment_sha256_attachment_blob"),
            "attachment_blob", ["sha256"], ["sha256"],
        )  # fmt: skip
        batch_op.drop_column("data")


def _move_attachments_into_blobs() -> None:
    """Each stored attachment's bytes into attachment_blob, once per distinct file."""
    conn = op.get_bind()
    now = sa.func.now()
    seen: set[str] = set()
    rows = conn.execute(sa.text("SELECT id FROM message_attachment ORDER BY id")).scalars().all()
    for attachment_id in rows:
        data = conn.execute(
            sa.text("SELECT data FROM message_attachment WHERE id = :id"), {"id": attachment_id}
        ).scalar_one()
        data = bytes(data or b"")
        sha = hashlib.sha256(data).hexdigest()
        if sha not in seen:
            exists = conn.execute(
                sa.text("SELECT 1 FROM attachment_blob WHERE sha256 = :sha"), {"sha": sha}
            ).first()
            if exists is None:
                conn.execute(
                    sa.insert(_BLOB).values(
                        sha256=sha, size=len(data), data=data, created_at=now, last_used_at=now
                    )
                )
            seen.add(sha)
        conn.execute(
            sa.text("UPDATE message_attachment SET sha256 = :sha, size = :size WHERE id = :id"),
            {"sha": sha, "size": len(data), "id": attachment_id},
        )


_BLOB = sa.table(
    "attachment_blob",
    sa.column("sha256", sa.String()),
    sa.column("size", sa.Integer()),
    sa.column("data", sa.LargeBinary()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("last_used_at", sa.DateTime(timezone=True)),
)


def downgrade() -> None:
    with op.batch_alter_table("message_attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE message_attachment SET data = (SELECT data FROM attachment_blob "
        "WHERE attachment_blob.sha256 = message_attachment.sha256)"
    )
    with op.batch_alter_table("message_attachment", schema=None) as batch_op:
        batch_op.alter_column("data", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_constraint(
            batch_op.f("fk_message_attachment_sha256_attachment_blob"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_message_attachment_sha256"))
        batch_op.drop_column("size")
        batch_op.drop_column("sha256")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("content_purged_at")
    op.drop_table("attachment_blob")
    op.drop_table("legal_hold")
    op.drop_table("case_closure")
    op.drop_table("retention_schedule")
