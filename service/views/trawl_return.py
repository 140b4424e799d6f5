"""The agency's trawl-return form, opened from the link in the request email.

The link's token is checked, kept on the server for this browser's visit (``linked``) and taken out
of the address bar; every page checks it again, so a revoked or expired link stops working at once.
Any refused link gets one and the same page, whatever the reason, and it shows nothing of the case.

Pages: an overview with the case, the period and the people and a task list; one page per
person; the records systems searched; an optional chronology (add, change, remove, or a CSV
upload); who completed the return; check your answers; a confirmation. Answers are saved as a
draft on the request as each page is saved, so the agency can come back through the same link.
After sending, the same link opens an amendment, which becomes the next version. Every page
works without JavaScript.
"""

from __future__ import annotations

import copy
import datetime as dt
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from forms import trawl_return as catalogue
from forms import trawl_return_pages as pages
from service import clock, db
from service.auth import web
from service.models import (
    Agency,
    Case,
    ExtensionStatus,
    TrawlPerson,
    TrawlRequest,
    TrawlReturn,
)
from service.trawls import extensions, links, returns, submission
from service.views import journey, linked

bp = Blueprint("trawl_return", __name__, url_prefix=links.PATH)

SESSION_KEY = "trawl_return"
SENT_KEY = "trawl_return_sent"
limit = linked.public_limit


_link = linked.LinkedRequest(
    bp,
    check=links.check,
    session_key=SESSION_KEY,
    forget=(SENT_KEY,),
    token_in_query=True,
    problem_template="trawl_return/link_problem.html",
    start_endpoint="trawl_return.start",
    opened_action="trawl.link_opened",
    object_type="trawl_request",
    actor=lambda req: f"agency:{req.agency_id}",
)
LinkRefused = linked.LinkRefused


# --- the request behind the link -------------------------------------------------------------


def _current() -> TrawlRequest:
    """The request this browser's link opens; LinkRefused if it no longer does."""
    return _link.current()


def _people(req: TrawlRequest) -> list[TrawlPerson]:
    return list(req.trawl.people)


def _person(req: TrawlRequest, person_id: int) -> TrawlPerson:
    """One of the request's people; any other id is not found."""
    for p in req.trawl.people:
        if p.id == person_id:
            return p
    abort(404)


def _editing(req: TrawlRequest) -> bool:
    """Answers can be changed: before the first return, or during an amendment."""
    return req.draft is not None or not req.returns


def _answers(req: TrawlRequest) -> dict[str, Any]:
    # A copy: the JSON column only notices a new object.
    return copy.deepcopy(req.draft or {})


def _save(req: TrawlRequest, answers: dict[str, Any]) -> None:
    with db.transaction() as s:
        returns.save_draft(s, req, answers)


_secure = returns.secure_check


def _context(req: TrawlRequest, **kw: Any) -> dict[str, Any]:
    trawl = req.trawl
    s = db.Sessions()
    return {
        "req": req,
        "trawl": trawl,
        "case": s.get(Case, req.case_id),
        "agency": s.get(Agency, req.agency_id),
        "people": _people(req),
        "long_date": clock.long_date,
        "person_label": catalogue.person_label,
        **kw,
    }


def _after_save() -> Any:
    """Where a saved page goes: "save and come back later", check your answers, or the
    overview."""
    if request.form.get("action") == "later":
        return redirect(url_for("trawl_return.saved"))
    if journey.returning():
        return redirect(url_for("trawl_return.check"))
    return redirect(url_for("trawl_return.start"))


def _render_page(
    template: str, req: TrawlRequest, form: FlaskForm, timed_out: bool, *,
    more_errors: bool = False, **kw: Any,
):  # fmt: skip
    return render_template(
        f"trawl_return/{template}",
        **_context(req, form=form, timed_out=timed_out, returning=journey.returning(),
                   has_errors=bool(form.errors) or timed_out or more_errors, **kw),
    )  # fmt: skip


