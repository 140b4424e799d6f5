"""Individual Management Reviews: an agency's own review of its involvement, and the quality
assurance checklist that comes with it.

    ImrRequest (one per agency per case; an AgencyRequest, chased like the trawl's)
      └── ImrSubmission  each version of the IMR document with its QA checklist

The IMR template's dates are kept: first submission, revision, final.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service import clock
from service.db import Base
from service.models.types import JSON, UTCDateTime
from service.requests.model import AgencyRequest


class ImrRequest(AgencyRequest, Base):
    """One agency's IMR on a case: the request columns of ``AgencyRequest``, its terms of
    reference and the IMR template's dates (``returned_at`` is the first submission)."""

    __tablename__ = "imr_request"

    terms_of_reference_id: Mapped[str | None] = mapped_column(ForeignKey("stored_file.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # latest revision
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # marked final

    submissions: Mapped[list[ImrSubmission]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="ImrSubmission.version"
    )

    @property
    def latest(self) -> ImrSubmission | None:
        return self.submissions[-1] if self.submissions else None


class ImrSubmission(Base):
    __tablename__ = "imr_submission"
    __table_args__ = (UniqueConstraint("request_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("imr_request.id"), index=True)
    version: Mapped[int] = mapped_column()
    document_id: Mapped[str] = mapped_column(ForeignKey("stored_file.id"))
    # The QA checklist: {"agency":.., "completed_by": {...}, "anonymised": {...},
    #  "criteria": {"1": {"answer": "yes|no|partially", "comment": ..}, ...},
    #  "signed_name":.., "signed_on": "YYYY-MM-DD", "role":..}
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The IMR written in the service (``forms.imr_report``); None for an uploaded document. Its
    # PDF is then the version's document.
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    is_final: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    submitted_by: Mapped[str | None] = mapped_column(String(200))

    request: Mapped[ImrRequest] = relationship(back_populates="submissions")
