"""Console: the collated summary of a case's returns (``service.summaries``): the page, its PDF,
the agency table and the chronology as CSV and XLSX, the whole summary as JSON, and the
officer's choice of agencies to recommend for the panel. Every view and download is audited;
every row is read through the user's Scope.
"""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import func
from sqlalchemy.orm import Session

from forms.summary_panel import AGENCIES_REQUIRED, PanelAgenciesForm
from service import db
from service.auth import scope, web
from service.models import Agency, Case
from service.summaries import cache, documents, exports, schema
from service.summaries.build import Summary, build
from service.views.console import bp, common

JSON_TYPE = "application/json"
#: How often the "being prepared" page refreshes itself, in seconds.
PREPARING_REFRESH = 5


def _case(s: Session, sc: scope.Scope, case_id: int) -> Case:
    return common.found(s, sc, Case, case_id)


def _download(data: bytes | str, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _summary(case_id: int, action: str, **detail: str) -> tuple[Case, Summary]:
    """The case's summary, with the audit event for reading it."""
    sc = web.current_scope()
    with db.transaction() as s:
        case = _case(s, sc, case_id)
        summary = build(s, case)
        common.record(s, sc, action, object_type="case", object_id=case.id, case_id=case.id,
                      **detail)  # fmt: skip
    return case, summary


@bp.get("/cases/<int:case_id>/summary")
@web.requires("summaries.view")
def summary(case_id: int):
    """The summary page (printable). Audited."""
    case, found = _summary(case_id, "summary.viewed")
    user = web.current_scope().user
    return render_template(
        "console/summary.html",
        case=case,
        summary=found,
        change_panel_url=url_for("console.summary_panel", case_id=case.id)
        if scope.can(user, "summaries.adjust")
        else "",
        send_url=url_for("console.summary_send", case_id=case.id)
        if scope.can(user, "summaries.send")
        else "",
    )


@bp.get("/cases/<int:case_id>/summary.pdf")
@web.requires("summaries.view")
def summary_pdf(case_id: int):
    """The summary as a PDF: the kept one when nothing has changed, else made now (a small
    one) or by a worker, this page saying so and refreshing itself until it is ready. Audited
    when downloaded."""
    sc = web.current_scope()
    case = _case(db.Sessions(), sc, case_id)
    data = cache.prepare(case.id)  # outside any transaction
    if data is None:
        return render_template(
            "console/summary_preparing.html",
            case=case,
            refresh_seconds=PREPARING_REFRESH,
            back={
                "text": "Back to the summary",
                "href": url_for("console.summary", case_id=case.id),
            },
        )
    with db.transaction() as s:
        case = _case(s, sc, case_id)
        common.record(s, sc, "summary.downloaded", object_type="case", object_id=case.id,
                      case_id=case.id, format="pdf")  # fmt: skip
    return _download(data, documents.PDF_CONTENT_TYPE, documents.pdf_filename(case))


def _table(case_id: int, table: str, kind: str) -> Response:
    case, found = _summary(case_id, "summary.exported", table=table, format=kind)
    data = exports.export(found, table, kind)
    mimetype = exports.CSV_TYPE if kind == "csv" else exports.XLSX_TYPE
    return _download(data, mimetype, exports.filename(case, table, kind))


@bp.get("/cases/<int:case_id>/summary/agencies.csv")
@web.requires("summaries.view")
def summary_agencies_csv(case_id: int):
    return _table(case_id, "agencies", "csv")


@bp.get("/cases/<int:case_id>/summary/agencies.xlsx")
@web.requires("summaries.view")
def summary_agencies_xlsx(case_id: int):
    return _table(case_id, "agencies", "xlsx")


@bp.get("/cases/<int:case_id>/summary/chronology.csv")
@web.requires("summaries.view")
def summary_chronology_csv(case_id: int):
    return _table(case_id, "chronology", "csv")


@bp.get("/cases/<int:case_id>/summary/chronology.xlsx")
@web.requires("summaries.view")
def summary_chronology_xlsx(case_id: int):
    return _table(case_id, "chronology", "xlsx")


@bp.get("/cases/<int:case_id>/summary.json")
@web.requires("summaries.view")
def summary_json(case_id: int):
    """The whole summary as JSON (``service.summaries.schema``). Audited."""
    case, found = _summary(case_id, "summary.exported", table="summary", format="json")
    body = json.dumps(schema.dump(found), ensure_ascii=False, indent=2)
    return _download(body, JSON_TYPE, exports.filename(case, "summary", "json"))


# --- the recommended panel agencies -----------------------------------------------------------


def _agencies(s: Session, sc: scope.Scope) -> list[Agency]:
    return list(s.scalars(sc.select(Agency).order_by(func.lower(Agency.name), Agency.id)))


@bp.route("/cases/<int:case_id>/summary/panel", methods=["GET", "POST"])
@web.requires("summaries.adjust")
def summary_panel(case_id: int):
    """Choose the agencies to recommend for the panel, or go back to the recommendation from
    the returns (the agencies with involvement). Audited."""
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    every = _agencies(s, sc)
    form = PanelAgenciesForm()
    form.agencies.choices = [(str(a.id), a.name) for a in every]
    if form.validate_on_submit():
        if request.form.get("action") == "reset":
            with db.transaction() as t:
                case = _case(t, sc, case_id)
                case.panel_agency_ids = None
                common.record(t, sc, "summary.panel_reset", object_type="case",
                              object_id=case.id, case_id=case.id)  # fmt: skip
            flash("The agencies with involvement are recommended again", "success")
            return redirect(url_for("console.summary", case_id=case_id) + "#panel")
        wanted = {str(v) for v in form.agencies.data or ()}
        chosen = [a.id for a in every if str(a.id) in wanted]
        if chosen:
            with db.transaction() as t:
                case = _case(t, sc, case_id)
                case.panel_agency_ids = chosen
                common.record(t, sc, "summary.panel_adjusted", object_type="case",
                              object_id=case.id, case_id=case.id, agencies=chosen)  # fmt: skip
            flash("The recommended panel agencies have been changed", "success")
            return redirect(url_for("console.summary", case_id=case_id) + "#panel")
        form.agencies.errors = [AGENCIES_REQUIRED]
    found = build(s, case)
    if not form.is_submitted():
        form.agencies.data = [str(i) for i in found.panel.agency_ids]
    return render_template(
        "console/summary_panel.html",
        case=case,
        form=form,
        agencies=every,
        panel=found.panel,
    )
