"""Files people upload: terms of reference, IMR documents, panel papers.

Stored in the database with their checksum and scan result, so a file is exactly what was
checked and travels with the backups. A file that a virus scanner found infected is never
stored at all.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from service import clock
from service.db import Base
from service.models.types import UTCDateTime, str_enum


class ScanStatus(enum.StrEnum):
    CLEAN = "clean"  # clamd scanned it and found nothing
    NOT_SCANNED = "not_scanned"  # no scanner is configured: the officer is told


class StoredFile(Base):
    __tablename__ = "stored_file"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    scan_status: Mapped[ScanStatus] = mapped_column(str_enum(ScanStatus))
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Loaded only when asked for: lists of files never pull megabytes.
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
