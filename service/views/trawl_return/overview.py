"""The overview of the return, "save and come back later", and asking for more time."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from flask import g, redirect, render_template, url_for
from flask_wtf import FlaskForm

from forms import trawl_return_pages as pages
from service import db
from service.auth import web
from service.trawls import extensions, links, return_form
from service.views import journey
from service.views.trawl_return import bp, context, current, href, limit, render_page


@bp.get("/start")
def start():
    req = current()
    seen = return_form.overview(req, g.partnership)
    tasks = [
        {"title": t.title, "hint": t.hint, "href": href(t.page, t.args), "status": t.status,
         "optional": t.optional}
        for t in seen.tasks
    ]  # fmt: skip
    return render_template(
        "trawl_return/start.html",
        **context(
            req,
            editing=seen.editing,
            latest=req.latest_return,
            tasks=tasks,
            ready=seen.ready,
            done=seen.done,
            required=seen.required,
            parts=seen.parts,
            flagged=seen.flagged,
            pending=req.pending_extension,
            last_decided=seen.last_decided,
            amend_form=FlaskForm(),
        ),
    )


@bp.get("/saved")
def saved():
    req = current()
    row = links.current(db.Sessions(), req)
    return render_template(
        "trawl_return/saved.html", **context(req, expires_at=row.expires_at if row else None)
    )


@bp.route("/more-time", methods=["GET", "POST"])
@limit
def more_time():
    req = current()
    form = pages.extension_form(req.due_date)
    general: list[dict[str, str]] = []
    can_ask = extensions.may_ask(req)
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
            general = form.refused(exc.field, str(exc))
        else:
            return redirect(url_for("trawl_return.more_time"))
    return render_page(
        "more_time.html", req, form, timed_out, general=general, can_ask=can_ask,
        pending=req.pending_extension, last_decided=extensions.last_decided(req),
        more_errors=bool(general), example_date=_example(req.due_date + timedelta(days=14)),
    )  # fmt: skip


def _example(day: dt.date) -> str:
    return f"{day.day} {day.month} {day.year}"