# --- the overview ----------------------------------------------------------------------------


def _task_status(problems: Any, answered: bool) -> str:
    if not answered:
        return "Not yet started"
    return "In progress" if problems else "Completed"


def _tasks(req: TrawlRequest, answers: dict[str, Any], problems: dict[str, Any]) -> list[dict]:
    people_answers = answers.get("people") or {}
    people_problems = problems.get("people")
    rows = []
    for p in _people(req):
        key = str(p.id)
        found = people_problems.get(key) if isinstance(people_problems, dict) else None
        rows.append({
            "title": p.name,
            "hint": p.relation,
            "href": url_for("trawl_return.person", person_id=p.id),
            "status": _task_status(found, key in people_answers),
        })  # fmt: skip
    rows.append({
        "title": "Records systems searched",
        "href": url_for("trawl_return.systems"),
        "status": _task_status(problems.get("systems_checked"),
                               bool(answers.get("systems_checked"))),
    })  # fmt: skip
    entries = answers.get("chronology") or []
    rows.append({
        "title": "Chronology of contacts",
        "hint": f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}" if entries
        else "Optional at this stage",
        "href": url_for("trawl_return.chronology"),
        "status": "In progress" if problems.get("chronology") else
        ("Completed" if entries else "Optional"),
        "optional": True,
    })  # fmt: skip
    rows.append({
        "title": "Your details",
        "href": url_for("trawl_return.your_details"),
        "status": _task_status(problems.get("completed_by"), bool(answers.get("completed_by"))),
    })  # fmt: skip
    return rows


@bp.get("/start")
def start():
    req = _current()
    partnership = g.partnership
    trawl = req.trawl
    latest = req.latest_return
    editing = _editing(req)
    answers = _answers(req) if editing else dict(latest.answers or {})
    people = _people(req)
    problems = catalogue.problems(answers, people, secure=_secure(partnership)) if editing else {}
    tasks = _tasks(req, answers, problems) if editing else []
    ready = editing and all(t["status"] in ("Completed", "Optional") for t in tasks)
    decided = [e for e in req.extensions if e.status is not ExtensionStatus.REQUESTED]
    return render_template(
        "trawl_return/start.html",
        **_context(
            req,
            editing=editing,
            latest=latest,
            tasks=tasks,
            ready=ready,
            done=sum(1 for t in tasks if t["status"] == "Completed" and not t.get("optional")),
            required=sum(1 for t in tasks if not t.get("optional")),
            parts=catalogue.answer_parts(answers, people) if not editing else [],
            flagged=catalogue.outside_scope(answers, people, trawl.scope_from, trawl.scope_to),
            pending=req.pending_extension,
            last_decided=decided[-1] if decided else None,
            amend_form=FlaskForm(),
        ),
    )


# --- the question pages ----------------------------------------------------------------------


@bp.route("/person/<int:person_id>", methods=["GET", "POST"])
@limit
def person(person_id: int):
    req = _current()
    if not _editing(req):
        return redirect(url_for("trawl_return.start"))
    p = _person(req, person_id)
    answers = _answers(req)
    existing = (answers.get("people") or {}).get(str(p.id)) or {}
    form = pages.person_form(existing if request.method == "GET" else None)
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        people_answers = dict(answers.get("people") or {})
        # Only the request's own people are kept: anything else in a draft is dropped.
        allowed = {str(x.id) for x in _people(req)}
        people_answers = {k: v for k, v in people_answers.items() if k in allowed}
        people_answers[str(p.id)] = form.answers()
        answers["people"] = people_answers
        _save(req, answers)
        return _after_save()
    trawl = req.trawl
    return _render_page(
        "person.html", req, form, timed_out, person=p,
        scope_from=trawl.scope_from, scope_to=trawl.scope_to,
    )  # fmt: skip


