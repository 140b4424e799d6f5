"""The dashboard: what needs the officer's attention, each item a link to it.

Each feature adds its own counts with ``@attention_item``: the outbox's failed and held messages
are here; referrals and trawl returns add theirs where they are built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import render_template, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import clock, db
from service.auth import scope, web
from service.models import (
    Case,
    CaseStatus,
    ExtensionStatus,
    MeetingStatus,
    Message,
    MessageStatus,
    PanelMeeting,
    PanelPaper,
    Referral,
    ReferralStatus,
    TrawlExtension,
    TrawlRequest,
)
from service.requests import bounces
from service.trawls.sending import TRAWL
from service.views.console import bp
from service.workdays import Calendar, london_date


@dataclass(frozen=True)
class Item:
    count: int
    singular: str
    plural: str
    href: str

    @property
    def text(self) -> str:
        return self.singular if self.count == 1 else self.plural


ItemSource = Callable[[Session, scope.Scope], Iterator[Item]]
#: (permission, source) pairs, in the order they show.
ATTENTION: list[tuple[str, ItemSource]] = []


def attention_item(permission: str) -> Callable[[ItemSource], ItemSource]:
    """Register a source of dashboard items, shown to users with ``permission``."""

    def register(source: ItemSource) -> ItemSource:
        ATTENTION.append((permission, source))
        return source

    return register


def count(s: Session, sc: scope.Scope, model: Any, *criteria: Any) -> int:
    """How many rows of ``model`` the user may see that match ``criteria``."""
    return s.scalar(select(func.count()).select_from(model).where(sc.where(model), *criteria))


@attention_item("outbox.view")
def _messages(s: Session, sc: scope.Scope) -> Iterator[Item]:
    for status, singular, plural in (
        (MessageStatus.FAILED, "message failed", "messages failed"),
        (MessageStatus.HELD, "message held for a decision", "messages held for a decision"),
    ):
        yield Item(
            count(s, sc, Message, Message.status == status),
            singular,
            plural,
            url_for("console.outbox", status=status.value),
        )


@attention_item("referrals.view")
def _referrals(s: Session, sc: scope.Scope) -> Iterator[Item]:
    waiting = (Referral.status == ReferralStatus.SUBMITTED, Referral.decided_at.is_(None))
    href = url_for("console.referrals")
    yield Item(count(s, sc, Referral, *waiting), "new referral", "new referrals", href)
    yield Item(
        count(s, sc, Referral, *waiting, Referral.decision_due_at <= clock.now()),
        "referral decision overdue",
        "referral decisions overdue",
        href,
    )


def _where(case_ids: list[int]) -> str:
    """The case's trawl tracker when the rows are all on one case, else the list of cases."""
    cases = set(case_ids)
    if len(cases) == 1:
        return url_for("console.trawls", case_id=cases.pop())
    return url_for("console.cases")


@attention_item("trawls.view")
def _trawl_returns(s: Session, sc: scope.Scope) -> Iterator[Item]:
    overdue = s.scalars(
        sc.select(
            TrawlRequest,
            TrawlRequest.returned_at.is_(None),
            TrawlRequest.due_date < london_date(clock.now()),
            ~bounces.undelivered(TRAWL),  # never got it: not overdue (service.requests.bounces)
        ).with_only_columns(TrawlRequest.case_id)
    ).all()
    yield Item(len(overdue), "trawl return overdue", "trawl returns overdue", _where(overdue))


@attention_item("trawls.manage")
def _trawl_extensions(s: Session, sc: scope.Scope) -> Iterator[Item]:
    waiting = s.scalars(
        sc.select(TrawlRequest)
        .join(TrawlExtension, TrawlExtension.request_id == TrawlRequest.id)
        .where(TrawlExtension.status == ExtensionStatus.REQUESTED)
        .with_only_columns(TrawlRequest.case_id)
    ).all()
    yield Item(
        len(waiting),
        "request for more time to decide",
        "requests for more time to decide",
        _where(waiting),
    )


#: How many working days ahead a meeting without papers starts to show.
PAPERS_WARNING_WORKING_DAYS = 2


@attention_item("panels.manage")
def _meetings_without_papers(s: Session, sc: scope.Scope) -> Iterator[Item]:
    """Meetings whose papers go within two working days (or are going now) with none uploaded."""
    today = london_date(clock.now())
    soon = Calendar.of(sc.user.partnership).add(today, PAPERS_WARNING_WORKING_DAYS)
    has_papers = (
        select(PanelPaper.id)
        .where(PanelPaper.meeting_id == PanelMeeting.id, PanelPaper.removed_at.is_(None))
        .exists()
    )
    case_ids = s.scalars(
        sc.select(
            PanelMeeting,
            PanelMeeting.status == MeetingStatus.SCHEDULED,
            PanelMeeting.dispatched_at.is_(None),
            PanelMeeting.dispatch_on <= soon,
            ~has_papers,
        ).with_only_columns(PanelMeeting.case_id)
    ).all()
    cases = set(case_ids)
    href = (
        url_for("console.panel", case_id=cases.pop())
        if len(cases) == 1
        else url_for("console.cases")
    )
    yield Item(
        len(case_ids),
        "panel meeting with no papers yet, due to be sent soon",
        "panel meetings with no papers yet, due to be sent soon",
        href,
    )


@bp.get("/")
@web.requires("dashboard.view")
def dashboard():
    s = db.Sessions()
    sc = web.current_scope()
    attention = [
        item
        for permission, source in ATTENTION
        if scope.can(sc.user, permission)
        for item in source(s, sc)
    ]
    open_cases = count(s, sc, Case, Case.status == CaseStatus.OPEN)
    return render_template("console/dashboard.html", attention=attention, open_cases=open_cases)
