"""Console: the audit trail, for the partnership and for one case, on a page and as CSV.

One function builds the query for all four (``events_query``); one template shows both pages.
Every query reads ``AuditEvent`` through the Scope. Nothing here changes an audit row; each CSV
export is itself audited.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, redirect, render_template, request, url_for
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from forms.audit import AuditFilterForm
from service import audit as audit_trail
from service import clock, db
from service.auth import accounts, scope, web
from service.models import Agency, AuditEvent, Case, PanelMember, User
from service.views.console import bp, common

LONDON = ZoneInfo("Europe/London")
PER_PAGE = 100

#: What each action is called on the page. An action not listed is shown as it is recorded.
ACTION_LABELS: dict[str, str] = {
    # referrals
    "referral.submitted": "Referral received",
    "referral.viewed": "Viewed referral",
    "referral.downloaded": "Downloaded referral PDF",
    "referral.decision_recorded": "Referral decision recorded",
    "referral.accepted": "Referral accepted",
    "referral.resume_link_sent": "Referral draft link sent",
    "referral.draft_deleted": "Unfinished referral deleted",
    "case.opened": "Case opened",
    # signing in and out
    "sign_in": "Signed in",
    "sign_in.failed": "Failed sign-in",
    "sign_in.refused_locked": "Sign-in refused: account locked",
    "account.locked": "Account locked",
    "sign_out": "Signed out",
    "session.ended": "Session ended",
    "password_reset.requested": "Password reset requested",
    "password_reset.completed": "Password reset",
    # users
    "user.created": "User invited",
    "user.set_up": "Account set up",
    "user.disabled": "User disabled",
    "user.enabled": "User re-enabled",
    "user.setup_link_issued": "Set-up link issued",
    # cases
    "case.viewed": "Viewed case",
    "case.chair_assigned": "Chair assigned to case",
    "case.chair_removed": "Chair removed from case",
    # the outbox (mail/outbox.py, workers/delivery.py)
    "message.queued": "Message queued",
    "message.content_withheld": "Notice sent instead of message content",
    "message.held": "Message held for a decision",
    "message.sent": "Message sent",
    "message.failed": "Message failed",
    "message.retried": "Message retried",
    "message.released": "Held message released",
    "message.cancelled": "Message cancelled",
    "message.viewed": "Viewed message",
    # the partnership and its agencies (service/partnerships.py, the agencies pages)
    "partnership.created": "Partnership loaded",
    "partnership.updated": "Partnership updated from its file",
    "partnership.loaded": "Partnership loaded",
    "agency.created": "Agency added",
    "agency.updated": "Agency updated",
    # the trawl (service/trawls, the trawl pages)
    "trawl.draft_started": "Trawl started",
    "trawl.draft_viewed": "Viewed unsent trawl",
    "trawl.sent": "Trawl sent",
    "trawl.tracker_viewed": "Viewed trawl tracker",
    "trawl.request_viewed": "Viewed agency's trawl return",
    "trawl.link_resent": "Trawl link sent again",
    "trawl.link_revoked": "Trawl link revoked",
    "trawl.link_reissued": "New trawl link issued",
    "trawl.extension_requested": "Trawl extension requested",
    "trawl.extension_approved": "Trawl extension approved",
    "trawl.extension_refused": "Trawl extension refused",
    "trawl.link_opened": "Agency opened its trawl link",
    "trawl.return_submitted": "Trawl return submitted",
    "trawl.return_downloaded": "Trawl return downloaded as PDF",
    "trawl.return_amended": "Trawl return amended",
    "trawl.chaser_sent": "Trawl chaser sent",
    "trawl.escalated": "Trawl return escalated",
    "trawl.statistics_exported": "Trawl statistics exported",
    "case.person_added": "Person added to case",
    # family consent (service/consent, the consent pages)
    "consent.requested": "Family member asked for consent",
    "consent.tracker_viewed": "Viewed family consent tracker",
    "consent.request_viewed": "Viewed family consent request",
    "consent.link_resent": "Consent email sent again",
    "consent.link_reissued": "New consent link issued",
    "consent.letter_downloaded": "Consent letter downloaded",
    "consent.form_downloaded": "Signed consent form downloaded",
    "consent.link_opened": "Family member opened their consent link",
    "consent.given": "Family consent given",
    "consent.declined": "Family consent declined",
    "consent.withdrawn": "Family consent withdrawn",
    "consent.copy_downloaded": "Family member downloaded their consent form",
    # Individual Management Reviews (service/imrs, the IMR pages)
    "imr.requested": "IMR requested",
    "imr.list_viewed": "Viewed IMR requests",
    "imr.request_viewed": "Viewed agency's IMR",
    "imr.link_reissued": "New IMR link sent",
    "imr.link_opened": "Agency opened its IMR link",
    "imr.terms_downloaded": "Agency downloaded the terms of reference",
    "imr.document_uploaded": "IMR report uploaded",
    "imr.submitted": "IMR submitted",
    "imr.revised": "Revised IMR submitted",
    "imr.checklist_downloaded": "IMR QA checklist downloaded as PDF",
    "imr.chaser_sent": "IMR chaser sent",
    "imr.escalated": "IMR escalated",
    # the panel (service/panels, the panel pages, workers/panel_checks.py)
    "panel.viewed": "Viewed case panel",
    "panel.member_added": "Panel member added",
    "panel.member_removed": "Panel member removed",
    "panel.meeting_scheduled": "Panel meeting scheduled",
    "panel.meeting_viewed": "Viewed panel meeting",
    "panel.meeting_updated": "Panel meeting updated",
    "panel.meeting_moved": "Panel meeting moved",
    "panel.meeting_cancelled": "Panel meeting cancelled",
    "panel.paper_added": "Panel paper uploaded",
    "panel.paper_removed": "Panel paper removed",
    "panel.papers_dispatched": "Panel papers sent",
    "panel.no_papers_warning": "Officer warned: no panel papers",
    # the collated summary (service/summaries, the summary pages)
    "summary.viewed": "Viewed collated summary",
    "summary.downloaded": "Collated summary downloaded as PDF",
    "summary.exported": "Collated summary exported",
    "summary.panel_adjusted": "Recommended panel agencies changed",
    "summary.panel_reset": "Recommended panel agencies reset to those with involvement",
    # sending the collated summary (service/summaries/delivery.py, workers/summary_checks.py)
    "summary.sent_to_officer": "Collated summary sent to the DHR officer",
    "summary.sent_to_sub_group": "Collated summary sent to the sub-group",
    # drafts for comment (service/panels/feedback.py, the draft pages, workers/feedback_checks.py)
    "feedback.sent": "Draft sent to the panel for comment",
    "feedback.viewed": "Viewed draft for comment and its comments",
    "feedback.comments_downloaded": "Comments on a draft downloaded",
    "feedback.closed": "Draft for comment closed",
    "feedback.link_reissued": "New link sent to a panel member for a draft",
    "feedback.link_opened": "Panel member opened their link to a draft",
    "feedback.draft_downloaded": "Panel member downloaded a draft",
    "feedback.answered": "Panel member answered on a draft",
    "feedback.answer_changed": "Panel member changed their answer on a draft",
    "feedback.reminder_sent": "Reminder sent to a panel member about a draft",
    "feedback.all_answered": "Every panel member answered on a draft",
    # this page
    "audit.exported": "Audit trail exported",
}

#: Who did it, for actors that are not a user or an agency.
ACTOR_LABELS = {
    "system": "System",
    "cli": "Command line",
    "anonymous": "Someone not signed in",
}

OBJECT_LABELS = {
    "case": "Case",
    "user": "User",
    "message": "Message",
    "agency": "Agency",
    "partnership": "Partnership",
    "referral": "Referral",
    "trawl": "Trawl",
    "trawl_request": "Trawl request",
    "imr_request": "IMR request",
    "consent_request": "Consent request",
    "panel_member": "Panel member",
    "panel_meeting": "Panel meeting",
    "feedback_request": "Draft for comment",
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
#: A cell a spreadsheet would read as a formula (or that starts with a control character that
#: can hide one) gets a leading quote, so it is shown as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


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


def events_query(sc: scope.Scope, filters: Filters, case: Case | None = None) -> Select:
    """The partnership's audit events (or one case's) matching ``filters``, newest first."""
    criteria = filters.criteria()
    if case is not None:
        criteria.append(AuditEvent.case_id == case.id)
    return sc.select(AuditEvent, *criteria).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


# --- the filter form ---------------------------------------------------------------------------


def _present(s: Session, sc: scope.Scope, column: Any, case: Case | None) -> list[str]:
    """The distinct values of ``column`` among the events this page can show."""
    query = events_query(sc, Filters(), case).order_by(None).with_only_columns(column).distinct()
    return sorted(v for v in s.scalars(query) if v)


def _filter_form(s: Session, sc: scope.Scope, case: Case | None) -> tuple[AuditFilterForm, Filters]:
    form = AuditFilterForm(formdata=request.args)
    actions = _present(s, sc, AuditEvent.action, case)
    form.action.choices = [("", "All actions")] + sorted(
        ((a, action_label(a)) for a in actions), key=lambda choice: choice[1].lower()
    )
    form.object_type.choices = [("", "All types")] + [
        (t, OBJECT_LABELS.get(t, t)) for t in _present(s, sc, AuditEvent.object_type, case)
    ]
    users = s.scalars(sc.select(User).order_by(func.lower(func.coalesce(User.name, User.email))))
    form.user.choices = [("", "Everyone")] + [
        (str(u.id), f"{u.name} ({u.email})" if u.name else u.email) for u in users
    ]
    form.validate()
    user_id = None
    if form.user.data:
        # Never trust an id from the address: it must be a user of this partnership.
        found = sc.get(s, User, form.user.data)
        if found is None:
            form.user.errors = ["Select a user from the list"]
        else:
            user_id = found.id
    filters = Filters(
        action=(form.action.data or "").strip()[:64] or None,
        user_id=user_id,
        object_type=(form.object_type.data or "").strip()[:32] or None,
        date_from=form.date_from,
        date_to=form.date_to,
    )
    return form, filters


def _visible_case(s: Session, sc: scope.Scope, case_id: int | None) -> Case | None:
    return None if case_id is None else common.found(s, sc, Case, case_id)


# --- showing events --------------------------------------------------------------------------


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


def _rows(s: Session, sc: scope.Scope, events: list[AuditEvent]) -> list[dict[str, Any]]:
    """What the table shows for each event; names are looked up through the Scope."""
    user_ids = _ids(events, "user") | _object_ids(events, "user")
    users = {u.id: u for u in s.scalars(sc.select(User, User.id.in_(user_ids)))} if user_ids else {}
    agency_ids = _ids(events, "agency")
    agencies = (
        {a.id: a for a in s.scalars(sc.select(Agency, Agency.id.in_(agency_ids)))}
        if agency_ids
        else {}
    )
    member_ids = _ids(events, "panel_member")
    members = (
        {m.id: m for m in s.scalars(sc.select(PanelMember, PanelMember.id.in_(member_ids)))}
        if member_ids
        else {}
    )
    case_ids = _object_ids(events, "case") | {e.case_id for e in events if e.case_id}
    cases = {c.id: c for c in s.scalars(sc.select(Case, Case.id.in_(case_ids)))} if case_ids else {}

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

    rows = []
    for e in events:
        target = None  # (text, endpoint, kwargs) when the object has a page
        if e.object_type:
            ident = e.object_id or ""
            text = f"{OBJECT_LABELS.get(e.object_type, e.object_type)} {ident}".strip()
            if e.object_type == "case" and ident.isdigit() and int(ident) in cases:
                case = cases[int(ident)]
                target = (f"Case {case.reference}", "console.case", {"case_id": case.id})
            elif e.object_type == "user" and ident.isdigit() and int(ident) in users:
                user = users[int(ident)]
                target = (f"User {user.label}", "console.user", {"user_id": user.id})
            elif e.object_type == "referral" and ident.isdigit():
                target = (text, "console.referral", {"referral_id": int(ident)})
            elif e.object_type == "trawl_request" and ident.isdigit():
                target = (text, "console.trawl_request", {"request_id": int(ident)})
            elif e.object_type == "consent_request" and ident.isdigit():
                target = (text, "console.consent_request", {"consent_id": int(ident)})
            elif e.object_type == "imr_request" and ident.isdigit():
                target = (text, "console.imr_request", {"imr_id": int(ident)})
            elif e.object_type == "panel_meeting" and ident.isdigit():
                target = (text, "console.panel_meeting", {"meeting_id": int(ident)})
            elif e.object_type == "feedback_request" and ident.isdigit():
                target = (text, "console.feedback_request", {"feedback_id": int(ident)})
            elif e.object_type == "message" and ident:
                target = (text, "console.outbox_message", {"message_id": ident})
            else:
                target = (text, None, None)
        case = cases.get(e.case_id) if e.case_id else None
        rows.append(
            {
                "event": e,
                "when": e.at.astimezone(LONDON).strftime("%-d %b %Y %H:%M:%S"),
                "who": who(e.actor),
                "what": action_label(e.action),
                "object": target,
                "case": case if case and e.object_type != "case" else None,
                "detail": [(k, _value(v)) for k, v in (e.detail or {}).items()],
            }
        )
    return rows


def _value(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


def _pagination(page: int, pages: int, endpoint: str, args: dict[str, Any]) -> dict | None:
    if pages <= 1:
        return None

    def href(number: int) -> str:
        return url_for(endpoint, **args, page=number)

    items: list[dict[str, Any]] = []
    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    previous = 0
    for number in shown:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page})
        previous = number
    params: dict[str, Any] = {"items": items}
    if page > 1:
        params["previous"] = {"href": href(page - 1)}
    if page < pages:
        params["next"] = {"href": href(page + 1)}
    return params


def _filter_args() -> dict[str, str]:
    """The filters in the address, to carry into pagination and CSV links."""
    return {k: v for k, v in request.args.items() if k not in ("page", "case_id") and v}


def _page(case_id: int | None):
    s = db.Sessions()
    sc = web.current_scope()
    case = _visible_case(s, sc, case_id)
    form, filters = _filter_form(s, sc, case)
    query = events_query(sc, filters, case)
    total = s.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    try:
        page = min(max(1, int(request.args.get("page", "1"))), pages)
    except ValueError:
        page = 1
    events = list(s.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    args = _filter_args()
    kwargs = {"case_id": case.id} if case else {}
    endpoint = "console.case_audit" if case else "console.audit"
    csv_endpoint = "console.case_audit_csv" if case else "console.audit_csv"
    return render_template(
        "console/audit.html",
        case=case,
        form=form,
        rows=_rows(s, sc, events),
        total=total,
        first=(page - 1) * PER_PAGE + 1,
        last=(page - 1) * PER_PAGE + len(events),
        pagination=_pagination(page, pages, endpoint, {**args, **kwargs}),
        page_url=url_for(endpoint, **kwargs),
        csv_url=url_for(csv_endpoint, **args, **kwargs),
        filtered=bool(args),
        date_error_parts=form.date_error_parts,
    )


@bp.get("/audit")
@web.requires("audit.view")
def audit():
    return _page(None)


@bp.get("/cases/<int:case_id>/audit")
@web.requires("audit.view")
def case_audit(case_id: int):
    return _page(case_id)


# --- CSV -------------------------------------------------------------------------------------


def safe_cell(value: Any) -> str:
    """The cell as text, never something a spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


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


