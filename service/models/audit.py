"""The audit trail. Rows are only ever added: nothing in the service edits or deletes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from service import clock
from service.db import Base
from service.models.types import JSON, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_event"
    # The trail's pages: a partnership's (or a case's) events newest first, read a page at a
    # time from the index; the filters' lists of actions and kinds of object from theirs.
    __table_args__ = (
        Index("ix_audit_event_partnership_at", "partnership_id", "at", "id"),
        Index("ix_audit_event_case_at", "case_id", "at", "id"),
        Index("ix_audit_event_partnership_action", "partnership_id", "action", "at", "id"),
        Index("ix_audit_event_partnership_object", "partnership_id", "object_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnership.id"), index=True)
    # "user:<id>", "system", "cli", "agency:<id>"; never a name or an address.
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    # The case the event concerns, so each case has its own trail.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    client_address: Mapped[str | None] = mapped_column(String(64))
    # Identifiers and statuses only.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
