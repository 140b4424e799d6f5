"""Check your answers, sign the declaration and submit the referral, the confirmation, and the
referrer's PDF copy."""

from __future__ import annotations

import io

from flask import abort, redirect, render_template, send_file, session, url_for
from flask_babel import gettext

from forms import referral as catalogue
from forms import referral_declaration as declaration
from service import db, i18n
from service.auth import web
from service.models import Referral
from service.referrals import referring, submission
from service.referrals.pdf import render_referral_pdf
from service.views import journey
from service.views.referral import (
    SUBMITTED_KEY,
    answers,
    draft,
    forget_draft,
    limit,
    partnership,
    route,
)


def _problem_links(problems: dict) -> list[dict[str, str]]:
    """One error-summary entry per section with something missing, linking to where to fix it."""
    back = {"return": "check"}
    return [
        {
            "text": gettext("Complete ‘%(part)s’", part=section.heading),
            "href": url_for("referral.group", slug=section.slug, **back)
            if page is None
            else url_for("referral.page", slug=page, **back),
        }
        for section, page in referring.to_complete(problems)
    ]


@route("/check", methods=["GET", "POST"])
@limit
def check():
    found = draft()
    if found is None:
        return redirect(url_for("referral.start"))
    stored = answers()
    problems = catalogue.problems(stored, partnership())
    # The referrer's and the safeguarding lead's signatures, signed over the answers as sent.
    form = declaration.DeclarationForm()
    if not form.is_submitted():
        declaration.prefill(form, stored)
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out and not problems:
        # What is sent is the partnership's: the PDF and its email in English, whatever the
        # language of the page; the acknowledgement is in the language the referrer used.
        language = i18n.select_locale()
        with db.transaction() as s, i18n.speaking("en"):
            signed = s.merge(found)
            signed.answers = {**(signed.answers or {}), **declaration.answers_of(form)}
            try:
                done = submission.submit(s, signed, client_address=web.client_address(),
                                         language=language)  # fmt: skip
            except submission.AlreadySubmitted:
                # A second click (or tab) raced the first: that one sent it.
                return redirect(url_for("referral.start"))
            except submission.NotReady as exc:
                problems = exc.problems
            else:
                forget_draft(found)
                session[SUBMITTED_KEY] = done.id
        if not problems:
            return redirect(url_for("referral.confirmation"))
    return render_template(
        "referral/check.html",
        sections=catalogue.answer_rows(stored),
        problem_links=_problem_links(problems),
        incomplete=bool(problems),
        partnership=partnership(),
        form=form,
        timed_out=timed_out,
        has_errors=bool(problems) or timed_out or bool(form.errors),
    )


def _submitted() -> Referral:
    """The referral this browser has just sent to this partnership."""
    found = referring.submitted(db.Sessions(), session.get(SUBMITTED_KEY), partnership())
    if found is None:
        abort(404)
    return found


@route("/confirmation", methods=["GET"])
def confirmation():
    referral = _submitted()
    not_sent = submission.not_acknowledged(partnership(), referral.answers or {})
    return render_template("referral/confirmation.html", referral=referral, not_sent=not_sent)


@route("/confirmation/referral.pdf", methods=["GET"])
def confirmation_pdf():
    """The referrer's own copy, for the browser that sent it."""
    referral = _submitted()
    # The document the partnership received, in the language of the referrer's pages.
    data = render_referral_pdf(referral, partnership(), i18n.select_locale())
    with db.transaction() as s:
        referring.copy_downloaded(s, referral, client_address=web.client_address())
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"referral-{referral.reference}.pdf",
    )
