"""A Domestic Homicide Review case, and the chairs assigned to it.

Cases are opened from referrals; this module holds what the console's access rules need.
"""

from __future__ import annotations

import datetime as dt
import enum
from datetime import datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service import clock
from service.db import Base
from service.models.types import JSON, UTCDateTime, str_enum
from service.models.user import User


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Case(Base):
    __tablename__ = "dhr_case"
    __table_args__ = (UniqueConstraint("reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    reference: Mapped[str] = mapped_column(String(32))
    # Indexed: the sweep's chasers look for the requests of open cases among many closed ones.
    status: Mapped[CaseStatus] = mapped_column(
        str_enum(CaseStatus), default=CaseStatus.OPEN, index=True
    )
    date_of_death: Mapped[dt.date | None] = mapped_column(Date)
    # How many years before the death agencies are asked to search (the referral decision).
    trawl_years: Mapped[int | None] = mapped_column()
    # The agencies the officer chose to recommend for the panel (the collated summary). None
    # until the officer adjusts the recommendation: then the agencies with involvement are used.
    panel_agency_ids: Mapped[list[int] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    chairs: Mapped[list[CaseChair]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )
    people: Mapped[list[CasePerson]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CasePerson.position"
    )


class PersonRole(enum.StrEnum):
    DECEASED = "deceased"
    SUSPECT = "suspect"
    VICTIM_HOUSEHOLD = "victim_household"  # lived at the victim's address
    SUSPECT_HOUSEHOLD = "suspect_household"  # lived at the suspect's address
    OTHER = "other"  # added later: children, previous partners...


class CasePerson(Base):
    """Someone the review is about or around: the people agencies search their records for."""

    __tablename__ = "case_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    role: Mapped[PersonRole] = mapped_column(str_enum(PersonRole))
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(Text)
    relationship_to_victim: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="people")


class CaseChair(Base):
    """A chair assigned to a case: they read it in the console."""

    __tablename__ = "case_chair"
    __table_args__ = (UniqueConstraint("case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    case: Mapped[Case] = relationship(back_populates="chairs")
    user: Mapped[User] = relationship()
