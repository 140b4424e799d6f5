"""The case's action plan: an IMR's actions when it is sent, recommendations the officer adds,
changes to either, and each action's status (not started, in progress, done with evidence;
overdue when its target date has passed and it is not done).

Each action's reminders to its lead officer are deadline columns: a week before the target date
and on it, at the partnership's dispatch hour. Setting or moving the target date sets them
again; a reminder whose moment has already passed is not sent late; done clears both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.action_plan import EVIDENCE_NEEDED
from service import audit, clock
from service.models import (
    ActionItem,
    ActionScope,
    ActionSource,
    ActionStatus,
    Agency,
    ImrRequest,
    ImrSubmission,
    Partnership,
)
from service.workdays import at_hour, london_date

#: How long before the target date the first reminder goes.
WEEK = dt.timedelta(days=7)

# In the page's language: the lead officer's page is in theirs.
STATUS_TEXT = {
    ActionStatus.NOT_STARTED: lazy_gettext("Not started"),
    ActionStatus.IN_PROGRESS: lazy_gettext("In progress"),
    ActionStatus.DONE: lazy_gettext("Done"),
}
STATUS_TAG = {
    ActionStatus.NOT_STARTED: "govuk-tag--grey",
    ActionStatus.IN_PROGRESS: "govuk-tag--blue",
    ActionStatus.DONE: "govuk-tag--green",
}
OVERDUE = lazy_gettext("Overdue")


class ActionRefused(ValueError):
    """Why the change cannot be made; safe to show. ``field`` is the form field it is about."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def reminder_moments(partnership: Partnership, target: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A week before ``target`` and on it, at the partnership's dispatch hour (UK time)."""
    hour = partnership.dispatch_hour
    return at_hour(target - WEEK, hour), at_hour(target, hour)


def schedule(partnership: Partnership, action: ActionItem, now: dt.datetime) -> None:
    """Set the action's reminders from its target date; none once done, none in the past."""
    if action.status is ActionStatus.DONE or action.target_date is None:
        action.week_reminder_at = action.day_reminder_at = None
        return
    week, day = reminder_moments(partnership, action.target_date)
    action.week_reminder_at = week if week > now else None
    action.day_reminder_at = day if day > now else None


def status_text(action: ActionItem, today: dt.date | None = None) -> str:
    today = today or london_date(clock.now())
    return str(OVERDUE if action.overdue(today) else STATUS_TEXT[action.status])


def status_tag(action: ActionItem, today: dt.date | None = None) -> str:
    today = today or london_date(clock.now())
    return "govuk-tag--red" if action.overdue(today) else STATUS_TAG[action.status]


# --- from an IMR -----------------------------------------------------------------------------


def from_imr(session: Session, request: ImrRequest, row: ImrSubmission) -> list[ActionItem]:
    """The IMR's action plan into the case's: a revised IMR updates the actions it numbered
    before (keeping their status and evidence) and adds the new ones; actions it no longer has
    stay, marked by the version they came from."""
    partnership = session.get(Partnership, request.partnership_id)
    now = clock.now()
    existing = {
        a.imr_number: a
        for a in session.scalars(select(ActionItem).where(ActionItem.imr_request_id == request.id))
    }
    found = []
    for number, given in enumerate((row.report or {}).get("actions") or [], start=1):
        action = existing.get(number)
        if action is None:
            action = ActionItem(
                partnership_id=request.partnership_id, case_id=request.case_id,
                source=ActionSource.IMR, scope=ActionScope.SINGLE, agency_id=request.agency_id,
                imr_request_id=request.id, imr_number=number, created_at=now,
            )  # fmt: skip
            session.add(action)
        _fill(action, given)
        action.imr_version = row.version
        action.updated_at = now
        schedule(partnership, action, now)
        found.append(action)
    session.flush()
    if found:
        audit.record(
            session, "action_plan.from_imr", actor=f"agency:{request.agency_id}",
            partnership_id=request.partnership_id, object_type="imr_request",
            object_id=request.id, case_id=request.case_id, version=row.version,
            actions=len(found),
        )  # fmt: skip
    return found


def _fill(action: ActionItem, given: dict[str, Any]) -> None:
    action.recommendation = given.get("recommendation") or ""
    action.key_actions = given.get("key_actions")
    action.evidence_expected = given.get("evidence")
    action.key_outcomes = given.get("key_outcomes")
    action.lead_officer = given.get("lead_officer")
    action.lead_officer_email = given.get("lead_officer_email")
    target = given.get("target_date")
    action.target_date = dt.date.fromisoformat(target) if isinstance(target, str) else target


# --- the officer's recommendations and changes -----------------------------------------------


def add(
    session: Session, case_id: int, partnership: Partnership, answers: dict[str, Any], *,
    created_by: int | None, actor: str, client_address: str | None = None,
) -> ActionItem:  # fmt: skip
    """A recommendation the officer adds for the overview report (single or multi-agency)."""
    now = clock.now()
    action = ActionItem(
        partnership_id=partnership.id, case_id=case_id, source=ActionSource.OFFICER,
        scope=ActionScope(answers.get("scope") or "single"), created_by=created_by,
        created_at=now, updated_at=now,
    )  # fmt: skip
    _officer_fields(session, action, answers)
    schedule(partnership, action, now)
    session.add(action)
    session.flush()
    audit.record(
        session, "action_plan.added", actor=actor, partnership_id=partnership.id,
        object_type="action_item", object_id=action.id, case_id=case_id,
        client_address=client_address,
    )  # fmt: skip
    return action


