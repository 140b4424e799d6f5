"""A bounced message sent again, with the same content, to a corrected address
(``mail.bounces.resend``): which message replaced which, so that where the bounced one is listed
the one sent again can be shown."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service import clock
from service.db import Base
from service.models.message import Message
from service.models.types import UTCDateTime


class MessageResend(Base):
    """``message_id`` is ``original_id`` sent again to a corrected address, by ``actor``."""

    __tablename__ = "message_resend"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnership.id"), index=True)
    # A bounced message is sent again once; the new one may bounce and be sent again in turn.
    original_id: Mapped[str] = mapped_column(ForeignKey("message.id"), unique=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("message.id"), unique=True)
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    original: Mapped[Message] = relationship(foreign_keys=[original_id])
    message: Mapped[Message] = relationship(foreign_keys=[message_id])
