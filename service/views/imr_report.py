"""The IMR written in the service, through the agency's IMR link (the same visit as the rest of
the IMR form, ``imr_return``): how the report is sent (written here or uploaded), the
template's sections as pages of questions, the chronology and the action plan as rows
(``imr_report_rows``), and a check of the whole report with a preview of its PDF. Answers are
saved into the request's draft as each page is saved; the QA checklist follows as before.

The pages speak the agency's language, as the IMR form's other pages do, unless the visitor
chooses the other; the report's PDF (the preview, and what is sent) is written in English.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm

from forms import imr_report as catalogue
from forms import imr_report_pages as pages
from service import db, i18n
from service.imrs import links, report, report_pdf
from service.models import Agency, Case, ImrRequest
from service.views import journey, linked

bp = Blueprint("imr_report", __name__, url_prefix=f"{links.PATH}/report")
limit = linked.public_limit

#: The same visit as the IMR form's other pages (``imr_return``): its session key.
_link = linked.LinkedRequest(
    bp,
    check=links.check,
    session_key="imr_return",
    forget=("imr_return_sent",),
    problem_template="imr/link_problem.html",
    start_endpoint="imr_return.start",
    opened_action="imr.link_opened",
    object_type="imr_request",
    actor=lambda req: f"agency:{req.agency_id}",
)

#: The sections in the template's order, each with its page.
ORDER = [s.key for s in catalogue.SECTIONS]


def current() -> ImrRequest:
    """The request this browser's link opens; ``linked.LinkRefused`` if it no longer does. Its
    pages are in the agency's language unless the visitor chose another."""
    req = _link.current()
    linked.in_agency_language(req.agency_id)
    return req


def editing(req: ImrRequest) -> bool:
    """The report can be changed: before the first submission, or during a revision."""
    return req.draft is not None or not req.submissions


def context(req: ImrRequest, **kw: Any) -> dict[str, Any]:
    s = db.Sessions()
    return {
        "req": req,
        "case": s.get(Case, req.case_id),
        "agency": s.get(Agency, req.agency_id),
        "long_date": i18n.long_date,
        "sections": catalogue.SECTION,
        **report.context(s, req),
        **kw,
    }


def heading(section: catalogue.Section) -> str:
    """ "1. Cover sheet": a section's number and title, in the page's language."""
    return f"{section.number}. {section.title}"


def section_href(key: str) -> str:
    if key in catalogue.QUESTION_SECTIONS:
        return url_for("imr_report.section", key=key)
    return url_for(f"imr_report.{key}")


def after_save(key: str) -> Any:
    """The next section; the list of sections for "come back later"; the report's check page
    when the agency came from there."""
    if request.form.get("action") == "later":
        return redirect(url_for("imr_report.sections", saved=1))
    if journey.returning():
        return redirect(url_for("imr_report.review"))
    following = ORDER.index(key) + 1
    if following < len(ORDER):
        return redirect(section_href(ORDER[following]))
    return redirect(url_for("imr_report.review"))


def task_title(req: ImrRequest, problems: dict[str, Any]) -> str:
    """The IMR form's first task, named by how the report is sent."""
    if report.written(req):
        return gettext("Write your IMR report")
    return (
        gettext("Upload your IMR report")
        if "document" not in problems
        else gettext("Upload or write your IMR report")
    )


def task_href(req: ImrRequest) -> str:
    """Written here: the report's sections; otherwise the upload page (which offers this)."""
    return url_for("imr_report.sections" if report.written(req) else "imr_return.document")


def task_status(req: ImrRequest, problems: dict[str, Any]) -> str:
    """The IMR form's task "Your IMR report": written here or uploaded."""
    if report.written(req):
        if not report.report_of(req):
            return "Not yet started"
        return "In progress" if "report" in problems else "Completed"
    return "Completed" if "document" not in problems else "Not yet started"


# --- how the report is sent ------------------------------------------------------------------


