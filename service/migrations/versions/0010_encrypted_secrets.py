"""secrets encrypted at rest

Authenticator secrets are stored encrypted with DATA_KEY; failed sign-ins are counted per address
typed (sign_in_lock), not per account; an address has one account per partnership.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:00:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_SECRETS = sa.text("SELECT id, totp_secret FROM user_account WHERE totp_secret IS NOT NULL")
_SET_SECRET = sa.text("UPDATE user_account SET totp_secret = :secret WHERE id = :id")


def _stored_secrets() -> list[tuple[int, str]]:
    return [(row[0], row[1]) for row in op.get_bind().execute(_SECRETS)]


def upgrade() -> None:
    from service import crypto

    rows = _stored_secrets()
    # Asked for before any change, so a database with secrets and no key is left as it was.
    fernet = crypto.migration_keys() if rows else None

    op.create_table(
        "sign_in_lock",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_lock")),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint("uq_user_account_email", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_user_account_partnership_id"), ["partnership_id", "email"]
        )
        batch_op.create_index(batch_op.f("ix_user_account_email"), ["email"], unique=False)
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=64),
            type_=sa.String(length=255),
            existing_nullable=True,
        )
        batch_op.drop_column("failed_attempts")

    if fernet is not None:
        conn = op.get_bind()
        for user_id, secret in rows:
            token = fernet.encrypt(secret.encode()).decode()
            conn.execute(_SET_SECRET, {"secret": token, "id": user_id})


def downgrade() -> None:
    from service import crypto

    rows = _stored_secrets()
    fernet = crypto.migration_keys() if rows else None
    if fernet is not None:
        conn = op.get_bind()
        for user_id, token in rows:
            conn.execute(
                _SET_SECRET, {"secret": fernet.decrypt(token.encode()).decode(), "id": user_id}
            )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=255),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
        batch_op.drop_index(batch_op.f("ix_user_account_email"))
        batch_op.drop_constraint(batch_op.f("uq_user_account_partnership_id"), type_="unique")
        batch_op.create_unique_constraint("uq_user_account_email", ["email"])
    op.drop_table("sign_in_lock")
