"""Console: closing a case, legal holds, deferring a deletion, the archive of a case's complete
record, and the subject access search. Each view parses, calls one function of
``service.retention`` and renders; every action and every export is audited."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from forms.retention import CloseCaseForm, DeferDeletionForm, LegalHoldForm, SubjectAccessForm
from service import clock, db
from service.auth import scope, web
from service.models import Case, CaseClosure, CaseOutcome, CaseStatus
from service.retention import archive, closing, holds, notices, schedule, subject_access
from service.reviews import report_stage
from service.views.console import bp, common


def _case(s, sc, case_id: int) -> Case:  # noqa: ANN001
    return common.found(s, sc, Case, case_id)


def _close_defaults(s, case: Case) -> dict[str, Any] | None:  # noqa: ANN001
    """A published report's outcome and date, to start the close page with."""
    found = report_stage.close_defaults(s, case)
    if not found:
        return None
    day = found["ended_on"]
    parts = {"day": str(day.day), "month": str(day.month), "year": str(day.year)}
    return {"outcome": found["outcome"], "ended_on": parts}


@bp.context_processor
def _retention_context() -> dict[str, Any]:
    return {"retention_of": retention_of, "retention_due": retention_due}


def retention_of(case_id: int) -> dict[str, Any]:
    """What the case page says about keeping the case (read through the user's Scope)."""
    user = web.current_user()
    if user is None:
        return {}
    s, sc = db.Sessions(), scope.Scope(user)
    closure = s.scalar(sc.select(CaseClosure, CaseClosure.case_id == case_id))
    hold = holds.current(s, case_id) if sc.get(s, Case, case_id) is not None else None
    return {
        "closure": closure,
        "hold": hold,
        "outcome": closing.OUTCOME_LABELS.get(closure.outcome) if closure else None,
        "rules": schedule.of(s, user.partnership_id),
    }


def retention_due() -> list[notices.Due]:
    """The cases due for deletion within 30 days, for the dashboard."""
    user = web.current_user()
    if user is None or not scope.can(user, "retention.manage"):
        return []
    sc = scope.Scope(user)
    visible = sc.select(Case).with_only_columns(Case.id)
    return notices.due_within(db.Sessions(), visible, clock.now())


@bp.route("/cases/<int:case_id>/close", methods=["GET", "POST"])
@web.requires("retention.manage")
def case_close(case_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    if case.status is not CaseStatus.OPEN:
        flash("This case is already closed", "important")
        return redirect(url_for("console.case", case_id=case.id))
    form = CloseCaseForm(data=_close_defaults(s, case) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            with db.transaction() as t:
                closing.close(
                    t, _case(t, sc, case_id), outcome=CaseOutcome(form.outcome.data),
                    ended_on=form.ended_on.date, user_id=sc.user.id, actor=common.actor(sc),
                    client_address=web.client_address(),
                )  # fmt: skip
        except closing.CloseRefused as exc:
            form.ended_on.errors = [str(exc)]
        else:
            flash("The case is closed", "success")
            return redirect(url_for("console.case", case_id=case_id))
    rules = schedule.of(s, case.partnership_id)
    return render_template("console/retention_close.html", case=case, form=form, rules=rules)


@bp.route("/cases/<int:case_id>/legal-hold", methods=["GET", "POST"])
@web.requires("retention.manage")
def case_legal_hold(case_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    form = LegalHoldForm()
    if form.validate_on_submit():
        try:
            with db.transaction() as t:
                holds.place(t, _case(t, sc, case_id), reason=form.reason.data,
                            user_id=sc.user.id, actor=common.actor(sc),
                            client_address=web.client_address())  # fmt: skip
        except holds.HoldRefused as exc:
            form.reason.errors = [str(exc)]
        else:
            flash("The case is under a legal hold: nothing of it will be deleted", "success")
            return redirect(url_for("console.case", case_id=case_id))
    return render_template("console/retention_hold.html", case=case, form=form)


@bp.post("/cases/<int:case_id>/legal-hold/lift")
@web.requires("retention.manage")
def case_legal_hold_lift(case_id: int):
    sc = web.current_scope()
    try:
        with db.transaction() as t:
            holds.lift(t, _case(t, sc, case_id), user_id=sc.user.id, actor=common.actor(sc),
                       client_address=web.client_address())  # fmt: skip
    except holds.HoldRefused as exc:
        flash(str(exc), "important")
    else:
        flash("The legal hold is lifted", "success")
    return redirect(url_for("console.case", case_id=case_id))


@bp.route("/cases/<int:case_id>/deletion/defer", methods=["GET", "POST"])
@web.requires("retention.manage")
def case_deletion_defer(case_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    closure = s.scalar(sc.select(CaseClosure, CaseClosure.case_id == case.id))
    form = DeferDeletionForm()
    rules = schedule.of(s, case.partnership_id)
    can_defer = closure is not None and closure.deleted_at is None and closure.deferred_at is None
    if can_defer and form.validate_on_submit():
        try:
            with db.transaction() as t:
                notices.defer(t, _case(t, sc, case_id), reason=form.reason.data,
                              user_id=sc.user.id, actor=common.actor(sc),
                              client_address=web.client_address())  # fmt: skip
        except notices.DeferralRefused as exc:
            form.reason.errors = [str(exc)]
        else:
            flash("The deletion is deferred", "success")
            return redirect(url_for("console.case", case_id=case_id))
    new_date = (
        schedule.deferred_moment(rules, clock.as_utc(closure.delete_at)) if can_defer else None
    )
    return render_template("console/retention_defer.html", case=case, form=form,
                           closure=closure, can_defer=can_defer, new_date=new_date)  # fmt: skip


@bp.post("/cases/<int:case_id>/archive")
@web.requires("retention.archive")
def case_archive(case_id: int):
    """The case's complete record as one ZIP. Audited."""
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    data = archive.build(s, case)
    with db.transaction() as t:
        common.record(t, sc, "case.archive_downloaded", object_type="case", object_id=case.id,
                      case_id=case.id, size=len(data))  # fmt: skip
    return Response(
        data,
        mimetype=archive.CONTENT_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{archive.filename(case)}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


@bp.route("/subject-access", methods=["GET", "POST"])
@web.requires("subject_access.search")
def subject_access_search():
    """Where a person appears in the partnership's cases. The search is audited, without the
    name (the form is posted, so the name is never in an address or a log)."""
    sc = web.current_scope()
    form = SubjectAccessForm()
    results = None
    if form.validate_on_submit():
        s = db.Sessions()
        results = subject_access.search(s, sc, form.name.data, form.date_of_birth.date)
        with db.transaction() as t:
            common.record(t, sc, "subject_access.searched", object_type=None, object_id=None,
                          case_id=None, with_date_of_birth=form.date_of_birth.date is not None,
                          found=len(results))  # fmt: skip
    return render_template("console/subject_access.html", form=form, results=results)
