"""What the console shows after the decision: the notifications and what is due, whether the Home
Office has been told (from the outbox, or as typed for one made outside the service), the report
deadline, and the review's stages with the date each was reached.

Every query is given the rows through the caller's ``Scope``-checked referral or case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import clock
from service.models import (
    Case,
    CaseClosure,
    FeedbackRequest,
    ImrRequest,
    ImrSubmission,
    MeetingStatus,
    NotificationKind,
    PanelMeeting,
    Referral,
    ReviewProgress,
    Trawl,
)
from service.reviews import notifications, timescales


@dataclass(frozen=True)
class HomeOfficeTold:
    on: dt.date | None
    how: str  # "outbox" (delivered), "queued", "typed" (recorded by hand) or "not yet"
    due_on: dt.date | None


@dataclass(frozen=True)
class Stage:
    name: str
    reached_on: dt.date | None


@dataclass
class AfterDecision:
    referral: Referral
    progress: ReviewProgress | None
    rows: list[notifications.Row]
    home_office: HomeOfficeTold
    report_state: str | None
    stages: list[Stage] = field(default_factory=list)

    @property
    def overdue(self) -> list[notifications.Row]:
        return [r for r in self.rows if r.overdue]

    @property
    def unsent(self) -> list[notifications.Row]:
        return [r for r in self.rows if r.notification.status.value == "draft"]


def home_office_told(referral: Referral, rows: list[notifications.Row]) -> HomeOfficeTold:
    """ "Home Office told on DATE" from the outbox once delivered; the typed date only for a
    notification made outside the service."""
    mine = [r for r in rows if r.notification.kind is NotificationKind.HOME_OFFICE]
    due = mine[0].notification.due_on if mine else None
    delivered = [r.told_on for r in mine if r.told_on]
    if delivered:
        return HomeOfficeTold(min(delivered), "outbox", due)
    if any(r.notification.status.value == "sent" for r in mine):
        return HomeOfficeTold(None, "queued", due)
    if referral.date_notified_home_office:
        return HomeOfficeTold(referral.date_notified_home_office, "typed", due)
    return HomeOfficeTold(None, "not yet", due)


def _day(moment: dt.datetime | None) -> dt.date | None:
    return clock.london_date(moment) if moment else None


def stages(
    session: Session, referral: Referral, case: Case | None, after: AfterDecision
) -> list[Stage]:
    """Referral, decision, notifications, trawl, IMRs, panel meetings, drafts, the report sent to
    the Home Office and its answer, publication, and the case's closure (retention's record)."""
    sent = [r.told_on or _day(r.notification.sent_at) for r in after.rows]
    notified = max(sent) if sent and all(sent) else None
    found = [
        Stage("Referral received", referral.date_received or _day(referral.submitted_at)),
        Stage("Decision", _day(referral.decided_at)),
        Stage("Notifications of the decision sent", notified),
    ]
    if case is None:
        return found
    first = lambda column, *where: session.scalar(select(func.min(column)).where(*where))  # noqa: E731
    trawl = first(Trawl.sent_at, Trawl.case_id == case.id)
    imr = first(
        ImrSubmission.submitted_at,
        ImrSubmission.request_id.in_(select(ImrRequest.id).where(ImrRequest.case_id == case.id)),
    )
    meeting = first(
        PanelMeeting.starts_at,
        PanelMeeting.case_id == case.id,
        PanelMeeting.status == MeetingStatus.SCHEDULED,
        PanelMeeting.starts_at <= clock.now(),
    )
    draft = first(FeedbackRequest.sent_at, FeedbackRequest.case_id == case.id)
    progress = after.progress
    closure = session.get(CaseClosure, case.id)
    found += [
        Stage("Trawl sent", _day(clock.as_utc(trawl))),
        Stage("First IMR received", _day(clock.as_utc(imr))),
        Stage("First panel meeting", _day(clock.as_utc(meeting))),
        Stage("First draft sent for comment", _day(clock.as_utc(draft))),
        Stage(
            "Overview report sent to the Home Office",
            _day(progress.report_sent_at) if progress else None,
        ),
        Stage(
            "Home Office quality assurance answer", progress.qa_answered_on if progress else None
        ),
        Stage("Report published", progress.published_on if progress else None),
        Stage("Case closed", _day(clock.as_utc(closure.closed_at)) if closure else None),
    ]
    return found


def for_referral(session: Session, referral: Referral, case: Case | None = None) -> AfterDecision:
    progress = timescales.progress_of(session, referral.id)
    rows = notifications.rows_for(session, referral.id)
    after = AfterDecision(
        referral=referral,
        progress=progress,
        rows=rows,
        home_office=home_office_told(referral, rows),
        report_state=timescales.report_state(progress),
    )
    after.stages = stages(session, referral, case, after)
    return after


def referral_of_case(session: Session, case: Case) -> Referral | None:
    return session.scalar(
        select(Referral).where(Referral.case_id == case.id).order_by(Referral.id).limit(1)
    )