def _officer_fields(session: Session, action: ActionItem, answers: dict[str, Any]) -> None:
    agency_id = answers.get("agency_id")
    if agency_id:
        agency = session.get(Agency, int(agency_id))
        if agency is None or agency.partnership_id != action.partnership_id:
            raise ActionRefused("Select the owner agency from the list", "agency_id")
        action.agency_id = agency.id
    else:
        action.agency_id = None
    if "scope" in answers and answers["scope"]:
        action.scope = ActionScope(answers["scope"])
    _fill(action, answers)


def change(
    session: Session, action: ActionItem, answers: dict[str, Any], *, actor: str,
    client_address: str | None = None,
) -> None:  # fmt: skip
    """The officer's change to any action: its wording, owner, lead officer, date or status."""
    partnership = session.get(Partnership, action.partnership_id)
    if action.source is ActionSource.OFFICER:
        _officer_fields(session, action, answers)
    else:
        action.lead_officer = answers.get("lead_officer")
        action.lead_officer_email = answers.get("lead_officer_email")
        target = answers.get("target_date")
        action.target_date = dt.date.fromisoformat(target) if target else None
    _set_status(action, answers)
    action.updated_at = clock.now()
    schedule(partnership, action, clock.now())
    audit.record(
        session, "action_plan.changed", actor=actor, partnership_id=action.partnership_id,
        object_type="action_item", object_id=action.id, case_id=action.case_id,
        client_address=client_address, status=action.status.value,
    )  # fmt: skip


def _set_status(action: ActionItem, answers: dict[str, Any]) -> None:
    status = ActionStatus(answers.get("status") or action.status.value)
    evidence = (answers.get("evidence") or "").strip() or None
    if status is ActionStatus.DONE and not evidence:
        raise ActionRefused(str(EVIDENCE_NEEDED), "evidence")
    if status is ActionStatus.DONE and action.status is not ActionStatus.DONE:
        action.done_at = clock.now()
    elif status is not ActionStatus.DONE:
        action.done_at = None
    action.status = status
    action.evidence = evidence
    if "progress" in answers:
        action.progress = (answers.get("progress") or "").strip() or None


def update_by_lead(
    session: Session, action: ActionItem, answers: dict[str, Any], *,
    client_address: str | None = None,
) -> None:  # fmt: skip
    """The lead officer's update through their link: the status, progress and evidence of this
    one action, nothing else."""
    _set_status(action, answers)
    action.updated_at = clock.now()
    schedule(session.get(Partnership, action.partnership_id), action, clock.now())
    audit.record(
        session, "action_plan.updated_by_lead", actor=f"lead-officer:{action.id}",
        partnership_id=action.partnership_id, object_type="action_item", object_id=action.id,
        case_id=action.case_id, client_address=client_address, status=action.status.value,
    )  # fmt: skip


# --- reading the plan ------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One action as the case page, the summary and the spreadsheet show it."""

    id: int
    number: int
    source: str  # "IMR of Exampleshire Police, action 2 (version 1)", "Officer"
    scope: str  # "Single agency" / "Multi-agency"
    owner: str  # the owner agency's name, or "Multi-agency"
    recommendation: str
    key_actions: str
    lead_officer: str
    target_date: dt.date | None
    status: str  # "Not started", "In progress", "Done", "Overdue"
    tag: str
    evidence: str
    progress: str

    @property
    def target_text(self) -> str:
        return clock.long_date(self.target_date) if self.target_date else "Not set"


def lines(session: Session, actions: list[ActionItem]) -> list[Line]:
    """The actions as lines, numbered in the plan's order (by target date, then as added)."""
    today = london_date(clock.now())
    names: dict[int, str] = {}
    if actions:
        names = dict(
            session.execute(
                select(Agency.id, Agency.name).where(
                    Agency.partnership_id == actions[0].partnership_id
                )
            ).all()
        )
    ordered = sorted(actions, key=lambda a: (a.target_date or dt.date.max, a.id))
    found = []
    for n, a in enumerate(ordered, start=1):
        if a.source is ActionSource.IMR:
            source = f"IMR of {names.get(a.agency_id, '')}, action {a.imr_number} (version " \
                     f"{a.imr_version})"  # fmt: skip
        else:
            source = "Added by the DHR officer"
        found.append(Line(
            id=a.id, number=n, source=source,
            scope="Multi-agency" if a.scope is ActionScope.MULTI else "Single agency",
            owner=names.get(a.agency_id, "") if a.agency_id else "Multi-agency",
            recommendation=a.recommendation, key_actions=a.key_actions or "",
            lead_officer=a.lead_officer or "", target_date=a.target_date,
            status=status_text(a, today), tag=status_tag(a, today),
            evidence=a.evidence or "", progress=a.progress or "",
        ))  # fmt: skip
    return found


def for_case(session: Session, case_id: int) -> list[ActionItem]:
    """Every action of the case (the caller has already decided the case may be read)."""
    return list(session.scalars(select(ActionItem).where(ActionItem.case_id == case_id)))
