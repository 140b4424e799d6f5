"""Check your answers and send, the confirmation with the agency's PDF copy, and amending a
return already sent."""

from __future__ import annotations

from flask import g, redirect, render_template, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from forms import trawl_return_pages as pages
from service import db, i18n
from service.auth import web
from service.models import TrawlRequest
from service.trawls import return_form, returns, submission
from service.views import journey, linked
from service.views.trawl_return import (
    bp,
    context,
    current,
    editing,
    href,
    just_sent,
    limit,
    link,
    sent,
)


@bp.route("/check", methods=["GET", "POST"])
@limit
@editing
def check(req: TrawlRequest):
    checked = return_form.checking(req, g.partnership)
    form = pages.CheckForm()
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    ready = valid and not timed_out and not checked.problems
    if ready and form.vouch(checked.answers, checked.flagged):
        try:
            # What is sent is the DHR officer's: the stored changes and the PDF in English.
            with db.transaction() as s, i18n.speaking("en"):
                row = submission.send(s, req, checked.answers, client_address=web.client_address())
        except (submission.NothingToSend, IntegrityError):
            # A second click (or tab) raced the first: that one sent it.
            return redirect(url_for("trawl_return.start"))
        sent(row)
        return redirect(url_for("trawl_return.confirmation"))
    problem_links = [
        {
            "text": gettext("Complete ‘%(part)s’", part=f.heading),
            "href": href(f.page, f.args, back=f.back),
        }  # fmt: skip
        for f in checked.fixes
    ]
    return render_template(
        "trawl_return/check.html",
        **context(
            req,
            parts=checked.parts,
            problem_links=problem_links,
            incomplete=bool(checked.problems),
            flagged=checked.flagged,
            form=form,
            timed_out=timed_out,
            latest=req.latest_return,
            pending_changes=checked.pending_changes,
            has_errors=bool(checked.problems) or bool(form.errors) or timed_out,
        ),
    )


@bp.get("/confirmation")
def confirmation():
    req = current()
    row = just_sent(req)
    if row is None:
        return redirect(url_for("trawl_return.start"))
    return render_template(
        "trawl_return/confirmation.html",
        **context(req, row=row, changes=return_form.changes_in(req, row)),
    )


@bp.get("/confirmation/return.pdf")
def confirmation_pdf():
    """The agency's own copy of what it sent, for the browser that sent it."""
    req = current()
    row = just_sent(req)
    if row is None:
        return redirect(url_for("trawl_return.start"))
    with i18n.speaking("en"):  # the same document the DHR officer received
        data, filename = return_form.agency_copy(db.Sessions(), req, row, g.partnership)
    return linked.audited_download(
        req, data, action="trawl.return_downloaded", object_type="trawl_request",
        filename=filename, version=row.version,
    )  # fmt: skip


@bp.post("/amend")
@limit
def amend():
    """Start an amendment: the latest version's answers become the draft."""
    req = current()
    form = FlaskForm()
    if form.validate_on_submit():
        with db.transaction() as s:
            started = returns.start_amendment(s, req)
        if started:
            link.carry_on()
    return redirect(url_for("trawl_return.start"))


@bp.post("/amend/cancel")
@limit
def amend_cancel():
    """Drop an amendment's unsent changes; the sent versions stay as they are."""
    req = current()
    form = FlaskForm()
    if form.validate_on_submit():
        with db.transaction() as s:
            returns.cancel_amendment(s, req)
    return redirect(url_for("trawl_return.start"))
