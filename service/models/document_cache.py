"""A case's big documents (the collated summary PDF), kept once made: made again only when what
they show has changed (``service.summaries.cache``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service import clock
from service.db import Base
from service.models.types import UTCDateTime


class DocumentCache(Base):
    """One document of one case. ``fingerprint`` is the version of the case it was last asked
    for (a digest of everything the document shows); ``built_fingerprint`` the version of the
    stored file, an ``AttachmentBlob`` named by ``sha256``. The file is current when the two
    agree; until then a worker job is making it."""

    __tablename__ = "document_cache"
    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # "summary.pdf"
    fingerprint: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    built_fingerprint: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column()
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