@bp.route("/systems", methods=["GET", "POST"])
@limit
def systems():
    req = _current()
    if not _editing(req):
        return redirect(url_for("trawl_return.start"))
    answers = _answers(req)
    form = pages.systems_form(answers if request.method == "GET" else None)
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        answers["systems_checked"] = form.answers()["systems_checked"]
        _save(req, answers)
        return _after_save()
    return _render_page("systems.html", req, form, timed_out)


@bp.route("/your-details", methods=["GET", "POST"])
@limit
def your_details():
    req = _current()
    if not _editing(req):
        return redirect(url_for("trawl_return.start"))
    answers = _answers(req)
    form = pages.completed_by_form(
        (answers.get("completed_by") or {}) if request.method == "GET" else None,
        secure=_secure(g.partnership),
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        answers["completed_by"] = form.answers()
        _save(req, answers)
        return _after_save()
    return _render_page("your_details.html", req, form, timed_out)


# --- the chronology --------------------------------------------------------------------------


@bp.get("/chronology")
def chronology():
    req = _current()
    if not _editing(req):
        return redirect(url_for("trawl_return.start"))
    answers = _answers(req)
    people = _people(req)
    trawl = req.trawl
    entries = answers.get("chronology") or []
    flagged = {
        f.label for f in catalogue.outside_scope(answers, people, trawl.scope_from, trawl.scope_to)
    }
    items = [
        {
            "index": i,
            "heading": f"Chronology entry {i + 1}",
            "rows": catalogue.chronology_rows(entry, people),
            "outside": f"Chronology entry {i + 1}: date" in flagged,
        }
        for i, entry in enumerate(entries)
    ]
    imported = request.args.get("imported", type=int)
    return render_template(
        "trawl_return/chronology.html",
        **_context(req, items=items, imported=imported, returning=journey.returning(),
                   remove_form=FlaskForm(), full=len(entries) >= catalogue.MAX_CHRONOLOGY),
    )  # fmt: skip


@bp.route("/chronology/<int:index>", methods=["GET", "POST"])
@limit
def chronology_entry(index: int):
    """Add an entry (index = the number so far) or change one."""
    req = _current()
    if not _editing(req):
        return redirect(url_for("trawl_return.start"))
    answers = _answers(req)
    entries = list(answers.get("chronology") or [])
    if index > len(entries) or index >= catalogue.MAX_CHRONOLOGY:
        abort(404)
    people = _people(req)
    existing = entries[index] if index < len(entries) else {}
    form = pages.chronology_form(people, existing if request.method == "GET" else None)
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        entry = form.answers()
        if index < len(entries):
            entries[index] = entry
        else:
            entries.append(entry)
        answers["chronology"] = entries
        _save(req, answers)
        if request.form.get("action") == "later":
            return redirect(url_for("trawl_return.saved"))
        return redirect(url_for("trawl_return.chronology", **request.args))
    trawl = req.trawl
    return _render_page(
        "chronology_entry.html", req, form, timed_out, index=index,
        adding=index >= len(entries), scope_from=trawl.scope_from, scope_to=trawl.scope_to,
    )  # fmt: skip


@bp.post("/chronology/<int:index>/remove")
@limit
def chronology_remove(index: int):
    req = _current()
    form = FlaskForm()
    if not _editing(req) or not form.validate_on_submit():
        return redirect(url_for("trawl_return.chronology"))
    answers = _answers(req)
    entries = list(answers.get("chronology") or [])
    if index < len(entries):
        entries.pop(index)
        answers["chronology"] = entries
        _save(req, answers)
    return redirect(url_for("trawl_return.chronology", **request.args))


@bp.get("/chronology/template.csv")
def chronology_template():
    _current()
    return Response(
        catalogue.csv_template(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="chronology-template.csv"'},
    )


@bp.route("/chronology/upload", methods=["GET", "POST"])
@limit
def chronology_upload():
    req = _current()
    if not _editing(req):
        return redirect(url_for("trawl_return.start"))
    answers = _answers(req)
    entries = list(answers.get("chronology") or [])
    form = pages.UploadForm()
    problems: list[str] = []
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        upload = request.files.get("file")
        mode = form.mode.data if entries else "replace"
        if upload is None or not upload.filename:
            form.file.errors = ["Select a CSV file"]
        elif not upload.filename.lower().endswith(".csv"):
            form.file.errors = ["The selected file must be a CSV file"]
        elif mode not in ("add", "replace"):
            form.mode.errors = ["Select whether to add the entries or replace the ones already "
                                "there"]  # fmt: skip
        else:
            data = upload.stream.read(catalogue.CSV_MAX_BYTES + 1)
            room = catalogue.MAX_CHRONOLOGY - (len(entries) if mode == "add" else 0)
            try:
                rows = catalogue.read_chronology_csv(data, _people(req), room=room)
            except catalogue.CsvRefused as exc:
                problems = exc.problems
                form.file.errors = [
                    problems[0] if len(problems) == 1
                    else f"The file has {len(problems)} problems: nothing was imported"
                ]  # fmt: skip
            else:
                answers["chronology"] = (entries if mode == "add" else []) + rows
                _save(req, answers)
                return redirect(url_for("trawl_return.chronology", imported=len(rows)))
    return _render_page(
        "chronology_upload.html", req, form, timed_out, problems=problems,
        has_entries=bool(entries),
    )  # fmt: skip


# --- saved, check your answers, sent ---------------------------------------------------------


@bp.get("/saved")
def saved():
    req = _current()
    row = links.current(db.Sessions(), req)
    return render_template(
        "trawl_return/saved.html", **_context(req, expires_at=row.expires_at if row else None)
    )


def _problem_links(parts: list[catalogue.Part], problems: dict[str, Any]) -> list[dict]:
    found = []
    people_problems = problems.get("people")
    chronology_problems = problems.get("chronology")
    for part in parts:
        href = None
        if part.key == "person":
            key = str(part.args["person_id"])
            if (
                not isinstance(people_problems, dict)
                and people_problems
                or (isinstance(people_problems, dict) and key in people_problems)
            ):
                href = url_for("trawl_return.person", person_id=part.args["person_id"],
                               **{"return": "check"})  # fmt: skip
        elif part.key == "systems" and "systems_checked" in problems:
            href = url_for("trawl_return.systems", **{"return": "check"})
        elif part.key == "chronology" and chronology_problems:
            index = part.args.get("index")
            if isinstance(chronology_problems, dict) and index in chronology_problems:
                href = url_for("trawl_return.chronology_entry", index=index,
                               **{"return": "check"})  # fmt: skip
            elif not isinstance(chronology_problems, dict) and index in (None, 0):
                href = url_for("trawl_return.chronology")
        elif part.key == "completed_by" and "completed_by" in problems:
            href = url_for("trawl_return.your_details", **{"return": "check"})
        if href:
            found.append({"text": f"Complete ‘{part.heading}’", "href": href})
    return found


@bp.route("/check", methods=["GET", "POST"])
@limit
def check():
    req = _current()
    if not _editing(req):
        return redirect(url_for("trawl_return.start"))
    partnership = g.partnership
    trawl = req.trawl
    people = _people(req)
    answers = _answers(req)
    problems = catalogue.problems(answers, people, secure=_secure(partnership))
    flagged = catalogue.outside_scope(answers, people, trawl.scope_from, trawl.scope_to)
    parts = catalogue.answer_parts(answers, people)
    form = pages.CheckForm()
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out and not problems:
        answers["declaration"] = bool(form.declaration.data)
        answers["dates_confirmed"] = bool(flagged) and bool(form.dates_confirmed.data)
        for name, messages in catalogue.sending_problems(answers, flagged).items():
            getattr(form, name).errors = messages
        if not form.errors:
            try:
                with db.transaction() as s:
                    row = submission.send(s, req, answers, client_address=web.client_address())
            except (submission.NothingToSend, IntegrityError):
                # A second click (or tab) raced the first: that one sent it.
                return redirect(url_for("trawl_return.start"))
            session[SENT_KEY] = row.id
            _link.sent()
            return redirect(url_for("trawl_return.confirmation"))
    latest = req.latest_return
    pending_changes = catalogue.changes(latest.answers or {}, answers, people) if latest else None
    return render_template(
        "trawl_return/check.html",
        **_context(
            req,
            parts=parts,
            problem_links=_problem_links(parts, problems),
            incomplete=bool(problems),
            flagged=flagged,
            form=form,
            timed_out=timed_out,
            latest=latest,
            pending_changes=pending_changes,
            has_errors=bool(problems) or bool(form.errors) or timed_out,
        ),
    )


def _sent(req: TrawlRequest) -> TrawlReturn | None:
    """The version this browser has just sent, if any."""
    row_id = session.get(SENT_KEY)
    row = db.Sessions.get(TrawlReturn, row_id) if isinstance(row_id, int) else None
    return row if row is not None and row.request_id == req.id else None


@bp.get("/confirmation")
def confirmation():
    req = _current()
    row = _sent(req)
    if row is None:
        return redirect(url_for("trawl_return.start"))
    return render_template("trawl_return/confirmation.html", **_context(req, row=row))


@bp.get("/confirmation/return.pdf")
def confirmation_pdf():
    """The agency's own copy of what it sent, for the browser that sent it."""
    req = _current()
    row = _sent(req)
    if row is None:
        return redirect(url_for("trawl_return.start"))
    s = db.Sessions()
    case = s.get(Case, req.case_id)
    data = submission.render_return_pdf(
        row, req, case=case, agency=s.get(Agency, req.agency_id), partnership=g.partnership
    )
    return linked.audited_download(
        req, data, action="trawl.return_downloaded", object_type="trawl_request",
        filename=submission.pdf_filename(case, row.version), version=row.version,
    )  # fmt: skip


# --- amending a sent return ------------------------------------------------------------------


@bp.post("/amend")
@limit
def amend():
    """Start an amendment: the latest version's answers become the draft."""
    req = _current()
    form = FlaskForm()
    if form.validate_on_submit():
        with db.transaction() as s:
            started = returns.start_amendment(s, req)
        if started:
            _link.carry_on()
    return redirect(url_for("trawl_return.start"))


@bp.post("/amend/cancel")
@limit
def amend_cancel():
    """Drop an amendment's unsent changes; the sent versions stay as they are."""
    req = _current()
    form = FlaskForm()
    if form.validate_on_submit():
        with db.transaction() as s:
            returns.cancel_amendment(s, req)
    return redirect(url_for("trawl_return.start"))


# --- asking for more time --------------------------------------------------------------------


@bp.route("/more-time", methods=["GET", "POST"])
@limit
def more_time():
    req = _current()
    form = pages.extension_form(req.due_date)
    general: list[dict[str, str]] = []
    can_ask = req.returned_at is None and req.pending_extension is None
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if can_ask and valid and not timed_out:
        try:
            with db.transaction() as s:
                extensions.request(
                    s, req, new_date=form.new_date.date, reason=form.reason.data,
                    client_address=web.client_address(),
                )  # fmt: skip
        except extensions.ExtensionRefused as exc:
            message = str(exc)
            if "date" in message.lower():
                form.new_date.errors = [message]
            elif "reason" in message.lower() or "why" in message.lower():
                form.reason.errors = [message]
            else:
                general.append({"text": message, "href": "#new_date-day"})
        else:
            return redirect(url_for("trawl_return.more_time"))
    decided = [e for e in req.extensions if e.status is not ExtensionStatus.REQUESTED]
    return _render_page(
        "more_time.html", req, form, timed_out, general=general, can_ask=can_ask,
        pending=req.pending_extension, last_decided=decided[-1] if decided else None,
        more_errors=bool(general), example_date=_example(req.due_date + timedelta(days=14)),
    )  # fmt: skip


def _example(day: dt.date) -> str:
    return f"{day.day} {day.month} {day.year}"
