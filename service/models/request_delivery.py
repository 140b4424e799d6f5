"""Which outbox messages carried a request to an agency (its email and its chasers), so that a
bounce of one of them is known to be that request's (``service.requests.bounces``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service import clock
from service.db import Base
from service.models.message import Message
from service.models.types import UTCDateTime


class RequestDelivery(Base):
    """One message (one recipient) that carried request ``request_id`` of ``kind``: the request
    email or one of its chasers. The message's status says whether it bounced."""

    __tablename__ = "request_delivery"
    __table_args__ = (Index("ix_request_delivery_request", "kind", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # the RequestKind's name: trawl, imr
    request_id: Mapped[int] = mapped_column()
    message_id: Mapped[str] = mapped_column(ForeignKey("message.id"), unique=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    message: Mapped[Message] = relationship()
