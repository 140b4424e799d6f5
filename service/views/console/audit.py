"""Console: the audit trail, for the partnership and for one case, on a page and as CSV.

The reading is in ``service.audit.trail`` (one query for all four) and the names in
``service.audit.labels``; one template shows both pages. Each CSV export is itself audited.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from forms.audit import AuditFilterForm
from service import audit as audit_trail
from service import clock, db
from service.audit import trail
from service.audit.labels import OBJECT_LABELS, action_label
from service.auth import identity, scope, web
from service.models import AuditEvent, Case, User
from service.views.console import bp, common

LONDON = clock.LONDON
PER_PAGE = 100

#: The console page of each kind of object an event can link to: (endpoint, its argument).
OBJECT_PAGES = {
    "case": ("console.case", "case_id"),
    "user": ("console.user", "user_id"),
    "referral": ("console.referral", "referral_id"),
    "trawl_request": ("console.trawl_request", "request_id"),
    "consent_request": ("console.consent_request", "consent_id"),
    "imr_request": ("console.imr_request", "imr_id"),
    "panel_meeting": ("console.panel_meeting", "meeting_id"),
    "feedback_request": ("console.feedback_request", "feedback_id"),
    "message": ("console.outbox_message", "message_id"),
}


def _filter_form(
    s: Session, sc: scope.Scope, case: Case | None
) -> tuple[AuditFilterForm, trail.Filters]:
    form = AuditFilterForm(formdata=request.args)
    actions = trail.present(s, sc, AuditEvent.action, case)
    form.action.choices = [("", "All actions")] + sorted(
        ((a, action_label(a)) for a in actions), key=lambda choice: choice[1].lower()
    )
    form.object_type.choices = [("", "All types")] + [
        (t, OBJECT_LABELS.get(t, t)) for t in trail.present(s, sc, AuditEvent.object_type, case)
    ]
    form.user.choices = [("", "Everyone")] + [
        (str(u.id), f"{u.name} ({u.email})" if u.name else u.email) for u in trail.users(s, sc)
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
    filters = trail.Filters(
        action=(form.action.data or "").strip()[:64] or None,
        user_id=user_id,
        object_type=(form.object_type.data or "").strip()[:32] or None,
        date_from=form.date_from,
        date_to=form.date_to,
    )
    return form, filters


def _visible_case(s: Session, sc: scope.Scope, case_id: int | None) -> Case | None:
    return None if case_id is None else common.found(s, sc, Case, case_id)


def _shown(row: trail.Row) -> dict[str, Any]:
    """The row for the template, its object linked to its page where it has one."""
    target = None
    if row.target is not None:
        text, kind, key = row.target
        endpoint, argument = OBJECT_PAGES.get(kind, (None, None)) if kind else (None, None)
        target = (text, endpoint, {argument: key} if endpoint else None)
    return {
        "event": row.event,
        "when": row.when,
        "who": row.who,
        "what": row.what,
        "object": target,
        "case": row.case,
        "detail": row.detail,
    }


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
    found = trail.page(s, sc, filters, case, request.args.get("page", "1"), PER_PAGE)
    args = _filter_args()
    kwargs = {"case_id": case.id} if case else {}
    endpoint = "console.case_audit" if case else "console.audit"
    csv_endpoint = "console.case_audit_csv" if case else "console.audit_csv"
    return render_template(
        "console/audit.html",
        case=case,
        form=form,
        rows=[_shown(row) for row in trail.rows(s, sc, found.events)],
        total=found.total,
        first=(found.number - 1) * PER_PAGE + 1,
        last=(found.number - 1) * PER_PAGE + len(found.events),
        pagination=_pagination(found.number, found.pages, endpoint, {**args, **kwargs}),
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
    events = list(s.scalars(trail.events_query(sc, filters, case)))
    text = trail.csv_text(events)
    with db.transaction() as t:
        audit_trail.record(
            t,
            "audit.exported",
            actor=identity.actor_of(sc.user),
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
        text,
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
