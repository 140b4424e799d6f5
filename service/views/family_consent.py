"""The family member's consent form, opened from the emailed link or the printed letter.

The link's code is checked, kept on the server for this browser's visit (``linked``) and taken out
of the address bar; every page checks it again, so a revoked link, or a closed case, stops it
working at once. Any refused link gets one and the same page, whatever the reason, showing nothing
of any case.

Pages: what the review is; what sharing means (the consent form's statements); the choices
(information about the victim, and about the suspect or perpetrator only where the officer
asked; "I do not want to give consent" as easy as giving it); the signature (a typed name), the
printed name beside it and the date;
check your answers; sent, with a copy to download. Later, through the same link, the family
member can withdraw consent they gave. Once an answer exists, a browser that did not send it
sees none of this (not even the victim's name) until it shows it is the family member: with a
code emailed to the address they gave, or, for a letter, the date of birth they gave on the
form (``service.consent.verification``). Nothing about the case is shown but the victim's name.
The answers wait in the browser's session until they are sent. Every page has the "Exit this
page" button, and works without JavaScript.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, redirect, render_template, send_file, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from forms import consent as consent_forms
from service import audit, clock, db, i18n
from service.auth import web
from service.consent import documents, form_settings, links, responses, verification
from service.consent.requests import victim_name
from service.models import ConsentCheckMethod, ConsentRequest, ConsentStatus
from service.ratelimit import limiter
from service.views import journey, linked
from service.workdays import london_date

bp = Blueprint("family_consent", __name__, url_prefix=links.PATH)

SESSION_KEY = "family_consent"
ANSWERS_KEY = "family_consent_answers"
#: This browser's random value: the answered form shows again only to a browser the database
#: knows by it (the one that sent the answer, or one that passed a check).
DEVICE_KEY = "family_consent_device"
#: Posts per client address: generous for a person filling in the form, not for a script.
PUBLIC_LIMIT = "60 per 10 minutes"
#: Opening links, per client address: no one has more than a few.
OPEN_LIMIT = "30 per 10 minutes"
limit = limiter.limit(PUBLIC_LIMIT, methods=["POST"])


_link = linked.LinkedRequest(
    bp,
    check=links.check,
    session_key=SESSION_KEY,
    forget=(ANSWERS_KEY,),
    problem_template="consent/link_problem.html",
    problem_layout="consent/_layout.html",
    start_endpoint="family_consent.start",
    opened_action="consent.link_opened",
    object_type="consent_request",
    actor=lambda req: responses.actor_of(req),
    token_id=links.nonce_of,
    link_for=links.code_for,
)
LinkRefused = linked.LinkRefused


# --- the request behind the link -------------------------------------------------------------


@bp.get("/<path:code>")
@limiter.limit(OPEN_LIMIT)
def open_link(code: str):
    """The link in the email or the letter: check it, remember it, and drop it from the URL."""
    before = _link.stashed() or {}
    response = _link.open(code, permanent=False)  # on a shared computer, closing the browser
    if before.get("request_id") != (_link.stashed() or {}).get("request_id"):  # forgets it
        session.pop(ANSWERS_KEY, None)
    return response


def _current() -> ConsentRequest:
    """The request this browser's link opens; LinkRefused if it no longer does. Once an answer
    exists, a browser that did not send it goes to the check that it is them first."""
    req = _link.current()
    # In the family member's own language, once it is known, unless they choose another.
    i18n.prefer(req.language)
    if verification.needs_check(db.Sessions(), req, session.get(DEVICE_KEY)):
        abort(redirect(url_for("family_consent.check_its_you")))
    return req


def _device() -> str:
    """This browser's random value, made the first time it is needed."""
    if not isinstance(session.get(DEVICE_KEY), str):
        session[DEVICE_KEY] = verification.new_device()
    return session[DEVICE_KEY]


def _victim(req: ConsentRequest) -> str:
    return victim_name(db.Sessions(), req.case_id) or _("the person who died")


