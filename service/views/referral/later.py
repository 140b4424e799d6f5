"""Save and come back later: a link to the draft emailed to a secure address, and that link
opening the draft again in any browser."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from forms import referral_pages
from service import db, i18n, tokens
from service.auth import web
from service.referrals import drafts, referring
from service.views import journey
from service.views.referral import draft, limit, partnership, remember_draft, route


@route("/save", methods=["GET", "POST"])
@limit
def save_for_later():
    found = draft()
    if found is None:
        return redirect(url_for("referral.start"))
    form = referral_pages.SaveForm(
        data={"email": (found.answers or {}).get("referrer_email")}
        if request.method == "GET"
        else None
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        with db.transaction() as s:
            try:
                drafts.send_resume_link(
                    s, s.merge(found), form.email.data, client_address=web.client_address()
                )
            except drafts.DraftRefused as exc:
                form.email.errors = [str(exc)]
        if not form.email.errors:
            return render_template(
                "referral/saved.html", email=form.email.data, expires_at=found.expires_at
            )
    return render_template(
        "referral/save.html", form=form, partnership=partnership(), timed_out=timed_out,
        has_errors=bool(form.errors) or timed_out,
    )  # fmt: skip


#: A refused link's page title by what is wrong with it, in English (the catalogue's, from the
#: page's own heading in referral/_link_problem.html).
LINK_TITLES = {"expired": "This link has expired", "used": "This link has already been used"}
LINK_DOES_NOT_WORK = "This link does not work"


@route("/resume", methods=["GET"])
def resume():
    token = request.args.get("token", "")
    try:
        found = drafts.resume(db.Sessions(), token, partnership=g.partnership)
    except tokens.TokenRefused as exc:
        problem = exc.problem.value
        title = LINK_TITLES.get(problem, LINK_DOES_NOT_WORK)
        if g.partnership is None:  # the address names none: in Welsh and English where offered
            page = i18n.for_anyone("referral/_link_problem.html", title, problem=problem)
        else:
            page = render_template("referral/link_problem.html", title=title, problem=problem)
        return page, 404 if exc.problem is tokens.TokenProblem.INVALID else 410
    remember_draft(found)
    if g.partnership is None:  # /refer with several partnerships: go on at the draft's own
        owner = referring.partnership_of(db.Sessions(), found)
        return redirect(url_for("referral.start", partnership=owner.slug))
    return redirect(url_for("referral.start"))