def _csv(case_id: int | None):
    s = db.Sessions()
    sc = web.current_scope()
    case = _visible_case(s, sc, case_id)
    form, filters = _filter_form(s, sc, case)
    kwargs = {"case_id": case.id} if case else {}
    if form.errors:
        # The page says what is wrong with the filters.
        page = "console.case_audit" if case else "console.audit"
        return redirect(url_for(page, **_filter_args(), **kwargs))
    events = list(s.scalars(events_query(sc, filters, case)))

    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheets read the file as UTF-8
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(e) for e in events)

    with db.transaction() as t:
        audit_trail.record(
            t,
            "audit.exported",
            actor=accounts.actor_of(sc.user),
            partnership_id=sc.user.partnership_id,
            object_type="case" if case else None,
            object_id=case.id if case else None,
            case_id=case.id if case else None,
            client_address=web.client_address(),
            filters=filters.detail(),
            rows=len(events),
        )

    slug = sc.user.partnership.slug
    if case:
        slug = f"{slug}-{re.sub(r'[^a-z0-9]+', '-', case.reference.lower()).strip('-')}"
    day = clock.now().astimezone(LONDON).strftime("%Y%m%d")
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{slug}-{day}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/audit.csv")
@web.requires("audit.view")
def audit_csv():
    return _csv(None)


@bp.get("/cases/<int:case_id>/audit.csv")
@web.requires("audit.view")
def case_audit_csv(case_id: int):
    return _csv(case_id)
