"""The outbox. One row per recipient, so each delivery has its own status and retries."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service import clock
from service.db import Base
from service.models.retention import AttachmentBlob
from service.models.types import JSON, UTCDateTime, new_id, str_enum


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for a worker (or for next_attempt_at)
    SENDING = "sending"  # claimed by a worker; the transport is being called
    SENT = "sent"
    FAILED = "failed"  # permanent failure, or retries exhausted; an operator can retry
    HELD = "held"  # sensitive content to an address outside the allowlist; the officer decides
    CANCELLED = "cancelled"
    BOUNCED = "bounced"  # sent, then reported undeliverable (5.x.x) by a bounce report


class Message(Base):
    __tablename__ = "message"
    __table_args__ = (Index("ix_message_status_next", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnership.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(254))
    # Stable across every attempt, so a re-send after a crash is recognisably the same message.
    message_id_header: Mapped[str] = mapped_column(String(255), unique=True)
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # The bodies hold a placeholder where each live link was; this says where, and which token
    # row gives the link back when the message is built for the transport (``mail.links``).
    live_links: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    sensitive: Mapped[bool] = mapped_column(default=True)
    # What the secure-recipient policy decided: "secure", "notice" (content withheld) or "held".
    policy: Mapped[str] = mapped_column(String(16), default="secure")
    status: Mapped[MessageStatus] = mapped_column(
        str_enum(MessageStatus), default=MessageStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    transport_reply: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    # Set when the retention schedule purged the bodies, attachments and address (the row, the
    # recipient's domain, the status, the Message-ID and the times stay): ``service.retention``.
    content_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments: Mapped[list[MessageAttachment]] = relationship(
        back_populates="message", order_by="MessageAttachment.position", cascade="all"
    )


class MessageAttachment(Base):
    __tablename__ = "message_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("message.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    # The bytes are stored once however many messages carry them (``mail.attachments``).
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blob.sha256"), index=True)
    size: Mapped[int] = mapped_column()

    message: Mapped[Message] = relationship(back_populates="attachments")
    blob: Mapped[AttachmentBlob] = relationship()

    @property
    def data(self) -> bytes:
        return self.blob.data


class MailSystemFault(Base):
    """The mail system refusing the service itself (its secret, certificate or mailbox rights).

    At most one row: written when a delivery is refused so, deleted by the next delivery that
    succeeds. While it exists every message stays queued and officers see why on the outbox.
    """

    __tablename__ = "mail_system_fault"

    id: Mapped[int] = mapped_column(primary_key=True)
    setting: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
