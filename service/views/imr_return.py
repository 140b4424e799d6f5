"""The agency's IMR form, opened from the link in the request email.

The link's token is checked, kept on the server for this browser's visit (``linked``) and taken out
of the address bar; every page checks it again, so a revoked or expired link stops working at once.
Any refused link gets one and the same page, whatever the reason, and it shows nothing of the case.

Pages: a start page with the case reference, the due date, the terms of reference and a task
list; the IMR report upload; the quality assurance checklist (the agency and who completes it,
the anonymised details, the 15 criteria on three pages, the signature); check your answers,
with "this is the final version"; a confirmation. Answers are saved as a draft on the request
as each page is saved, so the agency can come back through the same link. After submitting, the
same link opens a revised IMR, which becomes the next version. Every page works without
JavaScript.

Where the partnership offers Welsh and English, the pages speak the agency's language (the one
its emails are in) unless the visitor chooses the other with the language switcher; the answers
are kept whichever language they were given in. What is sent (the QA checklist's PDF, the
emails to the chair and the DHR officer) is written in English.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from forms import imr as catalogue
from forms import imr_pages
from service import db, i18n, uploads
from service.auth import web
from service.imrs import links, report, requesting, submission
from service.models import Agency, Case, ImrRequest, ImrSubmission, Partnership, StoredFile
from service.views import imr_tasks, journey, linked

bp = Blueprint("imr_return", __name__, url_prefix=links.PATH)

SESSION_KEY = "imr_return"
SENT_KEY = "imr_return_sent"
limit = linked.public_limit

#: The form's pages in order: "Save and continue" on each goes to the next.
PAGES = ["document", "details", "anonymised", "criteria-1", "criteria-2", "criteria-3",
         "signature", "check"]  # fmt: skip


_link = linked.LinkedRequest(
    bp,
    check=links.check,
    session_key=SESSION_KEY,
    forget=(SENT_KEY,),
    token_in_query=True,
    problem_template="imr/link_problem.html",
    start_endpoint="imr_return.start",
    opened_action="imr.link_opened",
    object_type="imr_request",
    actor=lambda req: f"agency:{req.agency_id}",
)
LinkRefused = linked.LinkRefused


# --- the request behind the link -------------------------------------------------------------


def _current() -> ImrRequest:
    """The request this browser's link opens; LinkRefused if it no longer does. Its pages are
    in the agency's language unless the visitor chose another."""
    req = _link.current()
    linked.in_agency_language(req.agency_id)
    return req


def _refusal(refused: uploads.UploadRefused) -> str:
    """Why the upload was refused, in the page's language (``service.uploads`` says it in
    English, from the few messages it has)."""
    size = uploads.size_text(uploads.IMR_MAX_BYTES)
    known = {
        uploads.MESSAGE_INFECTED: gettext(
            "The selected file contains a virus and has not been saved"
        ),
        uploads.MESSAGE_UNAVAILABLE: gettext(
            "The file could not be checked for viruses. Try again later"
        ),
        "The selected file is empty": gettext("The selected file is empty"),
        f"The file must be smaller than {size}": gettext(
            "The file must be smaller than %(size)s", size=size
        ),
        f"The selected file must be {uploads.describe(uploads.IMR_TYPES)}": gettext(
            "The selected file must be a PDF or Word document (DOCX)"
        ),
    }
    return known.get(refused.message, refused.message)


def _editing(req: ImrRequest) -> bool:
    """Answers can be changed: before the first submission, or during a revision."""
    return req.draft is not None or not req.submissions


def _checklist(req: ImrRequest) -> dict[str, Any]:
    return dict((req.draft or {}).get("checklist") or {})


def _context(req: ImrRequest, **kw: Any) -> dict[str, Any]:
    s = db.Sessions()
    return {
        "req": req,
        "case": s.get(Case, req.case_id),
        "agency": s.get(Agency, req.agency_id),
        "long_date": i18n.long_date,
        **kw,
    }


def _after_save(page: str) -> Any:
    """The next page, or check your answers when the agency came from there."""
    if journey.returning():
        return redirect(url_for("imr_return.check"))
    following = PAGES[PAGES.index(page) + 1]
    if following.startswith("criteria-"):
        return redirect(url_for("imr_return.criteria", part=int(following[-1])))
    return redirect(url_for(f"imr_return.{following}"))


def _render_page(template: str, req: ImrRequest, form: FlaskForm, timed_out: bool, **kw: Any):
    return render_template(
        f"imr/{template}",
        **_context(req, form=form, timed_out=timed_out, returning=journey.returning(),
                   has_errors=bool(form.errors) or timed_out, **kw),
    )  # fmt: skip


