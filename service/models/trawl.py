"""The trawl: a case's request to agencies to search their records for the people in it.

    Trawl (one per sending, per case)
      ├── TrawlPerson   the people asked about, as they stood when the trawl was sent
      └── TrawlRequest  one per agency: its link, due date, chasers and returns
            ├── TrawlReturn       each submitted version of the agency's return (1, 2, ...)
            └── TrawlExtension    the agency's requests for more time, and the officer's answer

A TrawlRequest is an ``AgencyRequest`` (service.requests): its link, due date and chaser
columns are the ones every request to an agency has, chased by ``service.requests.chasing``.
"""

from __future__ import annotations

import datetime as dt
import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service import clock
from service.db import Base
from service.models.types import JSON, UTCDateTime, str_enum
from service.requests.model import AgencyRequest


class TrawlStatus(enum.StrEnum):
    DRAFT = "draft"  # the officer is still choosing agencies and people
    SENT = "sent"


class TrawlPurpose(enum.StrEnum):
    """What the trawl asks for, and so what its request email says."""

    REVIEW = "review"  # a review's trawl: the partnership is carrying out the review
    # The initial information request (service.trawls.initial): sent from a referral while the
    # partnership considers whether to hold a review. It belongs to the referral, and to the
    # case too once one is opened from it.
    INITIAL = "initial"


class Trawl(Base):
    __tablename__ = "trawl"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    # None for an initial information request until a case is opened from its referral.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), index=True)
    purpose: Mapped[TrawlPurpose] = mapped_column(
        str_enum(TrawlPurpose), default=TrawlPurpose.REVIEW, server_default="review"
    )
    status: Mapped[TrawlStatus] = mapped_column(str_enum(TrawlStatus), default=TrawlStatus.DRAFT)
    # The scoping period: agencies search their records from this date to that one.
    scope_from: Mapped[dt.date | None] = mapped_column(Date)
    scope_to: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    # The invitation to the scoping meeting, if the request makes one: its date, its time as
    # the officer wrote it ("10am to 12 noon"), and the place or the joining details.
    meeting_date: Mapped[dt.date | None] = mapped_column(Date)
    meeting_time: Mapped[str | None] = mapped_column(String(100))
    meeting_place: Mapped[str | None] = mapped_column(Text)
    # While a draft: the agencies and case people chosen, as lists of ids (for an initial
    # request, the people are the referral's, by their position in it).
    agency_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    person_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The date agencies are asked to answer by (sent date + the partnership's response days).
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    # The collated summary goes to the DHR officer once per trigger: when the last outstanding
    # return arrives (summary_complete_at is set then), and at the due date with what is still
    # outstanding (summary_due_at). Each *_sent_at is claimed by a compare-and-set.
    summary_complete_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    summary_complete_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    summary_due_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    people: Mapped[list[TrawlPerson]] = relationship(
        back_populates="trawl", cascade="all, delete-orphan", order_by="TrawlPerson.position"
    )
    requests: Mapped[list[TrawlRequest]] = relationship(
        back_populates="trawl", cascade="all, delete-orphan", order_by="TrawlRequest.id"
    )

    @property
    def considering(self) -> bool:
        """Sent while the partnership considers whether to hold a review."""
        return self.purpose is TrawlPurpose.INITIAL

    @property
    def invites(self) -> bool:
        """The request invites the agency to the scoping meeting."""
        return self.meeting_date is not None


class TrawlPerson(Base):
    """Someone the agencies are asked about, copied from the case when the trawl is sent so the
    request never changes under an agency's feet."""

    __tablename__ = "trawl_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    trawl_id: Mapped[int] = mapped_column(ForeignKey("trawl.id"), index=True)
    case_person_id: Mapped[int | None] = mapped_column(ForeignKey("case_person.id"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(Text)
    # How they relate to the review: "Victim", "Suspect or perpetrator", "Son", ...
    relation: Mapped[str | None] = mapped_column(String(200))

    trawl: Mapped[Trawl] = relationship(back_populates="people")


class TrawlRequest(AgencyRequest, Base):
    """One agency's part in a trawl: the request columns of ``AgencyRequest`` and its trawl."""

    __tablename__ = "trawl_request"
    __table_args__ = (UniqueConstraint("trawl_id", "agency_id"),)

    # An initial information request has no case until one is opened from its referral.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    trawl_id: Mapped[int] = mapped_column(ForeignKey("trawl.id"), index=True)
    draft_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    trawl: Mapped[Trawl] = relationship(back_populates="requests")
    returns: Mapped[list[TrawlReturn]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="TrawlReturn.version"
    )
    extensions: Mapped[list[TrawlExtension]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="TrawlExtension.id"
    )

    @property
    def latest_return(self) -> TrawlReturn | None:
        return self.returns[-1] if self.returns else None

    @property
    def pending_extension(self) -> TrawlExtension | None:
        for ext in self.extensions:
            if ext.status is ExtensionStatus.REQUESTED:
                return ext
        return None


class TrawlReturn(Base):
    """One submitted version of an agency's return. Never edited: an amendment is a new row."""

    __tablename__ = "trawl_return"
    __table_args__ = (UniqueConstraint("request_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("trawl_request.id"), index=True)
    version: Mapped[int] = mapped_column()
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # True when any person in the request was known to the agency.
    involvement: Mapped[bool] = mapped_column(default=False)
    # {"people": {"<trawl_person_id>": {...}}, "systems_checked": ..., "completed_by": {...},
    #  "chronology": [{...}, ...], "dates_confirmed": bool}
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What changed from the previous version: [{"field": label, "before": .., "after": ..}].
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    request: Mapped[TrawlRequest] = relationship(back_populates="returns")


class ExtensionStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"


class TrawlExtension(Base):
    """An agency's request for more time, and the officer's answer."""

    __tablename__ = "trawl_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("trawl_request.id"), index=True)
    requested_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    status: Mapped[ExtensionStatus] = mapped_column(
        str_enum(ExtensionStatus), default=ExtensionStatus.REQUESTED
    )
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str | None] = mapped_column(Text)

    request: Mapped[TrawlRequest] = relationship(back_populates="extensions")
