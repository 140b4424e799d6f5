"""What came back: reports of messages that could not be delivered (``mail.bounces``)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service import clock
from service.db import Base
from service.models.message import Message
from service.models.types import UTCDateTime, str_enum


class BounceKind(enum.StrEnum):
    BOUNCED = "bounced"  # a permanent failure (5.x.x): the message is marked bounced
    DELAYED = "delayed"  # a delay (4.x.x): recorded, nothing else changes


class BounceReport(Base):
    """A report the service has read, whatever it said, so that reading it again does nothing.

    ``key`` is a SHA-256: of the report's own Message-ID, or of its bytes when it has none, or
    of a mailbox item the poll leaves where it is. Nothing in the row is personal data.
    """

    __tablename__ = "bounce_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # file, graph, imap
    outcome: Mapped[str] = mapped_column(String(64))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MessageBounce(Base):
    """One message's recipient reported as failed (a bounce) or delayed, by one report."""

    __tablename__ = "message_bounce"
    __table_args__ = (UniqueConstraint("report_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("message.id"), index=True)
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnership.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("bounce_report.id"))
    kind: Mapped[BounceKind] = mapped_column(str_enum(BounceKind))
    recipient: Mapped[str] = mapped_column(String(254))
    status_code: Mapped[str] = mapped_column(String(16))  # the enhanced status, e.g. 5.1.1
    # The remote server's words, every address in them cut to its domain.
    diagnostic: Mapped[str] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Set by the officer once the address is corrected or the bounce otherwise dealt with.
    dealt_with_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dealt_with_by: Mapped[str | None] = mapped_column(String(128))

    message: Mapped[Message] = relationship()


class BounceNotice(Base):
    """The DHR officer told that an address bounced: at most once per address per day."""

    __tablename__ = "bounce_notice"
    __table_args__ = (UniqueConstraint("partnership_id", "address", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"))
    address: Mapped[str] = mapped_column(String(254))
    day: Mapped[date] = mapped_column(Date)


class BouncePoll(Base):
    """When each mailbox of reports was last read, so two schedulers read it once a period."""

    __tablename__ = "bounce_poll"

    mailbox: Mapped[str] = mapped_column(String(64), primary_key=True)
    polled_at: Mapped[datetime] = mapped_column(UTCDateTime)
