"""The IMR's rows: the comprehensive agency chronology (add, change, remove, or a CSV upload
with the trawl return's template plus "Comments") and the single-agency action plan."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm

from forms import chronology_csv
from forms import imr_report as catalogue
from forms import imr_report_pages as pages
from service import db
from service.auth import web
from service.imrs import report
from service.views import journey
from service.views.imr_report import after_save, bp, context, current, editing, limit


def _heading(key: str, number: int) -> str:
    if key == "chronology":
        return gettext("Chronology entry %(number)s", number=number)
    return gettext("Action %(number)s", number=number)


def _title(key: str, index: int, adding: bool) -> str:
    """The page's title: adding a row, or changing one."""
    if key == "chronology":
        if adding:
            return gettext("Add chronology entry")
        return gettext("Change chronology entry %(number)s", number=index + 1)
    if adding:
        return gettext("Add action")
    return gettext("Change action %(number)s", number=index + 1)


def _form(key: str, ctx: dict[str, Any], answers: dict[str, Any] | None) -> FlaskForm:
    if key == "chronology":
        return pages.chronology_form(ctx["people"], answers, names=ctx["names"])
    return pages.action_form(answers, partnership=g.partnership)


def _questions(key: str, ctx: dict[str, Any]) -> list:
    if key == "chronology":
        return catalogue.chronology_questions(ctx["names"])
    return catalogue.ACTION_QUESTIONS


def _list(key: str):
    req = current()
    if not editing(req):
        return redirect(url_for("imr_return.start"))
    s = db.Sessions()
    ctx = report.context(s, req)
    rows = report.rows_of(req, key)
    if request.method == "POST" and FlaskForm().validate_on_submit():
        with db.transaction() as t:
            report.save_rows(t, req, key, rows)  # the section is done, even with no rows
        return after_save(key)
    items = [
        {"index": i, "heading": _heading(key, i + 1),
         "rows": catalogue.rows_of(_questions(key, ctx), row, ctx["people"])}
        for i, row in enumerate(rows)
    ]  # fmt: skip
    return render_template(
        f"imr/report/{key}.html",
        **context(req, key=key, items=items, form=FlaskForm(), remove_form=FlaskForm(),
                  imported=request.args.get("imported", type=int),
                  full=len(rows) >= report.ROWS[key], returning=journey.returning()),
    )  # fmt: skip


def _entry(key: str, index: int):
    req = current()
    if not editing(req):
        return redirect(url_for("imr_return.start"))
    rows = report.rows_of(req, key)
    if index > len(rows) or index >= report.ROWS[key]:
        abort(404)
    ctx = report.context(db.Sessions(), req)
    existing = rows[index] if index < len(rows) else {}
    form = _form(key, ctx, existing if request.method == "GET" else None)
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        with db.transaction() as s:
            report.put_row(s, req, key, index, form.answers())
        if request.form.get("action") == "later":
            return redirect(url_for("imr_report.sections", saved=1))
        return redirect(url_for(f"imr_report.{key}", **request.args))
    adding = index >= len(rows)
    title = _title(key, index, adding)
    return render_template(
        "imr/report/row.html",
        **context(req, key=key, form=form, index=index, title=title, timed_out=timed_out,
                  has_errors=bool(form.errors) or timed_out),
    )  # fmt: skip


def _remove(key: str, index: int):
    req = current()
    if editing(req) and FlaskForm().validate_on_submit():
        with db.transaction() as s:
            report.remove_row(s, req, key, index)
    return redirect(url_for(f"imr_report.{key}", **request.args))


# --- the chronology --------------------------------------------------------------------------


@bp.route("/chronology", methods=["GET", "POST"])
@limit
def chronology():
    return _list("chronology")


@bp.route("/chronology/<int:index>", methods=["GET", "POST"])
@limit
def chronology_entry(index: int):
    return _entry("chronology", index)


@bp.post("/chronology/<int:index>/remove")
@limit
def chronology_remove(index: int):
    return _remove("chronology", index)


@bp.get("/chronology/template.csv")
def chronology_template():
    current()
    return Response(
        report.csv_template(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="imr-chronology-template.csv"'},
    )


@bp.route("/chronology/upload", methods=["GET", "POST"])
@limit
def chronology_upload():
    req = current()
    if not editing(req):
        return redirect(url_for("imr_return.start"))
    has_rows = bool(report.rows_of(req, "chronology"))
    form = pages.UploadForm()
    problems: list[str] = []
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        upload = request.files.get("file")
        mode = form.mode.data if has_rows else "replace"
        if upload is None or not upload.filename:
            form.file.errors = [gettext("Select a CSV file")]
        elif not upload.filename.lower().endswith(".csv"):
            form.file.errors = [gettext("The selected file must be a CSV file")]
        elif mode not in ("add", "replace"):
            form.mode.errors = [
                gettext("Select whether to add the entries or replace the ones already there")
            ]
        else:
            ctx = report.context(db.Sessions(), req)
            try:
                with db.transaction() as s:
                    count = report.import_chronology(
                        s, req, upload.stream.read(chronology_csv.CSV_MAX_BYTES + 1),
                        names=ctx["names"], people=ctx["people"], replace_rows=mode == "replace",
                        client_address=web.client_address(),
                    )  # fmt: skip
            except chronology_csv.CsvRefused as exc:
                problems = exc.problems
                form.file.errors = [
                    problems[0] if len(problems) == 1
                    else gettext("The file has %(count)s problems: nothing was imported",
                                 count=len(problems))
                ]  # fmt: skip
            else:
                return redirect(url_for("imr_report.chronology", imported=count))
    return render_template(
        "imr/report/upload.html",
        **context(req, form=form, problems=problems, has_entries=has_rows, timed_out=timed_out,
                  has_errors=bool(form.errors) or bool(problems) or timed_out),
    )  # fmt: skip


# --- the action plan -------------------------------------------------------------------------


@bp.route("/actions", methods=["GET", "POST"])
@limit
def actions():
    return _list("actions")


@bp.route("/actions/<int:index>", methods=["GET", "POST"])
@limit
def actions_entry(index: int):
    return _entry("actions", index)


@bp.post("/actions/<int:index>/remove")
@limit
def actions_remove(index: int):
    return _remove("actions", index)