def _save_checklist(req: ImrRequest, part: dict[str, Any]) -> None:
    with db.transaction() as s:
        submission.save_checklist(s, req, part)


# --- the start page --------------------------------------------------------------------------


@bp.get("/start")
def start():
    req = _current()
    s = db.Sessions()
    editing = _editing(req)
    problems = submission.problems(s, req) if editing else {}
    tasks = imr_tasks.tasks(req, problems, _checklist(req)) if editing else []
    terms = s.get(StoredFile, req.terms_of_reference_id) if req.terms_of_reference_id else None
    return render_template(
        "imr/start.html",
        **_context(
            req,
            editing=editing,
            latest=req.latest,
            tasks=tasks,
            ready=editing and not problems,
            done=sum(1 for t in tasks if t["status"] == "Completed"),
            terms=terms,
            action_form=FlaskForm(),
        ),
    )


@bp.get("/terms-of-reference")
def terms_of_reference():
    """The terms of reference the request was sent with, for whoever holds the link."""
    req = _current()
    s = db.Sessions()
    terms = s.get(StoredFile, req.terms_of_reference_id) if req.terms_of_reference_id else None
    if terms is None or terms.partnership_id != req.partnership_id:
        abort(404)
    case = s.get(Case, req.case_id)
    data, content_type = terms.data, terms.content_type
    response = linked.audited_download(
        req, data, action="imr.terms_downloaded", object_type="imr_request",
        filename=requesting.terms_filename(case, terms), mimetype=content_type,
    )  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the IMR report --------------------------------------------------------------------------


@bp.route("/document", methods=["GET", "POST"])
@limit
@uploads.allow_upload(uploads.IMR_MAX_BYTES)
def document():
    req = _current()
    if not _editing(req):
        return redirect(url_for("imr_return.start"))
    form = imr_pages.DocumentForm()
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        upload = request.files.get("document")
        if upload is None or not upload.filename:
            if submission.draft_document(db.Sessions(), req) is not None:
                return _after_save("document")  # keeping the one already uploaded
            form.document.errors = [gettext("Select your IMR report")]
        else:
            data = upload.stream.read(uploads.IMR_MAX_BYTES + 1)
            try:
                with db.transaction() as s:
                    submission.upload_document(
                        s, req, filename=upload.filename, data=data,
                        client_address=web.client_address(),
                    )  # fmt: skip
            except uploads.UploadRefused as refused:
                form.document.errors = [_refusal(refused)]
            else:
                return _after_save("document")
    return _render_page(
        "document.html", req, form, timed_out,
        current=submission.draft_document(db.Sessions(), req),
        max_size=uploads.size_text(uploads.IMR_MAX_BYTES),
    )  # fmt: skip


# --- the QA checklist ------------------------------------------------------------------------


