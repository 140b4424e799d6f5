"""Console: referrals. Officers and viewers read the partnership's submitted referrals (never a
draft); every view and download of one is audited. Officers record the decision (sections 2 and
3 of the form) and open the case from a referral that meets the criteria."""

from __future__ import annotations

import io
from datetime import date

from flask import abort, flash, redirect, render_template, send_file, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forms import referral as catalogue
from forms import referral_declaration
from forms.referral_decision import DATES, DecisionForm, clean, initial_data
from service import audit, clock, db
from service.auth import identity, scope, web
from service.models import Case, Partnership, Referral, ReferralStatus
from service.referrals import decisions
from service.views.console import bp, initial_requests

#: Opening a case retries this many times when another case took the same number meanwhile.
OPEN_ATTEMPTS = 3


def status_tag(referral: Referral) -> dict[str, str]:
    if referral.status is ReferralStatus.ACCEPTED:
        return {"text": "Accepted", "classes": "govuk-tag--green"}
    if referral.status is ReferralStatus.NOT_ACCEPTED:
        return {"text": "Not accepted", "classes": "govuk-tag--grey"}
    if decisions.awaiting_case(referral):
        return {"text": "Meets the criteria", "classes": "govuk-tag--turquoise"}
    return {"text": "New", "classes": "govuk-tag--blue"}


def _received_on(referral: Referral) -> date | None:
    moment = clock.as_utc(referral.submitted_at)
    return moment.astimezone(clock.LONDON).date() if moment else None


def _visible_referral(s: Session, sc: scope.Scope, referral_id: int) -> Referral:
    """A submitted referral the user may see; 404 for anything else, drafts included."""
    referral = sc.get(s, Referral, referral_id)
    if referral is None or referral.status is ReferralStatus.DRAFT:
        abort(404)
    return referral


def _record(s: Session, sc: scope.Scope, action: str, referral: Referral, **detail) -> None:
    audit.record(
        s,
        action,
        actor=identity.actor_of(sc.user),
        partnership_id=referral.partnership_id,
        object_type="referral",
        object_id=referral.id,
        case_id=referral.case_id,
        client_address=web.client_address(),
        **detail,
    )


def _case_of(s: Session, sc: scope.Scope, referral: Referral) -> Case | None:
    return sc.get(s, Case, referral.case_id) if referral.case_id else None


@bp.get("/referrals")
@web.requires("referrals.view")
def referrals():
    s = db.Sessions()
    sc = web.current_scope()
    rows = list(
        s.scalars(
            sc.select(Referral, Referral.status != ReferralStatus.DRAFT).order_by(
                Referral.submitted_at.desc(), Referral.id.desc()
            )
        )
    )
    case_ids = [r.case_id for r in rows if r.case_id]
    cases = {c.id: c for c in s.scalars(sc.select(Case, Case.id.in_(case_ids)))} if case_ids else {}
    now = clock.now()
    return render_template(
        "console/referrals.html",
        referrals=rows,
        cases=cases,
        status_tag=status_tag,
        overdue=lambda r: decisions.is_overdue(r, now),
    )


@bp.get("/referrals/<int:referral_id>")
@web.requires("referrals.view")
def referral(referral_id: int):
    """The whole referral, the guidance on the criteria, and the decision. Audited."""
    sc = web.current_scope()
    with db.transaction() as s:
        found = _visible_referral(s, sc, referral_id)
        _record(s, sc, "referral.viewed", found)
    answers = found.answers or {}
    appears, reasons = catalogue.appears_to_meet_criteria(answers)
    return render_template(
        "console/referral.html",
        referral=found,
        status=status_tag(found),
        overdue=decisions.is_overdue(found),
        awaiting_case=decisions.awaiting_case(found),
        case=_case_of(s, sc, found),
        deceased_name=answers.get("deceased_name"),
        age=catalogue.age_at(answers.get("deceased_dob"), answers.get("deceased_date_of_death")),
        appears=appears,
        reasons=reasons,
        sections=catalogue.answer_rows(answers),
        declaration=referral_declaration.rows(answers),
        dates=DATES,
        **initial_requests.information(s, sc, found),
    )


@bp.get("/referrals/<int:referral_id>/referral.pdf")
@web.requires("referrals.view")
def referral_pdf(referral_id: int):
    """The referral as a PDF. Audited."""
    from service.referrals.pdf import render_referral_pdf

    sc = web.current_scope()
    s = db.Sessions()
    found = _visible_referral(s, sc, referral_id)
    partnership = sc.get(s, Partnership, found.partnership_id)
    if partnership is None:
        abort(404)
    data = render_referral_pdf(found, partnership)
    with db.transaction() as s:
        found = _visible_referral(s, sc, referral_id)
        _record(s, sc, "referral.downloaded", found)
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"referral-{found.reference}.pdf",
    )


@bp.route("/referrals/<int:referral_id>/decision", methods=["GET", "POST"])
@web.requires("referrals.decide")
def referral_decision(referral_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    found = _visible_referral(s, sc, referral_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            with db.transaction() as s:
                found = _visible_referral(s, sc, referral_id)
                decisions.record_decision(
                    s,
                    found,
                    **clean(form),
                    actor=identity.actor_of(sc.user),
                    client_address=web.client_address(),
                )
        except decisions.DecisionRefused as exc:
            form.meets_criteria.errors = [str(exc)]
        else:
            flash("The decision has been recorded", "success")
            return redirect(url_for("console.referral", referral_id=referral_id))
    elif not form.is_submitted():
        answers = found.answers or {}
        form.process(
            data=initial_data(
                {name: getattr(found, name) for name in decisions.DECISION_FIELDS},
                received=_received_on(found),
                people=decisions.relevant_people_text(answers),
            )
        )
        # The form shows the referral's names: the view is audited as the referral page is.
        with db.transaction() as s:
            found = _visible_referral(s, sc, referral_id)
            _record(s, sc, "referral.viewed", found, page="decision")
    return render_template(
        "console/referral_decision.html",
        referral=found,
        form=form,
        **initial_requests.information(s, sc, found),
    )


@bp.post("/referrals/<int:referral_id>/open-case")
@web.requires("referrals.decide")
def referral_open_case(referral_id: int):
    sc = web.current_scope()
    for attempt in range(OPEN_ATTEMPTS):
        try:
            with db.transaction() as s:
                found = _visible_referral(s, sc, referral_id)
                case = decisions.open_case(
                    s, found, actor=identity.actor_of(sc.user), client_address=web.client_address()
                )
                reference, case_id = case.reference, case.id
        except decisions.DecisionRefused as exc:
            flash(str(exc), "important")
            return redirect(url_for("console.referral", referral_id=referral_id))
        except IntegrityError:  # another case took the same number: take the next
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            continue
        break
    flash(f"Case {reference} has been opened", "success")
    return redirect(url_for("console.case", case_id=case_id))
