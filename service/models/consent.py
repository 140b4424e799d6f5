"""Family consent: a bereaved family member is asked whether agencies may share what they hold.

    ConsentRequest (one per family member asked)
      └── ConsentResponse  each answer they give: given, declined, later withdrawn

The current status is the latest response's; every response is kept.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service import clock
from service.db import Base
from service.models.types import UTCDateTime, str_enum


class ConsentDelivery(enum.StrEnum):
    EMAIL = "email"  # to an address the family gave
    LETTER = "letter"  # a printed letter handed over by the police family liaison officer


class ConsentStatus(enum.StrEnum):
    AWAITING = "awaiting"
    GIVEN = "given"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ConsentRequest(Base):
    __tablename__ = "consent_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relationship_to_victim: Mapped[str] = mapped_column(String(200))
    delivery: Mapped[ConsentDelivery] = mapped_column(str_enum(ConsentDelivery))
    email: Mapped[str | None] = mapped_column(String(254))
    # Asked about information on the suspect/perpetrator too (the officer marks it relevant).
    ask_about_suspect: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ConsentStatus] = mapped_column(
        str_enum(ConsentStatus), default=ConsentStatus.AWAITING
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    responses: Mapped[list[ConsentResponse]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="ConsentResponse.id"
    )


class ConsentResponse(Base):
    __tablename__ = "consent_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("consent_request.id"), index=True)
    status: Mapped[ConsentStatus] = mapped_column(str_enum(ConsentStatus))
    # Each choice separately; None where it was not asked (or for a withdrawal).
    victim_information: Mapped[bool | None] = mapped_column()
    suspect_information: Mapped[bool | None] = mapped_column()
    signed_name: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    request: Mapped[ConsentRequest] = relationship(back_populates="responses")
