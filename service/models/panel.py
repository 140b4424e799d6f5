"""The review panel: its members, its meetings and their papers, and drafts sent for comment.

    PanelMember        someone on a case's panel (usually an agency's representative)
    PanelMeeting       a meeting of the panel; papers go at ``dispatch_at`` (5 working days before)
      ├── PanelInvitation  a member asked to the meeting
      ├── PanelPaper       a document for the meeting (agenda, minutes, draft report, ...)
      └── PanelDelivery    each email a member was sent about the meeting, with its outbox row
    FeedbackRequest    a draft sent to members for comment by a deadline
      └── FeedbackRecipient  one member's part: reminders and their answer

Deadline columns (``dispatch_at``, ``papers_warning_at``, ``next_reminder_at``) drive the sweep;
each is claimed with a compare-and-set so a dispatch or a reminder happens exactly once.
"""

from __future__ import annotations

import datetime as dt
import enum
from datetime import datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service import clock
from service.db import Base
from service.models.agency import Agency
from service.models.types import JSON, UTCDateTime, new_id, str_enum
from service.models.upload import StoredFile


class PanelMember(Base):
    """Someone on a case's panel. Removing a member keeps the row (their deliveries stay)."""

    __tablename__ = "panel_member"
    __table_args__ = (UniqueConstraint("case_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    # What they are on the panel as: "Safeguarding lead", "Independent chair", ...
    role: Mapped[str | None] = mapped_column(String(200))
    # The language their emails are written in ("en" or "cy"), where the partnership offers
    # more than one; None: their agency's, else the partnership's first
    # (``service.panels.members.language_of``).
    language: Mapped[str | None] = mapped_column(String(8))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency | None] = relationship()


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class PanelMeeting(Base):
    __tablename__ = "panel_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    status: Mapped[MeetingStatus] = mapped_column(
        str_enum(MeetingStatus), default=MeetingStatus.SCHEDULED
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(default=120)
    location: Mapped[str | None] = mapped_column(Text)  # a place
    joining_details: Mapped[str | None] = mapped_column(Text)  # or how to join online
    note: Mapped[str | None] = mapped_column(Text)
    # The calendar invitation: one UID for the meeting's life, SEQUENCE goes up when it moves.
    ics_uid: Mapped[str] = mapped_column(String(64), unique=True, default=new_id)
    ics_sequence: Mapped[int] = mapped_column(default=0)
    # The papers go at the dispatch hour on dispatch_on (working days before the meeting).
    dispatch_on: Mapped[dt.date] = mapped_column(Date)
    dispatch_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "No papers yet" warnings to the officer: the working day before dispatch, and on the day.
    papers_warning_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    papers_warnings_sent: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancellation_reason: Mapped[str | None] = mapped_column(Text)

    invitations: Mapped[list[PanelInvitation]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="PanelInvitation.id"
    )
    papers: Mapped[list[PanelPaper]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="PanelPaper.position"
    )
    deliveries: Mapped[list[PanelDelivery]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="PanelDelivery.id"
    )


class PanelInvitation(Base):
    """A member asked to a meeting."""

    __tablename__ = "panel_invitation"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("panel_meeting.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("panel_member.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Set when this member was sent the meeting's papers (at dispatch, or on joining later).
    papers_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[PanelMeeting] = relationship(back_populates="invitations")
    member: Mapped[PanelMember] = relationship()


class PanelPaper(Base):
    __tablename__ = "panel_paper"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("panel_meeting.id"), index=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("stored_file.id"))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Added after the papers were dispatched: sent at once as "additional papers".
    late: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[PanelMeeting] = relationship(back_populates="papers")
    file: Mapped[StoredFile] = relationship()


class DeliveryKind(enum.StrEnum):
    PAPERS = "papers"  # the dispatch: papers and the invitation
    LATE_PAPERS = "late_papers"  # additional papers after dispatch
    MOVED = "moved"  # the meeting's new date and time (with an updated invitation)
    CANCELLED = "cancelled"  # the cancellation notice


class PanelDelivery(Base):
    """One email to one member about a meeting; its status is its outbox message's."""

    __tablename__ = "panel_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("panel_meeting.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("panel_member.id"), index=True)
    kind: Mapped[DeliveryKind] = mapped_column(str_enum(DeliveryKind))
    message_id: Mapped[str | None] = mapped_column(ForeignKey("message.id"))
    # The papers this email carried (ids of PanelPaper).
    paper_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    meeting: Mapped[PanelMeeting] = relationship(back_populates="deliveries")
    member: Mapped[PanelMember] = relationship()


class FeedbackRequest(Base):
    """A draft (overview report, action plan, ...) sent to panel members for comment."""

    __tablename__ = "feedback_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    file_id: Mapped[str] = mapped_column(ForeignKey("stored_file.id"))
    note: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The officer closed it early (or it was withdrawn): no more reminders, links stop working.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    file: Mapped[StoredFile] = relationship()
    recipients: Mapped[list[FeedbackRecipient]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="FeedbackRecipient.id"
    )


class FeedbackRecipient(Base):
    __tablename__ = "feedback_recipient"
    __table_args__ = (UniqueConstraint("request_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("feedback_request.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("panel_member.id"), index=True)
    # Reminders: 3 working days before the deadline, then on it; cleared by an answer.
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reminders_sent: Mapped[int] = mapped_column(default=0)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    no_comments: Mapped[bool] = mapped_column(default=False)
    comments: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(200))

    request: Mapped[FeedbackRequest] = relationship(back_populates="recipients")
    member: Mapped[PanelMember] = relationship()
