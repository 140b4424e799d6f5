"""performance indexes: the audit trail's pages and filters, and open cases for the sweep

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-10 08:00:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import service.db  # noqa: F401

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


AUDIT_INDEXES = {
    "ix_audit_event_partnership_at": ["partnership_id", "at", "id"],
    "ix_audit_event_case_at": ["case_id", "at", "id"],
    "ix_audit_event_partnership_action": ["partnership_id", "action", "at", "id"],
    "ix_audit_event_partnership_object": ["partnership_id", "object_type"],
}


def upgrade() -> None:
    for name, columns in AUDIT_INDEXES.items():
        op.create_index(name, "audit_event", columns)
    op.create_index("ix_dhr_case_status", "dhr_case", ["status"])


def downgrade() -> None:
    op.drop_index("ix_dhr_case_status", table_name="dhr_case")
    for name in reversed(AUDIT_INDEXES):
        op.drop_index(name, table_name="audit_event")