@bp.route("", methods=["GET", "POST"])
@limit
def start():
    req = current()
    if not editing(req):
        return redirect(url_for("imr_return.start"))
    form = pages.WayForm()
    if request.method == "GET" and report.written(req):
        form.way.data = "write"
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        with db.transaction() as s:
            report.choose_way(s, req, form.way.data)
        if form.way.data == "upload":
            return redirect(url_for("imr_return.document"))
        return redirect(url_for("imr_report.sections"))
    return render_template(
        "imr/report/way.html",
        **context(req, form=form, timed_out=timed_out, has_errors=bool(form.errors) or timed_out),
    )


@bp.get("/sections")
def sections():
    req = current()
    if not editing(req):
        return redirect(url_for("imr_return.start"))
    written = report.report_of(req)
    found = report.problems(db.Sessions(), req)
    tasks = [
        {
            "title": heading(s),
            "href": section_href(s.key),
            "status": report.section_status(written, found, s.key),
        }
        for s in catalogue.SECTIONS
    ]
    row = links.current(db.Sessions(), req)
    return render_template(
        "imr/report/sections.html",
        **context(
            req, tasks=tasks, ready=not found, saved=request.args.get("saved") == "1",
            done=sum(1 for t in tasks if t["status"] == "Completed"),
            expires_at=row.expires_at if row else None,
        ),
    )  # fmt: skip


# --- the sections that are pages of questions ------------------------------------------------


@bp.route("/section/<key>", methods=["GET", "POST"])
@limit
def section(key: str):
    if key not in catalogue.QUESTION_SECTIONS:
        abort(404)
    req = current()
    if not editing(req):
        return redirect(url_for("imr_return.start"))
    ctx = report.context(db.Sessions(), req)
    answers = report.report_of(req).get(key) or {}
    form = pages.section_form(
        key, answers if request.method == "GET" else None, names=ctx["names"], terms=ctx["terms"]
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        with db.transaction() as s:
            report.save_section(s, req, key, form.answers())
        return after_save(key)
    return render_template(
        "imr/report/section.html",
        **context(
            req, form=form, key=key, section_info=catalogue.SECTION[key], timed_out=timed_out,
            returning=journey.returning(), has_errors=bool(form.errors) or timed_out,
        ),
    )  # fmt: skip


# --- the whole report ------------------------------------------------------------------------


def _problem_links(found: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "text": gettext("Complete ‘%(part)s’", part=heading(s)),
            "href": section_href(s.key),
        }
        for s in catalogue.SECTIONS
        if s.key in found
    ]


@bp.get("/review")
def review():
    """The whole report in the template's order, each answer with its "Change" link."""
    req = current()
    if not editing(req):
        return redirect(url_for("imr_return.start"))
    s = db.Sessions()
    ctx = report.context(s, req)
    found = report.problems_of(report.report_of(req), ctx)
    return render_template(
        "imr/report/review.html",
        **context(
            req,
            parts=catalogue.report_parts(report.report_of(req), names=ctx["names"],
                                         terms=ctx["terms"], people=ctx["people"]),
            problem_links=_problem_links(found),
            incomplete=bool(found),
            has_errors=bool(found),
            form=FlaskForm(),
        ),
    )  # fmt: skip


@bp.get("/preview.pdf")
def preview():
    """The report as its PDF will be, for the agency to read before sending it."""
    req = current()
    if not editing(req):
        return redirect(url_for("imr_return.start"))
    s = db.Sessions()
    version = (req.latest.version if req.latest else 0) + 1
    with i18n.speaking("en"):  # the document as the chair and the DHR officer will read it
        data = report_pdf.report_pdf(
            s, req, report.report_of(req), version=version, first_submitted=req.returned_at,
            revised=None, final=None,
        )  # fmt: skip
    case, agency = s.get(Case, req.case_id), s.get(Agency, req.agency_id)
    return linked.audited_download(
        req, data, action="imr.report_previewed", object_type="imr_request",
        filename=report_pdf.filename(case, agency, version).replace(".pdf", "-draft.pdf"),
    )  # fmt: skip


from service.views import imr_report_rows  # noqa: E402, F401  (adds the rows' pages to bp)
