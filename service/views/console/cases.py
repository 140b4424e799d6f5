"""Console: cases. Everyone with "cases.view" reads the cases the Scope lets them see (a chair,
only those assigned to them); every view of a case is audited. Officers assign chairs."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from forms.user import AssignChairForm
from mail import queueing
from service import audit, db
from service.auth import identity, scope, web
from service.models import Case, CaseChair, CaseStatus, Role, User, UserStatus
from service.views.console import bp, common

CHOOSE_FROM_LIST = "Select a chair from the list"


def status_tag(case: Case) -> dict[str, str]:
    if case.status is CaseStatus.OPEN:
        return {"text": "Open", "classes": "govuk-tag--blue"}
    return {"text": "Closed", "classes": "govuk-tag--grey"}


def chairs_of(s: Session, sc: scope.Scope, case_ids: list[int]) -> dict[int, list[CaseChair]]:
    """The chairs of each case, each row with its user loaded; both read through the Scope."""
    found: dict[int, list[CaseChair]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return found
    rows = s.scalars(
        sc.select(CaseChair, CaseChair.case_id.in_(case_ids))
        .join(CaseChair.user)
        .where(sc.where(User))
        .options(contains_eager(CaseChair.user))
        .order_by(CaseChair.assigned_at, CaseChair.id)
    )
    for row in rows:
        found[row.case_id].append(row)
    return found


@bp.get("/cases")
@web.requires("cases.view")
def cases():
    s = db.Sessions()
    sc = web.current_scope()
    rows = list(s.scalars(sc.select(Case).order_by(Case.created_at.desc(), Case.id.desc())))
    return render_template(
        "console/cases.html",
        cases=rows,
        chairs=chairs_of(s, sc, [c.id for c in rows]),
        status_tag=status_tag,
    )


def _visible_case(s: Session, sc: scope.Scope, case_id: int) -> Case:
    return common.found(s, sc, Case, case_id)


def _chair_choices(s: Session, sc: scope.Scope, assigned: list[CaseChair]) -> list[tuple]:
    taken = {row.user_id for row in assigned}
    candidates = s.scalars(
        sc.select(User, User.role == Role.CHAIR, User.status == UserStatus.ACTIVE).order_by(
            User.name, User.email
        )
    )
    return [
        (str(u.id), f"{u.name} ({u.email})" if u.name else u.email)
        for u in candidates
        if u.id not in taken
    ]


def _case_page(case_id: int, form: AssignChairForm | None):
    """The case page. Every time it is shown, the view is written to the audit trail."""
    sc = web.current_scope()
    with db.transaction() as s:
        case = _visible_case(s, sc, case_id)
        audit.record(
            s,
            "case.viewed",
            actor=identity.actor_of(sc.user),
            partnership_id=case.partnership_id,
            object_type="case",
            object_id=case.id,
            case_id=case.id,
            client_address=web.client_address(),
        )
    chairs = chairs_of(s, sc, [case.id])[case.id]
    if form is not None:
        form.user_id.choices = [("", "Choose a chair"), *_chair_choices(s, sc, chairs)]
    # Who may read the outbox may read what it never got.
    not_sent = queueing.not_sent_for_case(s, case.id) if scope.can(sc.user, "outbox.view") else []
    return render_template(
        "console/case.html",
        case=case,
        chairs=chairs,
        form=form,
        status=status_tag(case),
        not_sent=not_sent,
    )


@bp.get("/cases/<int:case_id>")
@web.requires("cases.view")
def case(case_id: int):
    can_edit = scope.can(web.current_user(), "cases.edit")
    return _case_page(case_id, AssignChairForm() if can_edit else None)


def _problem_with(s: Session, sc: scope.Scope, case: Case, chair: User | None) -> str | None:
    """Why ``chair`` (already looked up through the Scope) cannot be assigned to ``case``."""
    if (
        chair is None
        or chair.partnership_id != case.partnership_id
        or chair.role is not Role.CHAIR
        or chair.status is not UserStatus.ACTIVE
    ):
        return CHOOSE_FROM_LIST
    assigned = sc.select(CaseChair, CaseChair.case_id == case.id, CaseChair.user_id == chair.id)
    if s.scalar(assigned) is not None:
        return "They are already a chair of this case"
    return None


@bp.post("/cases/<int:case_id>/chairs")
@web.requires("cases.edit")
def case_assign_chair(case_id: int):
    sc = web.current_scope()
    form = AssignChairForm()
    if form.validate_on_submit():
        problem = None
        try:
            with db.transaction() as s:
                case = _visible_case(s, sc, case_id)
                # Never trust the submitted id: it must be a user this officer can see...
                chair = sc.get(s, User, form.user_id.data)
                # ...and an active chair of the case's own partnership.
                problem = _problem_with(s, sc, case, chair)
                if problem is None:
                    s.add(CaseChair(case_id=case.id, user_id=chair.id))
                    audit.record(
                        s,
                        "case.chair_assigned",
                        actor=identity.actor_of(sc.user),
                        partnership_id=case.partnership_id,
                        object_type="case",
                        object_id=case.id,
                        case_id=case.id,
                        client_address=web.client_address(),
                        user_id=chair.id,
                    )
                    label = chair.label
        except IntegrityError:  # assigned at the same moment by another request
            problem = "They are already a chair of this case"
        if problem is None:
            flash(f"{label} is now a chair of this case", "success")
            return redirect(url_for("console.case", case_id=case_id))
        form.user_id.errors = [problem]
    return _case_page(case_id, form)


@bp.post("/cases/<int:case_id>/chairs/<int:user_id>/remove")
@web.requires("cases.edit")
def case_remove_chair(case_id: int, user_id: int):
    sc = web.current_scope()
    with db.transaction() as s:
        case = _visible_case(s, sc, case_id)
        row = s.scalar(
            sc.select(CaseChair, CaseChair.case_id == case.id, CaseChair.user_id == user_id)
        )
        if row is None:
            abort(404)
        label = row.user.label
        s.delete(row)
        audit.record(
            s,
            "case.chair_removed",
            actor=identity.actor_of(sc.user),
            partnership_id=case.partnership_id,
            object_type="case",
            object_id=case.id,
            case_id=case.id,
            client_address=web.client_address(),
            user_id=user_id,
        )
    flash(f"{label} is no longer a chair of this case", "success")
    return redirect(url_for("console.case", case_id=case_id))
