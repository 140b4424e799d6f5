"""Reading the audit trail, for the partnership or one case: the one filtered query behind the
pages and the CSV export, the rows the page shows and the CSV file. Every query reads
``AuditEvent`` through the caller's Scope; nothing here changes an audit row."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from service import clock
from service.audit.labels import ACTOR_LABELS, action_label, object_label
from service.auth.scope import Scope
from service.models import Agency, AuditEvent, Case, PanelMember, User
from service.spreadsheets import safe_cell

LONDON = clock.LONDON

#: The kinds of object that have a console page, linked from the row.
LINKED_OBJECTS = {
    "referral",
    "trawl_request",
    "consent_request",
    "imr_request",
    "panel_meeting",
    "feedback_request",
    "message",
}

CSV_COLUMNS = [
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "case_id",
    "client_address",
    "detail",
]


# --- the one query ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    action: str | None = None
    user_id: int | None = None
    object_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def criteria(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.action:
            found.append(AuditEvent.action == self.action)
        if self.user_id is not None:
            found.append(AuditEvent.actor == f"user:{self.user_id}")
        if self.object_type:
            found.append(AuditEvent.object_type == self.object_type)
        if self.date_from:
            found.append(AuditEvent.at >= _london_midnight(self.date_from))
        if self.date_to:
            found.append(AuditEvent.at < _london_midnight(self.date_to + timedelta(days=1)))
        return found

    def detail(self) -> dict[str, Any]:
        """The filters for the export's own audit event: identifiers and dates only."""
        values = {
            "action": self.action,
            "user_id": self.user_id,
            "object_type": self.object_type,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }
        return {k: v for k, v in values.items() if v is not None}


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


def events_query(sc: Scope, filters: Filters, case: Case | None = None) -> Select:
    """The partnership's audit events (or one case's) matching ``filters``, newest first."""
    criteria = filters.criteria()
    if case is not None:
        criteria.append(AuditEvent.case_id == case.id)
    return sc.select(AuditEvent, *criteria).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def present(session: Session, sc: Scope, column: Any, case: Case | None) -> list[str]:
    """The distinct values of ``column`` among the events the page can show.

    Read as a loose index scan: each value is the least one above the last, one seek in the
    (partnership, column) index each, instead of reading every event of the trail."""
    criteria = [sc.where(AuditEvent), column.is_not(None)]
    if case is not None:
        criteria.append(AuditEvent.case_id == case.id)
    where = and_(*criteria)
    found = select(func.min(column).label("v")).where(where).cte("present", recursive=True)
    following = select(func.min(column)).where(where, column > found.c.v).scalar_subquery()
    found = found.union_all(select(following).where(found.c.v.is_not(None)))
    return sorted(v for v in session.scalars(select(found.c.v).where(found.c.v.is_not(None))) if v)


def users(session: Session, sc: Scope) -> list[User]:
    """The partnership's users, by name (or address), for the filter."""
    return list(
        session.scalars(sc.select(User).order_by(func.lower(func.coalesce(User.name, User.email))))
    )


@dataclass
class Page:
    """One page of the events matching the filters."""

    events: list[AuditEvent]
    total: int
    number: int
    pages: int


