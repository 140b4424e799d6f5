"""A Community Safety Partnership: who it is, where its mail goes and its timescales."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service import clock
from service.db import Base
from service.models.types import JSON, UTCDateTime, str_enum

if TYPE_CHECKING:
    from service.models.agency import Agency


class Nation(enum.StrEnum):
    ENGLAND = "england"
    WALES = "wales"


class InsecureRecipientAction(enum.StrEnum):
    """What happens to sensitive content addressed outside the allowlist."""

    NOTICE = "notice"  # send a content-free notice instead
    HOLD = "hold"  # keep the message for the officer to deal with


class ImrNames(enum.StrEnum):
    """How IMRs name people: initials only (Greater Manchester) or real names (Leicester,
    paragraph 67: pseudonyms come later, in the overview report)."""

    INITIALS = "initials"
    REAL_NAMES = "real_names"


class Partnership(Base):
    __tablename__ = "partnership"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    nation: Mapped[Nation] = mapped_column(str_enum(Nation))
    case_prefix: Mapped[str] = mapped_column(String(8), default="DHR")
    # Domain patterns: "nhs.net" is that domain exactly, "*.gov.uk" any domain below gov.uk.
    secure_domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Inbox addresses by purpose: {"referrals": [...], "dhr_officer": [...], "chair": [...]}.
    inboxes: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    insecure_recipient_action: Mapped[InsecureRecipientAction] = mapped_column(
        str_enum(InsecureRecipientAction), default=InsecureRecipientAction.NOTICE
    )
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    trawl_response_days: Mapped[int] = mapped_column(default=14)
    chaser_interval_working_days: Mapped[int] = mapped_column(default=3)
    papers_working_days: Mapped[int] = mapped_column(default=5)
    feedback_days: Mapped[int] = mapped_column(default=14)
    decision_days: Mapped[int] = mapped_column(default=30)
    dispatch_hour: Mapped[int] = mapped_column(default=9)
    # ISO dates on which the partnership's office is closed, beyond bank holidays.
    closure_days: Mapped[list[str]] = mapped_column(JSON, default=list)
    # --- IMRs written in the service ---
    imr_names: Mapped[ImrNames] = mapped_column(
        str_enum(ImrNames), default=ImrNames.INITIALS, server_default=ImrNames.INITIALS.value
    )
    # --- after the decision: the report's timescale, the Commissioner, the family's support ---
    # The overview report is due this many months after the decision to hold a review.
    report_months: Mapped[int] = mapped_column(default=6, server_default="6")
    # The Domestic Abuse Commissioner is told of decisions too, not only sent published reports.
    commissioner_told_of_decisions: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )
    # Advocacy services the family letters list: [{"name", "phone", "website"}].
    advocacy_services: Mapped[list[dict[str, str]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    # The languages its pages, emails and letters are offered in, the first the default:
    # ["en"], or ["en", "cy"] for a partnership in Wales (the Welsh Language Standards).
    languages: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: ["en"], server_default='["en"]'
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    agencies: Mapped[list[Agency]] = relationship(
        back_populates="partnership", order_by="Agency.name", cascade="all, delete-orphan"
    )

    def inbox(self, purpose: str) -> list[str]:
        return list(self.inboxes.get(purpose, []))
