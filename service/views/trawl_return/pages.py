"""The return's question pages: what the agency found about each person, the records systems
searched, and who completed the return."""

from __future__ import annotations

from flask import abort, request

from forms import trawl_representative
from forms import trawl_return_pages as pages
from service.models import TrawlRequest
from service.trawls import return_form
from service.views import journey
from service.views.trawl_return import after_save, bp, editing, limit, render_page, save
from service.views.trawl_return import secure_check as secure


@bp.route("/person/<int:person_id>", methods=["GET", "POST"])
@limit
@editing
def person(req: TrawlRequest, person_id: int):
    p = return_form.person(req, person_id)
    if p is None:
        abort(404)
    answers = return_form.draft_answers(req)
    existing = (answers.get("people") or {}).get(str(p.id)) or {}
    form = pages.person_form(existing if request.method == "GET" else None)
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        save(req, return_form.with_person(req, answers, p.id, form.answers()))
        return after_save()
    trawl = req.trawl
    return render_page(
        "person.html", req, form, timed_out, person=p,
        scope_from=trawl.scope_from, scope_to=trawl.scope_to,
    )  # fmt: skip


@bp.route("/systems", methods=["GET", "POST"])
@limit
@editing
def systems(req: TrawlRequest):
    answers = return_form.draft_answers(req)
    form = pages.systems_form(answers if request.method == "GET" else None)
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        save(req, {**answers, "systems_checked": form.answers()["systems_checked"]})
        return after_save()
    return render_page("systems.html", req, form, timed_out)


@bp.route("/your-details", methods=["GET", "POST"])
@limit
@editing
def your_details(req: TrawlRequest):
    answers = return_form.draft_answers(req)
    form = pages.completed_by_form(
        (answers.get("completed_by") or {}) if request.method == "GET" else None,
        secure=secure(),
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        save(req, {**answers, "completed_by": form.answers()})
        return after_save()
    return render_page("your_details.html", req, form, timed_out)


@bp.route("/representative", methods=["GET", "POST"])
@limit
@editing
def representative(req: TrawlRequest):
    """Who will represent the agency: at the scoping meeting when the request invites it."""
    answers = return_form.draft_answers(req)
    invited = req.trawl.invites
    form = trawl_representative.form(
        (answers.get("representative") or {}) if request.method == "GET" else None,
        invited=invited,
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        save(req, {**answers, "representative": trawl_representative.answer(form.answers())})
        return after_save()
    return render_page("representative.html", req, form, timed_out, invited=invited)
