"""Console: what a case's consent form asks. It asks about the suspect or perpetrator by
default; the officer or the case's chair can switch that off for the case, with a reason, and
on again. Each change is audited; it applies to the requests made after it.

The work is in ``service.consent.form_settings``; the case is read through the user's Scope.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for

from forms import consent as consent_forms
from service import db
from service.auth import identity, scope, web
from service.consent import form_settings
from service.models import Case, CaseStatus
from service.views.console import bp, common


@bp.context_processor
def _suspect_question_context() -> dict[str, Any]:
    return {"suspect_question": suspect_question}


def suspect_question(case_id: int) -> form_settings.SuspectQuestion | None:
    """The case's setting, for the consent pages; None for a user who cannot read consent."""
    user = web.current_user()
    if user is None or not scope.can(user, "consent.view"):
        return None
    return form_settings.setting(db.Sessions(), case_id)


@bp.route("/cases/<int:case_id>/consent/suspect-question", methods=["GET", "POST"])
@web.requires("consent.request")
def consent_suspect_question(case_id: int):
    """Whether the case's consent form asks about the suspect or perpetrator, and why not."""
    sc = web.current_scope()
    s = db.Sessions()
    case = common.found(s, sc, Case, case_id)
    back = url_for("console.consent", case_id=case.id)
    if case.status is not CaseStatus.OPEN:
        flash("This case is closed: what the consent form asks cannot be changed", "important")
        return redirect(back)
    current = form_settings.setting(s, case.id)
    form = consent_forms.SuspectQuestionForm()
    if not form.is_submitted():
        form.ask.data = consent_forms.YES if current.asked else consent_forms.NO
        form.reason.data = current.reason
    if form.validate_on_submit():
        ask = form.ask.data == consent_forms.YES
        try:
            with db.transaction() as t:
                changed = form_settings.change(
                    t, common.found(t, sc, Case, case_id), ask_about_suspect=ask,
                    reason=form.reason.data if not ask else None, user_id=sc.user.id,
                    actor=identity.actor_of(sc.user), client_address=web.client_address(),
                )  # fmt: skip
        except form_settings.SettingRefused as exc:
            form.reason.errors = [str(exc)]
        else:
            if changed:
                flash(
                    "Requests from now on ask about the suspect or perpetrator too"
                    if ask
                    else "Requests from now on ask only about the victim",
                    "success",
                )
            return redirect(back)
    return render_template(
        "console/consent_suspect_question.html", case=case, form=form, current=current
    ), (400 if form.errors else 200)
