"""Family consent: a bereaved family member is asked whether agencies may share what they hold.

    ConsentRequest (one per family member asked)
      ├── ConsentResponse  each answer they give: given, declined, later withdrawn
      ├── ConsentDevice    each browser that may see the answered form again
      └── ConsentCheck     each check that it is the family member (an emailed code, or the
                           date of birth they gave on the form)

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
    # The language the family member reads ("cy", "en"): asked where the request is made, or
    # the page's language when they first answer. None: not known, so a partnership offering
    # both writes to them in both (``service.consent.language``).
    language: Mapped[str | None] = mapped_column(String(8))
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
    # The form's "Print name" beside the signature (None on answers from before it was asked).
    print_name: Mapped[str | None] = mapped_column(String(200))
    signed_on: Mapped[date] = mapped_column(Date)
    # The review panel's chair the form named as the one it goes to, when it was signed.
    chair_name: Mapped[str | None] = mapped_column(String(400))
    # A keyed digest of the date of birth the family member gave (letters only): the one thing
    # a letter's holder can be checked against later. The date itself is not kept.
    date_of_birth_digest: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    request: Mapped[ConsentRequest] = relationship(back_populates="responses")


class ConsentCheckMethod(enum.StrEnum):
    EMAIL = "email"  # a one-time code sent to the address the family gave
    DATE_OF_BIRTH = "date_of_birth"  # the date of birth they gave on the form (letters)


class ConsentDevice(Base):
    """A browser that may see a family member's answered form again: the one the answer was
    sent from, or one that passed a check. Keyed by a digest of a random value that browser
    holds; it works only with the link it was made under, and only for a few hours."""

    __tablename__ = "consent_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("consent_request.id"), index=True)
    token_id: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # answered, checked
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsentCheck(Base):
    """One chance to prove it is the family member: an emailed code (one row per code sent), or
    the date of birth (one row per link). Each has a few attempts; the code is stored digested."""

    __tablename__ = "consent_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("consent_request.id"), index=True)
    token_id: Mapped[str] = mapped_column(String(32), index=True)
    method: Mapped[ConsentCheckMethod] = mapped_column(str_enum(ConsentCheckMethod))
    code_digest: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