def _answers() -> dict[str, Any]:
    return consent_forms.load_answers(session.get(ANSWERS_KEY))


def _save(answers: dict[str, Any]) -> None:
    session[ANSWERS_KEY] = consent_forms.dump_answers(answers)


def _render(template: str, req: ConsentRequest, **kw: Any):
    latest = responses.latest(req)
    victim = _victim(req)
    return render_template(
        f"consent/{template}",
        req=req,
        victim=victim,
        latest=latest,
        agreement=documents.agreement(req, latest).value if latest else None,
        returning=journey.returning(),
        goes_to=goes_to(form_settings.chair_name(db.Sessions(), req.case_id)),
        **kw,
    )


def goes_to(chair: str | None) -> str:
    """Whom the signed form goes to, as the pages say it (the chair by name once appointed)."""
    if chair:
        return _("the review panel’s chair, %(chair)s, and the DHR officer", chair=chair)
    return _("the review panel’s chair and the DHR officer")


def _complete(req: ConsentRequest, answers: dict[str, Any]) -> str | None:
    """The first page still to answer, or None when everything is there to send."""
    if answers.get("victim_information") is None or (
        req.ask_about_suspect and answers.get("suspect_information") is None
    ):
        return "family_consent.choices"
    if (
        not answers.get("signed_name")
        or not answers.get("print_name")
        or answers.get("signed_on") is None
    ):
        return "family_consent.sign"
    if _asks_date_of_birth(req) and answers.get("date_of_birth") is None:
        return "family_consent.sign"
    return None


# --- the pages -------------------------------------------------------------------------------


@bp.get("/start")
def start():
    req = _current()
    return _render("start.html", req, can_answer=responses.can_answer(req, ConsentStatus.GIVEN))


@bp.get("/about-sharing")
def about_sharing():
    req = _current()
    if not responses.can_answer(req, ConsentStatus.GIVEN):
        return redirect(url_for("family_consent.start"))
    victim = _victim(req)
    return _render("about_sharing.html", req, statements=consent_forms.statements(victim))


@bp.route("/choices", methods=["GET", "POST"])
@limit
def choices():
    req = _current()
    if not responses.can_answer(req, ConsentStatus.GIVEN):
        return redirect(url_for("family_consent.start"))
    victim = _victim(req)
    answers = _answers()
    form = consent_forms.ChoicesForm(victim=victim, asks_suspect=req.ask_about_suspect)
    if not form.is_submitted():
        form.victim_information.data = answers.get("victim_information")
        form.suspect_information.data = answers.get("suspect_information")
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        answers["victim_information"] = form.victim_information.data
        answers["suspect_information"] = (
            form.suspect_information.data if req.ask_about_suspect else None
        )
        _save(answers)
        if journey.returning():
            return redirect(url_for("family_consent.check"))
        return redirect(url_for("family_consent.sign"))
    return _render(
        "choices.html", req, form=form, timed_out=timed_out,
        has_errors=bool(form.errors) or timed_out,
        consent_to=lambda name: consent_forms.consent_to(name, victim),
    )  # fmt: skip


def _asks_date_of_birth(req: ConsentRequest) -> bool:
    return verification.method_for(req) is ConsentCheckMethod.DATE_OF_BIRTH


def _sign_form(answers: dict[str, Any], *, date_of_birth: bool = False) -> consent_forms.SignForm:
    form = consent_forms.LetterSignForm() if date_of_birth else consent_forms.SignForm()
    if not form.is_submitted():
        form.signed_name.data = answers.get("signed_name")
        form.print_name.data = answers.get("print_name")
        # Today's date to start with: the family member can change it.
        day = answers.get("signed_on") or london_date(clock.now())
        form.signed_on.process(None, data=consent_forms.date_parts(day))
        if date_of_birth:
            born = consent_forms.date_parts(answers.get("date_of_birth"))
            form.date_of_birth.process(None, data=born)
    return form