def page(
    session: Session, sc: Scope, filters: Filters, case: Case | None, asked: str, per_page: int
) -> Page:
    """The page numbered ``asked`` (kept within the pages there are) of the matching events."""
    query = events_query(sc, filters, case)
    total = session.scalar(query.order_by(None).with_only_columns(func.count())) or 0
    pages = max(1, -(-total // per_page))
    try:
        number = min(max(1, int(asked)), pages)
    except ValueError:
        number = 1
    # The page's ids first, skipping the earlier pages in the index alone; then those rows.
    ids = list(
        session.scalars(
            query.with_only_columns(AuditEvent.id).limit(per_page).offset((number - 1) * per_page)
        )
    )
    by_id = {e.id: e for e in session.scalars(select(AuditEvent).where(AuditEvent.id.in_(ids)))}
    return Page([by_id[i] for i in ids if i in by_id], total, number, pages)


# --- the rows the page shows -----------------------------------------------------------------


@dataclass
class Row:
    """One event as the table shows it. ``target`` is the object's text, and its kind and key
    when it has a page of its own (a case or user by its id)."""

    event: AuditEvent
    when: str
    who: str
    what: str
    target: tuple[str, str | None, Any] | None
    case: Case | None
    detail: list[tuple[str, str]]


def _ids(events: list[AuditEvent], prefix: str) -> set[int]:
    found = set()
    for e in events:
        kind, _, ident = e.actor.partition(":")
        if kind == prefix and ident.isdigit():
            found.add(int(ident))
    return found


def _object_ids(events: list[AuditEvent], object_type: str) -> set[int]:
    return {
        int(e.object_id)
        for e in events
        if e.object_type == object_type and e.object_id and e.object_id.isdigit()
    }


def _by_id(session: Session, sc: Scope, model: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(sc.select(model, model.id.in_(ids)))}


def rows(session: Session, sc: Scope, events: list[AuditEvent]) -> list[Row]:
    """What the table shows for each event; names are looked up through the Scope."""
    users = _by_id(session, sc, User, _ids(events, "user") | _object_ids(events, "user"))
    agencies = _by_id(session, sc, Agency, _ids(events, "agency"))
    members = _by_id(session, sc, PanelMember, _ids(events, "panel_member"))
    case_ids = _object_ids(events, "case") | {e.case_id for e in events if e.case_id}
    cases = _by_id(session, sc, Case, case_ids)

    def who(actor: str) -> str:
        kind, _, ident = actor.partition(":")
        if kind == "user" and ident.isdigit():
            user = users.get(int(ident))
            return user.label if user else f"User {ident}"
        if kind == "agency" and ident.isdigit():
            agency = agencies.get(int(ident))
            return f"{agency.name} (agency)" if agency else f"Agency {ident}"
        if kind == "panel_member" and ident.isdigit():
            member = members.get(int(ident))
            return f"{member.name} (panel member)" if member else f"Panel member {ident}"
        if kind == "family" and ident.isdigit():
            return f"Family member (consent request {ident})"
        return ACTOR_LABELS.get(actor, actor)

    def target(e: AuditEvent) -> tuple[str, str | None, Any] | None:
        if not e.object_type:
            return None
        ident = e.object_id or ""
        text = f"{object_label(e.object_type)} {ident}".strip()
        if e.object_type == "case" and ident.isdigit() and int(ident) in cases:
            case = cases[int(ident)]
            return f"Case {case.reference}", "case", case.id
        if e.object_type == "user" and ident.isdigit() and int(ident) in users:
            user = users[int(ident)]
            return f"User {user.label}", "user", user.id
        if e.object_type == "message" and ident:
            return text, "message", ident
        if e.object_type in LINKED_OBJECTS and ident.isdigit():
            return text, e.object_type, int(ident)
        return text, None, None

    found = []
    for e in events:
        case = cases.get(e.case_id) if e.case_id else None
        found.append(
            Row(
                event=e,
                when=e.at.astimezone(LONDON).strftime("%-d %b %Y %H:%M:%S"),
                who=who(e.actor),
                what=action_label(e.action),
                target=target(e),
                case=case if case and e.object_type != "case" else None,
                detail=[(k, _value(v)) for k, v in (e.detail or {}).items()],
            )
        )
    return found


def _value(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


# --- CSV -------------------------------------------------------------------------------------


def _csv_row(e: AuditEvent) -> list[str]:
    cells = [
        clock.as_utc(e.at).isoformat(),
        e.actor,
        e.action,
        e.object_type,
        e.object_id,
        e.case_id,
        e.client_address,
        json.dumps(e.detail or {}, sort_keys=True),
    ]
    return [safe_cell(cell) for cell in cells]


def csv_text(events: list[AuditEvent]) -> str:
    """The events as a CSV file, every cell guarded against spreadsheet formulas."""
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheets read the file as UTF-8
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(e) for e in events)
    return out.getvalue()
