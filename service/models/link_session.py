"""A browser's visit through a link, kept here so the browser's cookie holds only a random key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from service import clock
from service.db import Base
from service.models.types import UTCDateTime


class LinkSession(Base):
    """One browser's use of one link (an agency's trawl return or IMR, a family member's
    consent, a panel member's comments, an account set-up or reset): which stored token it
    opened, and until when. Deleting the row ends it."""

    __tablename__ = "link_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie key
    purpose: Mapped[str] = mapped_column(String(32))
    # The token, not the link: every page checks the token again, so revoking it ends this too.
    access_token_id: Mapped[str] = mapped_column(
        ForeignKey("access_token.id", ondelete="CASCADE"), index=True
    )
    # The row the link opened (a trawl request, a consent request, a user...).
    subject_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the absolute limit
