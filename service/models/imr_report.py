"""What the IMR written in the service adds around it: the case's numbered terms of reference
(each answered in the IMR), and the officer's own columns on the merged chronology.

    CaseTerm          one numbered term of reference of a case
    ChronologyNote    the Darlington columns of one merged chronology row (management review
                      comment, panel notes), kept by the row's key so rebuilding the
                      chronology never loses them
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service import clock
from service.db import Base
from service.models.types import UTCDateTime


class CaseTerm(Base):
    """One of the case's terms of reference, numbered as the panel numbered it."""

    __tablename__ = "case_term"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    number: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ChronologyNote(Base):
    """The officer's columns on one row of the merged chronology; ``row_key`` names the row by
    where it came from (``service.summaries.chronology.Entry.key``), not by its place."""

    __tablename__ = "chronology_note"
    __table_args__ = (UniqueConstraint("case_id", "row_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    row_key: Mapped[str] = mapped_column(String(200))
    management_comment: Mapped[str | None] = mapped_column(Text)
    panel_notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