@bp.route("/sign", methods=["GET", "POST"])
@limit
def sign():
    req = _current()
    if not responses.can_answer(req, ConsentStatus.GIVEN):
        return redirect(url_for("family_consent.start"))
    answers = _answers()
    if answers.get("victim_information") is None:
        return redirect(url_for("family_consent.choices"))
    form = _sign_form(answers, date_of_birth=_asks_date_of_birth(req))
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        answers["signed_name"] = form.signed_name.data
        answers["print_name"] = form.print_name.data
        answers["signed_on"] = form.signed_on.date
        if _asks_date_of_birth(req):
            answers["date_of_birth"] = form.date_of_birth.date
        _save(answers)
        return redirect(url_for("family_consent.check"))
    return _render(
        "sign.html", req, form=form, timed_out=timed_out,
        has_errors=bool(form.errors) or timed_out,
    )  # fmt: skip


@bp.route("/check", methods=["GET", "POST"])
@limit
def check():
    req = _current()
    if not responses.can_answer(req, ConsentStatus.GIVEN):
        return redirect(url_for("family_consent.start"))
    answers = _answers()
    missing = _complete(req, answers)
    if missing:
        return redirect(url_for(missing))
    victim = _victim(req)
    victim_information = consent_forms.choice(answers["victim_information"])
    suspect_information = (
        consent_forms.choice(answers.get("suspect_information")) if req.ask_about_suspect else None
    )
    form = consent_forms.SendForm()
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        try:
            with db.transaction() as s:
                responses.record(
                    s, req, victim_information=victim_information,
                    suspect_information=suspect_information,
                    signed_name=answers["signed_name"], print_name=answers["print_name"],
                    signed_on=answers["signed_on"],
                    date_of_birth=answers.get("date_of_birth"), device=_device(),
                    client_address=web.client_address(), language=i18n.select_locale(),
                )  # fmt: skip
        except responses.ResponseRefused:
            # A second click (or tab) raced the first: that one sent it.
            pass
        session.pop(ANSWERS_KEY, None)
        _link.sent()
        return redirect(url_for("family_consent.sent"))
    giving = responses.status_of(victim_information, suspect_information) is ConsentStatus.GIVEN
    return _render(
        "check.html", req, form=form, timed_out=timed_out, has_errors=timed_out,
        answers=answers, giving=giving, statements=consent_forms.statements(victim),
        consent_to=lambda name: consent_forms.consent_to(name, victim),
        choice_text=consent_forms.answered, victim_information=victim_information,
        suspect_information=suspect_information,
    )  # fmt: skip


@bp.get("/sent")
def sent():
    req = _current()
    latest = responses.latest(req)
    if latest is None:
        return redirect(url_for("family_consent.start"))
    return _render("sent.html", req)


@bp.get("/your-form.pdf")
def copy_pdf():
    """The family member's own copy of their latest answer (no case reference on it)."""
    req = _current()
    latest = responses.latest(req)
    if latest is None:
        return redirect(url_for("family_consent.start"))
    data = responses.family_copy(db.Sessions(), req, latest)
    with db.transaction() as t:
        audit.record(
            t, "consent.copy_downloaded", actor=responses.actor_of(req),
            partnership_id=req.partnership_id, object_type="consent_request", object_id=req.id,
            case_id=req.case_id, client_address=web.client_address(), response_id=latest.id,
        )  # fmt: skip
    return send_file(
        io.BytesIO(data),
        mimetype=documents.PDF_CONTENT_TYPE,
        as_attachment=True,
        download_name=documents.response_filename(latest),
    )


# --- withdrawing -----------------------------------------------------------------------------


@bp.route("/withdraw", methods=["GET", "POST"])
@limit
def withdraw():
    req = _current()
    if not responses.can_answer(req, ConsentStatus.WITHDRAWN):
        return redirect(url_for("family_consent.start"))
    form = _sign_form({})
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        try:
            with db.transaction() as s:
                responses.record(
                    s, req, withdraw=True, signed_name=form.signed_name.data,
                    print_name=form.print_name.data, signed_on=form.signed_on.date,
                    device=_device(), client_address=web.client_address(),
                    language=i18n.select_locale(),
                )  # fmt: skip
        except responses.ResponseRefused:
            pass  # withdrawn already, by a second click
        session.pop(ANSWERS_KEY, None)
        _link.sent()
        return redirect(url_for("family_consent.sent"))
    return _render(
        "withdraw.html", req, form=form, timed_out=timed_out,
        has_errors=bool(form.errors) or timed_out,
    )  # fmt: skip


