"""Console: what the IMRs written in the service need from the officer: the case's numbered
terms of reference (each IMR answers them one by one) and the officer's own columns on the
merged chronology (management review comment, panel notes), kept across rebuilds. Every row is
read through the user's Scope; every change is audited.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from forms.officer_imr import NoteForm, TermsForm
from service import db
from service.auth import web
from service.imrs import report, terms
from service.models import Case, ChronologyNote
from service.summaries import notes
from service.summaries.build import build
from service.views.console import bp, common


@bp.route("/cases/<int:case_id>/terms", methods=["GET", "POST"])
@web.requires("terms.edit")
def case_terms(case_id: int):
    """The terms of reference, one on each line, numbered in that order."""
    sc = web.current_scope()
    s = db.Sessions()
    case = common.found(s, sc, Case, case_id)
    form = TermsForm()
    if form.validate_on_submit():
        try:
            with db.transaction() as t:
                terms.set_terms(
                    t, common.found(t, sc, Case, case_id), terms.parse(form.terms.data),
                    actor=common.actor(sc), client_address=web.client_address(),
                )  # fmt: skip
        except terms.TermsRefused as refused:
            form.terms.errors = [str(refused)]
        else:
            flash("The terms of reference have been saved", "success")
            return redirect(url_for("console.case", case_id=case_id))
    current = report.terms_of(s, case.id)
    if not form.is_submitted():
        form.terms.data = "\n".join(current)
    return render_template("console/imr_terms.html", case=case, form=form, terms=current)


@bp.get("/cases/<int:case_id>/chronology")
@web.requires("summaries.view")
def case_chronology(case_id: int):
    """The merged chronology with the officer's columns, each row's to fill in."""
    sc = web.current_scope()
    with db.transaction() as s:
        case = common.found(s, sc, Case, case_id)
        summary = build(s, case)
        common.record(s, sc, "summary.viewed", object_type="case", object_id=case.id,
                      case_id=case.id, part="chronology")  # fmt: skip
    return render_template("console/imr_chronology.html", case=case, entries=summary.chronology)


@bp.route("/cases/<int:case_id>/chronology/<key>", methods=["GET", "POST"])
@web.requires("chronology.annotate")
def case_chronology_note(case_id: int, key: str):
    """The management review officer's comment and the panel's notes on one row."""
    sc = web.current_scope()
    s = db.Sessions()
    case = common.found(s, sc, Case, case_id)
    entry = notes.entry(build(s, case).chronology, key)
    if entry is None:
        abort(404)
    form = NoteForm()
    if form.validate_on_submit():
        with db.transaction() as t:
            notes.save(
                t, common.found(t, sc, Case, case_id), key,
                management_comment=form.management_comment.data,
                panel_notes=form.panel_notes.data, user_id=sc.user.id, actor=common.actor(sc),
                client_address=web.client_address(),
            )  # fmt: skip
        flash(f"Your notes on entry {entry.number} have been saved", "success")
        return redirect(url_for("console.case_chronology", case_id=case_id) + f"#entry-{key}")
    if not form.is_submitted():
        note = s.scalar(
            sc.select(ChronologyNote, ChronologyNote.case_id == case.id,
                      ChronologyNote.row_key == key)
        )  # fmt: skip
        if note is not None:
            form.management_comment.data = note.management_comment
            form.panel_notes.data = note.panel_notes
    return render_template("console/imr_chronology_note.html", case=case, entry=entry, form=form)
