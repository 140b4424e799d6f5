"""A case's settings for family consent: whether the form asks about the suspect or
perpetrator too.

The consent form asks about both the victim and the suspect or perpetrator (the procedure's
consent form, 001 line 232), unless the officer has switched the suspect question off for the
case, with a reason. No row means the default: the question is asked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from service import clock
from service.db import Base
from service.models.types import UTCDateTime


class CaseConsentSetting(Base):
    __tablename__ = "case_consent_setting"

    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), primary_key=True)
    ask_about_suspect: Mapped[bool] = mapped_column(default=True)
    # Why the question was switched off (kept when it is switched on again, until the next change).
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