# --- checking it is them, in another browser ---------------------------------------------------


@bp.route("/check-its-you", methods=["GET", "POST"])
@limit
def check_its_you():
    """Before an answered form shows in a browser that did not send it: send a code to the
    address the family gave, or (a letter) ask the date of birth they gave on the form."""
    req = _link.current()
    i18n.prefer(req.language)
    s = db.Sessions()
    if not verification.needs_check(s, req, session.get(DEVICE_KEY)):
        return redirect(url_for("family_consent.start"))
    if _asks_date_of_birth(req):
        return _check_date_of_birth(req)
    form = consent_forms.SendForm()
    problem = None
    if form.validate_on_submit():
        try:
            with db.transaction() as t:
                verification.send_code(t, req, client_address=web.client_address())
        except verification.CodeRefused as exc:
            problem = str(exc)
        else:
            return redirect(url_for("family_consent.enter_code"))
    return render_template(
        "consent/check_its_you.html", form=form, problem=problem, by_email=True,
        locked=verification.locked(s, req),
    ), (429 if problem else 200)  # fmt: skip


def _check_date_of_birth(req: ConsentRequest):
    form = consent_forms.DateOfBirthForm()
    outcome = None
    if form.validate_on_submit():
        with db.transaction() as t:
            outcome = verification.check_date_of_birth(
                t, req, form.date_of_birth.date, _device(), client_address=web.client_address()
            )
        if outcome is verification.Outcome.PASSED:
            return redirect(url_for("family_consent.start"))
        if outcome is verification.Outcome.WRONG:
            form.date_of_birth.errors = [
                _("The date of birth does not match the one given on the form")
            ]
    locked = outcome in (verification.Outcome.LOCKED, verification.Outcome.UNAVAILABLE) or (
        verification.locked(db.Sessions(), req)
    )
    return render_template(
        "consent/check_its_you.html", form=form, by_email=False, locked=locked,
        has_errors=bool(form.errors),
    ), (400 if form.errors else 200)  # fmt: skip


@bp.route("/check-its-you/code", methods=["GET", "POST"])
@limit
def enter_code():
    """The code from the email; right, and this browser may see the answered form."""
    req = _link.current()
    i18n.prefer(req.language)
    if not verification.needs_check(db.Sessions(), req, session.get(DEVICE_KEY)):
        return redirect(url_for("family_consent.start"))
    if _asks_date_of_birth(req):
        return redirect(url_for("family_consent.check_its_you"))
    form = consent_forms.CodeForm()
    outcome = None
    if form.validate_on_submit():
        with db.transaction() as t:
            outcome = verification.check_code(
                t, req, form.code.data, _device(), client_address=web.client_address()
            )
        if outcome is verification.Outcome.PASSED:
            return redirect(url_for("family_consent.start"))
        form.code.errors = [str(CODE_PROBLEMS[outcome])]
    return render_template(
        "consent/enter_code.html", form=form, has_errors=bool(form.errors),
        locked=outcome is verification.Outcome.LOCKED, send_form=consent_forms.SendForm(),
    ), (400 if form.errors else 200)  # fmt: skip


CODE_PROBLEMS = {
    verification.Outcome.WRONG: lazy_gettext(
        "The code is not right. Check the email and try again"
    ),
    verification.Outcome.EXPIRED: lazy_gettext(
        "This code has expired or was replaced. Ask for a new code"
    ),
    verification.Outcome.LOCKED: lazy_gettext(
        "You have entered the wrong code too many times. Ask for a new code"
    ),
    verification.Outcome.UNAVAILABLE: lazy_gettext("Ask for a new code"),
}
