"""Console: the case's action plan (each IMR's actions and the officer's recommendations for the
overview report), its spreadsheets, and the overdue actions across every case the user can see.
Every row is read through the user's Scope; every change and export is audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import func
from sqlalchemy.orm import Session

from forms import action_plan_pages as pages
from service import clock, db
from service.actions import exports, plan
from service.auth import scope, web
from service.models import ActionItem, ActionSource, ActionStatus, Agency, Case, Partnership
from service.spreadsheets import CSV_TYPE, XLSX_TYPE
from service.views.console import bp, common
from service.views.console.dashboard import Item, attention_item
from service.workdays import london_date

#: How many overdue actions the dashboard lists (the page behind it lists them all).
DASHBOARD_LIST = 10


def _agencies(s: Session, sc: scope.Scope) -> list[tuple[str, str]]:
    rows = s.scalars(sc.select(Agency).order_by(func.lower(Agency.name), Agency.id))
    return [(str(a.id), a.name) for a in rows]


def _overdue(s: Session, sc: scope.Scope) -> list[ActionItem]:
    today = london_date(clock.now())
    return list(
        s.scalars(
            sc.select(
                ActionItem,
                ActionItem.status != ActionStatus.DONE,
                ActionItem.target_date < today,
            ).order_by(ActionItem.target_date, ActionItem.id)
        )
    )


@bp.get("/cases/<int:case_id>/actions")
@web.requires("actions.view")
def action_plan(case_id: int):
    sc = web.current_scope()
    with db.transaction() as s:
        case = common.found(s, sc, Case, case_id)
        actions = list(s.scalars(sc.select(ActionItem, ActionItem.case_id == case.id)))
        common.record(s, sc, "summary.viewed", object_type="case", object_id=case.id,
                      case_id=case.id, part="action_plan")  # fmt: skip
    return render_template("console/actions/plan.html", case=case, lines=plan.lines(s, actions))


def _export(case_id: int, kind: str) -> Response:
    sc = web.current_scope()
    with db.transaction() as s:
        case = common.found(s, sc, Case, case_id)
        actions = list(s.scalars(sc.select(ActionItem, ActionItem.case_id == case.id)))
        data = exports.export(plan.lines(s, actions), kind)
        common.record(s, sc, "action_plan.exported", object_type="case", object_id=case.id,
                      case_id=case.id, format=kind)  # fmt: skip
    return Response(
        data, mimetype=CSV_TYPE if kind == "csv" else XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{exports.filename(case, kind)}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


@bp.get("/cases/<int:case_id>/actions.xlsx")
@web.requires("actions.view")
def action_plan_xlsx(case_id: int):
    return _export(case_id, "xlsx")


@bp.get("/cases/<int:case_id>/actions.csv")
@web.requires("actions.view")
def action_plan_csv(case_id: int):
    return _export(case_id, "csv")


@bp.route("/cases/<int:case_id>/actions/new", methods=["GET", "POST"])
@web.requires("actions.manage")
def action_new(case_id: int):
    """A recommendation for the overview report, single or multi-agency."""
    sc = web.current_scope()
    s = db.Sessions()
    case = common.found(s, sc, Case, case_id)
    partnership = s.get(Partnership, case.partnership_id)
    form = pages.action_form(imr=False, agencies=_agencies(s, sc), partnership=partnership,
                             with_status=False)  # fmt: skip
    if form.validate_on_submit():
        try:
            with db.transaction() as t:
                plan.add(t, case.id, partnership, form.answers(), created_by=sc.user.id,
                         actor=common.actor(sc), client_address=web.client_address())  # fmt: skip
        except plan.ActionRefused as refused:
            form[refused.field].errors = [str(refused)]
        else:
            flash("The recommendation has been added to the action plan", "success")
            return redirect(url_for("console.action_plan", case_id=case.id))
    return render_template("console/actions/form.html", case=case, form=form, action=None)


def _answers(action: ActionItem) -> dict[str, Any]:
    return {
        "scope": action.scope.value, "agency_id": str(action.agency_id or ""),
        "recommendation": action.recommendation, "key_actions": action.key_actions,
        "evidence": action.evidence, "key_outcomes": action.key_outcomes,
        "lead_officer": action.lead_officer, "lead_officer_email": action.lead_officer_email,
        "target_date": action.target_date.isoformat() if action.target_date else None,
        "status": action.status.value, "progress": action.progress,
    }  # fmt: skip


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
@web.requires("actions.manage")
def action_edit(action_id: int):
    """Change an action: its wording (the officer's own), owner, lead officer, date, status."""
    sc = web.current_scope()
    s = db.Sessions()
    action = common.found(s, sc, ActionItem, action_id)
    case = common.found(s, sc, Case, action.case_id)
    form = pages.action_form(
        _answers(action) if request.method == "GET" else None,
        imr=action.source is ActionSource.IMR, agencies=_agencies(s, sc),
        partnership=s.get(Partnership, action.partnership_id), with_status=True,
    )  # fmt: skip
    if form.validate_on_submit():
        try:
            with db.transaction() as t:
                plan.change(t, action, form.answers(), actor=common.actor(sc),
                            client_address=web.client_address())  # fmt: skip
        except plan.ActionRefused as refused:
            s.rollback()
            form[refused.field].errors = [str(refused)]
        else:
            flash("The action has been changed", "success")
            return redirect(url_for("console.action_plan", case_id=case.id))
    return render_template("console/actions/form.html", case=case, form=form, action=action,
                           line=plan.lines(s, [action])[0])  # fmt: skip


@bp.get("/actions/overdue")
@web.requires("actions.view")
def actions_overdue():
    s = db.Sessions()
    sc = web.current_scope()
    return render_template("console/actions/overdue.html", rows=_rows(s, sc, _overdue(s, sc)))


def _rows(s: Session, sc: scope.Scope, actions: list[ActionItem]) -> list[dict[str, Any]]:
    cases = {c.id: c for c in s.scalars(sc.select(Case, Case.id.in_({a.case_id for a in actions})))}
    return [
        {"case": cases[a.case_id], "line": plan.lines(s, [a])[0], "action": a}
        for a in actions
        if a.case_id in cases
    ]


@attention_item("actions.view")
def _overdue_actions(s: Session, sc: scope.Scope) -> Iterator[Item]:
    yield Item(len(_overdue(s, sc)), "action overdue", "actions overdue",
               url_for("console.actions_overdue"))  # fmt: skip


@bp.app_template_global()
def overdue_actions() -> list[dict[str, Any]]:
    """The first overdue actions across the user's cases, for the dashboard's list."""
    sc = web.current_scope()
    s = db.Sessions()
    return _rows(s, sc, _overdue(s, sc)[:DASHBOARD_LIST])
