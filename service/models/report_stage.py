"""The report stage of a held review: the emails that carry the overview report and the
executive summary, to the Home Office for its quality assurance panel and, once the report is
published, to the Domestic Abuse Commissioner.

Each is a draft the officer edits, previews and sends once, like a notification of the
decision. A round is one sending to the Home Office: a report the panel sent back for changes
is sent again as the next round. The Commissioner gets one copy (round 1). The unique
constraint on (case, kind, round) means two officers at once never make two drafts.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service import clock
from service.db import Base
from service.models.review import NotificationStatus
from service.models.types import JSON, UTCDateTime, str_enum


class ReportMessageKind(enum.StrEnum):
    QUALITY_ASSURANCE = "quality_assurance"  # to the Home Office's quality assurance panel
    COMMISSIONER = "commissioner"  # the published report, to the Domestic Abuse Commissioner


class ReportMessage(Base):
    __tablename__ = "report_message"
    __table_args__ = (UniqueConstraint("case_id", "kind", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    kind: Mapped[ReportMessageKind] = mapped_column(str_enum(ReportMessageKind))
    round: Mapped[int] = mapped_column(default=1)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus), default=NotificationStatus.DRAFT
    )
    # The stored files it carries (the overview report, the executive summary), as drafted.
    file_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_by: Mapped[str | None] = mapped_column(String(64))
    # The outbox rows it became: the page shows the date the outbox delivered them.
    message_ids: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
