"""The case's action plan: each IMR's single-agency actions and the recommendations the officer
adds for the overview report, each tracked to done.

An action's reminders to its lead officer are deadline columns (``week_reminder_at``,
``day_reminder_at``): the sweep claims each with a conditional update, so each goes once;
marking the action done clears them.
"""

from __future__ import annotations

import datetime as dt
import enum
from datetime import datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service import clock
from service.db import Base
from service.models.types import UTCDateTime, str_enum


class ActionStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class ActionSource(enum.StrEnum):
    IMR = "imr"  # from an agency's IMR action plan
    OFFICER = "officer"  # a recommendation the officer added for the overview report


class ActionScope(enum.StrEnum):
    SINGLE = "single"  # single-agency
    MULTI = "multi"  # multi-agency


class ActionItem(Base):
    __tablename__ = "action_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dhr_case.id"), index=True)
    source: Mapped[ActionSource] = mapped_column(str_enum(ActionSource))
    scope: Mapped[ActionScope] = mapped_column(str_enum(ActionScope), default=ActionScope.SINGLE)
    # The owner agency (none for a multi-agency recommendation owned by the partnership).
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    # From an IMR: its request and the action's number in the IMR's plan.
    imr_request_id: Mapped[int | None] = mapped_column(ForeignKey("imr_request.id"), index=True)
    imr_number: Mapped[int | None] = mapped_column()
    imr_version: Mapped[int | None] = mapped_column()
    recommendation: Mapped[str] = mapped_column(Text)
    key_actions: Mapped[str | None] = mapped_column(Text)
    evidence_expected: Mapped[str | None] = mapped_column(Text)
    key_outcomes: Mapped[str | None] = mapped_column(Text)
    lead_officer: Mapped[str | None] = mapped_column(String(200))
    lead_officer_email: Mapped[str | None] = mapped_column(String(254))
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(
        str_enum(ActionStatus), default=ActionStatus.NOT_STARTED
    )
    progress: Mapped[str | None] = mapped_column(Text)  # the lead officer's update
    evidence: Mapped[str | None] = mapped_column(Text)  # what shows it is done
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    week_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    day_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    week_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    day_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    def overdue(self, today: dt.date) -> bool:
        """Past its target date and not done."""
        return (
            self.status is not ActionStatus.DONE
            and self.target_date is not None
            and self.target_date < today
        )
