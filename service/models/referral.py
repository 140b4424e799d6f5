"""A referral for a Domestic Homicide Review: a draft while the referrer fills it in, then a
submitted referral the officer decides on (sections 2 and 3 of the form)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service import clock
from service.db import Base
from service.models.types import JSON, UTCDateTime, str_enum


class ReferralStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the officer's decision
    ACCEPTED = "accepted"  # meets the criteria; a case is opened from it
    NOT_ACCEPTED = "not_accepted"  # decided not to meet the criteria


class Referral(Base):
    __tablename__ = "referral"
    __table_args__ = (
        UniqueConstraint("reference"),
        Index("ix_referral_status_due", "status", "decision_due_at"),
        Index("ix_referral_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    status: Mapped[ReferralStatus] = mapped_column(
        str_enum(ReferralStatus), default=ReferralStatus.DRAFT
    )
    # Ten characters from an alphabet without look-alikes; given at submission.
    reference: Mapped[str | None] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=clock.now, onupdate=clock.now
    )
    # A draft is deleted by the sweep once this has passed (28 days after it was last saved).
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # True when the referrer's or lead's address was not secure, so no acknowledgement went.
    acknowledgement_withheld: Mapped[bool] = mapped_column(default=False)

    # The decision is due a month after the referral arrived; the sweep reminds the officer.
    decision_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    overdue_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # Section 2: at the DHR sub-group considering the referral.
    meets_criteria: Mapped[str | None] = mapped_column(String(8))  # "yes" / "no"
    relevant_people: Mapped[str | None] = mapped_column(Text)
    trawl_years: Mapped[int | None] = mapped_column()
    # Section 3: for the DHR officer.
    date_received: Mapped[dt.date | None] = mapped_column(Date)
    date_considered: Mapped[dt.date | None] = mapped_column(Date)
    recommendation: Mapped[str | None] = mapped_column(Text)
    date_notified_chair: Mapped[dt.date | None] = mapped_column(Date)
    date_notified_home_office: Mapped[dt.date | None] = mapped_column(Date)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    case_id: Mapped[int | None] = mapped_column(ForeignKey("dhr_case.id"), index=True)
