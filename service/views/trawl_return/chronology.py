"""The return's chronology of contacts: its entries listed, one added, changed or removed, and
the CSV template and upload."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from forms import trawl_return as catalogue
from forms import trawl_return_pages as pages
from service.models import TrawlRequest
from service.trawls import return_form
from service.views import journey
from service.views.trawl_return import bp, context, current, editing, limit, render_page, save


@bp.get("/chronology")
@editing
def chronology(req: TrawlRequest):
    answers = return_form.draft_answers(req)
    full = len(return_form.entries(answers)) >= catalogue.MAX_CHRONOLOGY
    return render_template(
        "trawl_return/chronology.html",
        **context(req, items=return_form.chronology_items(req, answers),
                  imported=request.args.get("imported", type=int), returning=journey.returning(),
                  remove_form=FlaskForm(), full=full),
    )  # fmt: skip


@bp.route("/chronology/<int:index>", methods=["GET", "POST"])
@limit
@editing
def chronology_entry(req: TrawlRequest, index: int):
    """Add an entry (index = the number so far) or change one."""
    answers = return_form.draft_answers(req)
    if not return_form.may_have_entry(answers, index):
        abort(404)
    entries = return_form.entries(answers)
    existing = entries[index] if index < len(entries) else {}
    form = pages.chronology_form(
        return_form.people(req), existing if request.method == "GET" else None
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        save(req, return_form.with_entry(answers, index, form.answers()))
        if request.form.get("action") == "later":
            return redirect(url_for("trawl_return.saved"))
        return redirect(url_for("trawl_return.chronology", **request.args))
    trawl = req.trawl
    return render_page(
        "chronology_entry.html", req, form, timed_out, index=index,
        adding=index >= len(entries), scope_from=trawl.scope_from, scope_to=trawl.scope_to,
    )  # fmt: skip


@bp.post("/chronology/<int:index>/remove")
@limit
def chronology_remove(index: int):
    req = current()
    form = FlaskForm()
    if not return_form.editing(req) or not form.validate_on_submit():
        return redirect(url_for("trawl_return.chronology"))
    changed = return_form.without_entry(return_form.draft_answers(req), index)
    if changed is not None:
        save(req, changed)
    return redirect(url_for("trawl_return.chronology", **request.args))


@bp.get("/chronology/template.csv")
def chronology_template():
    current()
    return Response(
        catalogue.csv_template(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="chronology-template.csv"'},
    )


@bp.route("/chronology/upload", methods=["GET", "POST"])
@limit
@editing
def chronology_upload(req: TrawlRequest):
    answers = return_form.draft_answers(req)
    has_entries = bool(return_form.entries(answers))
    form = pages.upload_form(has_entries=has_entries)
    problems: list[str] = []
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    upload = request.files.get("file")
    if valid and not timed_out and form.accepts(upload):
        data = upload.stream.read(catalogue.CSV_MAX_BYTES + 1)
        try:
            changed, imported = return_form.with_imported(req, answers, data, form.chosen_mode)
        except catalogue.CsvRefused as exc:
            problems = exc.problems
            form.refused(problems)
        else:
            save(req, changed)
            return redirect(url_for("trawl_return.chronology", imported=imported))
    return render_page(
        "chronology_upload.html", req, form, timed_out, problems=problems,
        has_entries=has_entries,
    )  # fmt: skip
