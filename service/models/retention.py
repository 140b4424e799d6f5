"""Keeping only what must be kept: each partnership's retention schedule, a case's closure and
its deletion deadline, legal holds, and the attachments the outbox stores once.

    RetentionSchedule  one per partnership: how long each kind of record is kept
    CaseClosure        a closed case: how and when it ended, when its personal data goes (the
                       deadline columns the sweep claims), the deferral, and the stub's counts
    LegalHold          a hold on a case (criminal proceedings, a claim): nothing of the case is
                       deleted while one is in force
    AttachmentBlob     an attachment's bytes, stored once by their SHA-256 however many messages
                       carry it
"""

from __future__ import annotations

import datetime as dt
import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from service import clock
from service.db import Base
from service.models.types import JSON, UTCDateTime, str_enum

#: The defaults, when a partnership's file says nothing (each is explained in
#: config/partnerships/example.yaml).
REFERRAL_MONTHS = 12
CASE_YEARS = 6
OUTBOX_DAYS = 30
DEFERRAL_MONTHS = 12


class RetentionSchedule(Base):
    """How long the partnership keeps each kind of record (its file's ``retention`` block)."""

    __tablename__ = "retention_schedule"

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), primary_key=True)
    # A referral not taken forward is deleted this many months after the decision.
    referral_months: Mapped[int] = mapped_column(default=REFERRAL_MONTHS)
    # A closed case's personal data is deleted this many years after it was closed.
    case_years: Mapped[int] = mapped_column(default=CASE_YEARS)
    # A sent message's bodies and attachments are purged this many days after it was sent.
    outbox_days: Mapped[int] = mapped_column(default=OUTBOX_DAYS)
    # The one deferral an officer may make moves the deletion this many months later.
    deferral_months: Mapped[int] = mapped_column(default=DEFERRAL_MONTHS)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class CaseOutcome(enum.StrEnum):
    PUBLISHED = "published"  # the overview report was published
    ENDED = "ended"  # the review ended without a published report


class CaseClosure(Base):
    """A closed case's ending and the deadlines of its deletion."""

    __tablename__ = "case_closure"

    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    outcome: Mapped[CaseOutcome] = mapped_column(str_enum(CaseOutcome))
    # The date the report was published or the review ended: the schedule counts from it.
    ended_on: Mapped[dt.date] = mapped_column(Date)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The deadlines the sweep claims: the DHR officer inbox is told at notice_at (30 days
    # before), and the personal data goes at delete_at.
    delete_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    notice_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    notice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The one deferral: when, by whom, why, and the date it moved from.
    deferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deferred_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    deferral_reason: Mapped[str | None] = mapped_column(Text)
    deferred_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the one sweep that deleted the personal data; what is left is the stub.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the case held when it was deleted, for the statistics: {"people": 3, ...}.
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class LegalHold(Base):
    """A hold on a case. In force from ``placed_at`` until ``lifted_at``."""

    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AttachmentBlob(Base):
    """The bytes of an attachment, once, named by their SHA-256 (``mail.attachments``)."""

    __tablename__ = "attachment_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Moved on each reuse, so the clean-up never takes a blob a message is being queued with.
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