@bp.route("/details", methods=["GET", "POST"])
@limit
def details():
    req = _current()
    if not _editing(req):
        return redirect(url_for("imr_return.start"))
    checklist = _checklist(req)
    if request.method == "GET" and not checklist.get("agency"):
        # The agency asked, to start with: the QA manager may name a part of it.
        checklist["agency"] = db.Sessions.get(Agency, req.agency_id).name
    form = imr_pages.details_form(
        checklist if request.method == "GET" else None, partnership=g.partnership
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        _save_checklist(req, imr_pages.details_answers(form))
        return _after_save("details")
    return _render_page("details.html", req, form, timed_out)


@bp.route("/anonymised", methods=["GET", "POST"])
@limit
def anonymised():
    req = _current()
    if not _editing(req):
        return redirect(url_for("imr_return.start"))
    names = report.names_of(g.partnership)
    form = imr_pages.anonymised_form(
        _checklist(req) if request.method == "GET" else None, names=names
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        _save_checklist(req, {"anonymised": form.answers()})
        return _after_save("anonymised")
    return _render_page("anonymised.html", req, form, timed_out, names=names,
                        heading=catalogue.anonymised_heading(names))  # fmt: skip


@bp.route("/criteria/<int:part>", methods=["GET", "POST"])
@limit
def criteria(part: int):
    req = _current()
    if not 1 <= part <= len(catalogue.CRITERIA_PAGES):
        abort(404)
    if not _editing(req):
        return redirect(url_for("imr_return.start"))
    form = imr_pages.criteria_form(part, _checklist(req) if request.method == "GET" else None)
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        _save_checklist(req, {"criteria": form.answers()})
        return _after_save(f"criteria-{part}")
    numbers = catalogue.CRITERIA_PAGES[part - 1]
    return _render_page(
        "criteria.html", req, form, timed_out, part=part, pages=len(catalogue.CRITERIA_PAGES),
        first=numbers[0], last=numbers[-1], total=len(catalogue.CRITERIA), texts=catalogue.CRITERIA,
    )  # fmt: skip


@bp.route("/signature", methods=["GET", "POST"])
@limit
def signature():
    req = _current()
    if not _editing(req):
        return redirect(url_for("imr_return.start"))
    form = imr_pages.signature_form(_checklist(req) if request.method == "GET" else None)
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        _save_checklist(req, form.answers())
        return _after_save("signature")
    return _render_page("signature.html", req, form, timed_out)


# --- check your answers, submit, confirmation ------------------------------------------------


@bp.route("/check", methods=["GET", "POST"])
@limit
def check():
    req = _current()
    if not _editing(req):
        return redirect(url_for("imr_return.start"))
    s = db.Sessions()
    problems = submission.problems(s, req)
    checklist = _checklist(req)
    form = imr_pages.CheckForm()
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out and not problems:
        try:
            # What is sent is the chair's and the DHR officer's: the PDF and emails in English.
            with db.transaction() as t, i18n.speaking("en"):
                row = submission.submit(
                    t, req, is_final=bool(form.is_final.data),
                    client_address=web.client_address(),
                )  # fmt: skip
        except (submission.NotReady, IntegrityError, uploads.UploadRefused):
            # A second click (or tab) raced the first: that one sent it.
            return redirect(url_for("imr_return.start"))
        session[SENT_KEY] = row.id
        _link.sent()
        return redirect(url_for("imr_return.confirmation"))
    return render_template(
        "imr/check.html",
        **_context(
            req,
            form=form,
            timed_out=timed_out,
            document=submission.draft_document(s, req),
            parts=catalogue.checklist_parts(checklist, report.names_of(g.partnership)),
            written=report.written(req),
            criteria=catalogue.criteria(checklist),
            pages={n: i + 1 for i, numbers in enumerate(catalogue.CRITERIA_PAGES)
                   for n in numbers},
            problem_links=imr_tasks.problem_links(problems),
            incomplete=bool(problems),
            latest=req.latest,
            has_errors=bool(problems) or timed_out,
        ),
    )  # fmt: skip


def _sent(req: ImrRequest) -> ImrSubmission | None:
    """The version this browser has just sent, if any."""
    row_id = session.get(SENT_KEY)
    row = db.Sessions.get(ImrSubmission, row_id) if isinstance(row_id, int) else None
    return row if row is not None and row.request_id == req.id else None


@bp.get("/confirmation")
def confirmation():
    req = _current()
    row = _sent(req)
    if row is None:
        return redirect(url_for("imr_return.start"))
    return render_template("imr/confirmation.html", **_context(req, row=row))


@bp.get("/confirmation/checklist.pdf")
def confirmation_pdf():
    """The agency's own copy of the QA checklist it sent, for the browser that sent it."""
    req = _current()
    row = _sent(req)
    if row is None:
        return redirect(url_for("imr_return.start"))
    s = db.Sessions()
    case = s.get(Case, req.case_id)
    with i18n.speaking("en"):  # the same document the chair and the DHR officer received
        data = submission.render_checklist_pdf(
            row, req, case=case, agency=s.get(Agency, req.agency_id),
            partnership=s.get(Partnership, req.partnership_id),
            document=s.get(StoredFile, row.document_id),
        )  # fmt: skip
    return linked.audited_download(
        req, data, action="imr.checklist_downloaded", object_type="imr_request",
        filename=submission.pdf_filename(case, row.version), version=row.version,
    )  # fmt: skip


# --- a revised IMR ---------------------------------------------------------------------------


@bp.post("/revise")
@limit
def revise():
    """Start a revised IMR: the latest checklist comes back to be checked and signed again."""
    req = _current()
    form = FlaskForm()
    if form.validate_on_submit() and req.draft is None and req.submissions:
        with db.transaction() as s:
            submission.start_revision(s, req)
        _link.carry_on()
        return redirect(url_for("imr_return.document"))
    return redirect(url_for("imr_return.start"))


@bp.post("/revise/cancel")
@limit
def revise_cancel():
    """Drop a revision not yet submitted; the submitted versions stay as they are."""
    req = _current()
    form = FlaskForm()
    if form.validate_on_submit() and req.draft is not None and req.submissions:
        with db.transaction() as s:
            submission.cancel_revision(s, req)
    return redirect(url_for("imr_return.start"))
