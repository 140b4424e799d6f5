"""After the decision on a referral: who must be told (the Home Office, the Coroner, the
Commissioner, the sub-group's and the partnership's chairs), and the review's timescales.

A notification belongs to the referral, since a decision not to hold a review opens no case; it
gets the case once one is opened. ``ReviewProgress`` is one row per decided referral: the dates
the decision and the report are counted from, and the reminder columns the sweep claims.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service import clock
from service.db import Base
from service.models.types import JSON, UTCDateTime, str_enum

if TYPE_CHECKING:
    from service.models.retention import CaseClosure


class NotificationKind(enum.StrEnum):
    HOME_OFFICE = "home_office"
    CORONER = "coroner"
    COMMISSIONER = "commissioner"
    SUBGROUP_CHAIR = "subgroup_chair"
    PARTNERSHIP_CHAIR = "partnership_chair"


class NotificationStatus(enum.StrEnum):
    DRAFT = "draft"  # prefilled on the decision; the officer edits, previews and sends it
    SENT = "sent"  # handed to the outbox (once: a conditional update guarded by the status)
    WITHDRAWN = "withdrawn"  # the decision was corrected before it was sent


class DecisionNotification(Base):
    __tablename__ = "decision_notification"
    __table_args__ = (Index("ix_decision_notification_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind))
    # The decision it tells of: "yes" (hold a review) or "no".
    outcome: Mapped[str] = mapped_column(String(8))
    due_on: Mapped[dt.date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus), default=NotificationStatus.DRAFT
    )
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_by: Mapped[str | None] = mapped_column(String(64))
    # The outbox rows it became: the case shows the date the outbox delivered them.
    message_ids: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)


class ReviewProgress(Base):
    __tablename__ = "review_progress"
    __table_args__ = (UniqueConstraint("referral_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(8))
    decided_on: Mapped[dt.date] = mapped_column(Date)

    # The weekly reminder of notifications past their deadline and not sent: the next moment
    # one is due, and how many went (the sweep's compare-and-set).
    notices_reminder_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    notices_reminders_sent: Mapped[int] = mapped_column(default=0)

    # A held review's overview report: due six months (the partnership's report_months) after
    # the decision, or on the date agreed since, with the reason.
    report_due_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    report_due_reason: Mapped[str | None] = mapped_column(Text)
    report_8w_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    report_4w_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    report_overdue_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # Before the "no review" letter goes to the family: the Home Office's reply, and the
    # family liaison officer's agreement to the timing.
    home_office_replied_on: Mapped[dt.date | None] = mapped_column(Date)
    flo_agreed_on: Mapped[dt.date | None] = mapped_column(Date)

    # The report stage.
    report_file_id: Mapped[str | None] = mapped_column(ForeignKey("stored_file.id"))
    summary_file_id: Mapped[str | None] = mapped_column(ForeignKey("stored_file.id"))
    report_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    qa_answer: Mapped[str | None] = mapped_column(String(16))  # approved / changes
    qa_answered_on: Mapped[dt.date | None] = mapped_column(Date)
    qa_notes: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    commissioner_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The case's closure is retention's record (``CaseClosure``): the one date of closure,
    # which the retention schedule counts from.
    closure: Mapped[CaseClosure | None] = relationship(
        "CaseClosure",
        primaryjoin="foreign(ReviewProgress.case_id) == CaseClosure.case_id",
        viewonly=True,
        uselist=False,
    )

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=clock.now, onupdate=clock.now
    )

    @property
    def closed_on(self) -> dt.date | None:
        """The date the case's closure counts from (retention's record), if it is closed."""
        return self.closure.ended_on if self.closure is not None else None


class LetterKind(enum.StrEnum):
    REVIEW = "review"  # the decision to hold a review
    NO_REVIEW = "no_review"  # the decision not to hold one
    CHAIR_INTRODUCTION = "chair_introduction"  # the chair's, after the first panel meeting


class FamilyLetter(Base):
    """A letter to a family member, and each time it was printed or emailed."""

    __tablename__ = "family_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    kind: Mapped[LetterKind] = mapped_column(str_enum(LetterKind))
    addressee: Mapped[str] = mapped_column(String(200))
    # Only an address the family member gave (the referral's contact details for them).
    email: Mapped[str | None] = mapped_column(String(254))
    # Each print or email: [{"how": "printed"|"emailed", "at": ISO, "by": actor}].
    deliveries: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
