"""An agency the partnership works with: police, NHS trusts, councils' services and others."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service import clock
from service.db import Base
from service.models.types import JSON, UTCDateTime

if TYPE_CHECKING:
    from service.models.partnership import Partnership


class Agency(Base):
    __tablename__ = "agency"
    __table_args__ = (UniqueConstraint("partnership_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    # Stable identifier within the partnership, so reloading a YAML file updates, not duplicates.
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    secure_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    escalation_contact: Mapped[str | None] = mapped_column(String(254))
    on_standard_trawl_list: Mapped[bool] = mapped_column(default=False)
    # The language its emails are written in ("en" or "cy"), where the partnership offers more
    # than one; None: the partnership's first language (``mail.routing.language``).
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    partnership: Mapped[Partnership] = relationship(back_populates="agencies")
