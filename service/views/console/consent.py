"""Console: family consent. The officer or the case's chair asks a family member for consent
(by email, or by a letter the police family liaison officer hands over), downloads the letter,
and sends the email again or issues a new link. Everyone who can read the case reads its consent
tracker, each request's answers and the signed forms; every view and download is audited.

The work is in ``service.consent``; every row is read through the user's Scope.
"""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, send_file, url_for
from sqlalchemy.orm import Session

from forms import consent as consent_forms
from service import clock, db, i18n
from service.auth import identity, scope, web
from service.consent import documents, form_settings, links, responses
from service.consent import language as family_language
from service.consent import requests as consent_requests
from service.models import (
    Case,
    CaseStatus,
    ConsentDelivery,
    ConsentRequest,
    ConsentResponse,
    ConsentStatus,
    Partnership,
)
from service.views.console import bp, common

STATUS_TAGS = {
    ConsentStatus.AWAITING: {"text": "Awaiting", "classes": "govuk-tag--blue"},
    ConsentStatus.GIVEN: {"text": "Given", "classes": "govuk-tag--green"},
    ConsentStatus.DECLINED: {"text": "Declined", "classes": "govuk-tag--yellow"},
    ConsentStatus.WITHDRAWN: {"text": "Withdrawn", "classes": "govuk-tag--red"},
}
#: Consent given to some questions but not all: a status of its own on the tracker, so it is
#: never read as full consent.
PARTIAL_TAG = {"text": "Partial consent", "classes": "govuk-tag--orange"}
DELIVERY_TEXT = {ConsentDelivery.EMAIL: "Email", ConsentDelivery.LETTER: "Letter"}


def status_tag(status: ConsentStatus) -> dict[str, str]:
    return STATUS_TAGS[status]


def answer_tag(request: ConsentRequest, response: ConsentResponse | None) -> dict[str, str]:
    """The tag for an answer (the request's status when there is none), partial consent apart."""
    if response is None:
        return STATUS_TAGS[request.status]
    if documents.agreement(request, response) is documents.Agreement.PARTIAL:
        return PARTIAL_TAG
    return STATUS_TAGS[response.status]


def choices_text(request: ConsentRequest, response: ConsentResponse | None) -> str:
    """The latest answer's choices in a few words: "Victim: yes. Suspect: no"."""
    if response is None or response.status is ConsentStatus.WITHDRAWN:
        return ""
    parts = [f"Victim: {'yes' if response.victim_information else 'no'}"]
    if request.ask_about_suspect:
        parts.append(f"Suspect: {'yes' if response.suspect_information else 'no'}")
    return ". ".join(parts)


# --- looking rows up through the Scope ---------------------------------------------------------


_record = common.record


def _case(s: Session, sc: scope.Scope, case_id: int) -> Case:
    return common.found(s, sc, Case, case_id)


def _request(s: Session, sc: scope.Scope, consent_id: int) -> ConsentRequest:
    return common.found(s, sc, ConsentRequest, consent_id)


def _requests_of(s: Session, sc: scope.Scope, case_id: int) -> list[ConsentRequest]:
    return list(
        s.scalars(
            sc.select(ConsentRequest, ConsentRequest.case_id == case_id).order_by(
                ConsentRequest.created_at, ConsentRequest.id
            )
        )
    )


@bp.context_processor
def _consent_context() -> dict[str, Any]:
    return {"consent_summary": consent_summary}


def consent_summary(case_id: int) -> dict[str, int]:
    """How many family members were asked for consent on the case, by status (for the case
    page). Read through the signed-in user's Scope."""
    user = web.current_user()
    if user is None or not scope.can(user, "consent.view"):
        return {}
    sc = scope.Scope(user)
    counts = {status.value: 0 for status in ConsentStatus} | {"partial": 0}
    rows = _requests_of(db.Sessions(), sc, case_id)
    for row in rows:
        counts[row.status.value] += 1
        answer = responses.latest(row)
        if answer and documents.agreement(row, answer) is documents.Agreement.PARTIAL:
            counts["partial"] += 1
    counts["asked"] = len(rows)
    return counts


# --- the tracker ---------------------------------------------------------------------------------


@bp.get("/cases/<int:case_id>/consent")
@web.requires("consent.view")
def consent(case_id: int):
    """Every family member asked on the case, with their consent's status. Audited."""
    sc = web.current_scope()
    with db.transaction() as s:
        case = _case(s, sc, case_id)
        _record(s, sc, "consent.tracker_viewed", object_type="case", object_id=case.id,
                case_id=case.id)  # fmt: skip
    rows = _requests_of(s, sc, case.id)
    return render_template(
        "console/consent.html",
        case=case,
        rows=rows,
        latest=responses.latest,
        status_tag=status_tag,
        answer_tag=answer_tag,
        choices_text=choices_text,
        delivery_text=DELIVERY_TEXT,
        victim=consent_requests.victim_name(s, case.id),
    )


@bp.route("/cases/<int:case_id>/consent/new", methods=["GET", "POST"])
@web.requires("consent.request")
def consent_new(case_id: int):
    """Ask a family member for consent."""
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    if case.status is not CaseStatus.OPEN:
        flash("This case is closed: family consent cannot be asked for", "important")
        return redirect(url_for("console.consent", case_id=case.id))
    partnership = s.get(Partnership, case.partnership_id)
    form = consent_forms.ConsentRequestForm(languages=partnership.languages)
    if form.validate_on_submit():
        new = consent_forms.clean_request(form, ask_about_suspect=form_settings.asked(s, case.id))
        try:
            with db.transaction() as t:
                case = _case(t, sc, case_id)
                created = consent_requests.create(
                    t, case, new, created_by=sc.user.id, actor=identity.actor_of(sc.user),
                    client_address=web.client_address(),
                )  # fmt: skip
                consent_id = created.id
        except consent_requests.RequestRefused as exc:
            refused_language = str(exc) == consent_requests.LANGUAGE_NOT_OFFERED
            (form.language if refused_language else form.email).errors = [str(exc)]
        else:
            if new.delivery is ConsentDelivery.EMAIL:
                flash(f"The request has been emailed to {new.name}", "success")
            else:
                flash(
                    "The request has been made. Download the letter and give it to the police "
                    "family liaison officer to hand over.",
                    "success",
                )
            return redirect(url_for("console.consent_request", consent_id=consent_id))
    return render_template(
        "console/consent_new.html",
        case=case,
        form=form,
        victim=consent_requests.victim_name(s, case.id),
    ), (400 if form.errors else 200)


# --- one family member's request ---------------------------------------------------------------


@bp.get("/consent/<int:consent_id>")
@web.requires("consent.view")
def consent_request(consent_id: int):
    """One family member's request: how it was sent, its link, every answer. Audited."""
    sc = web.current_scope()
    with db.transaction() as s:
        req = _request(s, sc, consent_id)
        _record(s, sc, "consent.request_viewed", object_type="consent_request", object_id=req.id,
                case_id=req.case_id)  # fmt: skip
    case = _case(s, sc, req.case_id)
    answers = list(
        s.scalars(
            sc.select(ConsentResponse, ConsentResponse.request_id == req.id).order_by(
                ConsentResponse.id.desc()
            )
        )
    )
    token = links.current(s, req)
    partnership = s.get(Partnership, req.partnership_id)
    return render_template(
        "console/consent_request.html",
        language_text=language_text(partnership, req),
        req=req,
        case=case,
        answers=answers,
        status=answer_tag(req, answers[0] if answers else None),
        status_tag=status_tag,
        answer_tag=answer_tag,
        agreed_lines=lambda answer: documents.agreed_lines(req, answer, "the victim"),
        choice_text=documents.choice_text,
        delivery_text=DELIVERY_TEXT,
        link_works=token is not None and case.status is CaseStatus.OPEN,
        can_request=scope.can(sc.user, "consent.request"),
        open_case=case.status is CaseStatus.OPEN,
    )


def language_text(partnership: Partnership, req: ConsentRequest) -> str | None:
    """The request page's "Language" row, where the partnership offers more than one."""
    if len(family_language.offered(partnership)) < 2:
        return None
    if req.language is None:
        return consent_forms.NOT_KNOWN_TEXT
    return i18n.NAMES[req.language]


@bp.route("/consent/<int:consent_id>/language", methods=["GET", "POST"])
@web.requires("consent.request")
def consent_language(consent_id: int):
    """Change the language the family member is written to (where the partnership offers more
    than one). Audited."""
    sc = web.current_scope()
    s = db.Sessions()
    req = _request(s, sc, consent_id)
    partnership = s.get(Partnership, req.partnership_id)
    form = consent_forms.ConsentLanguageForm(languages=partnership.languages)
    if form.language is None:
        abort(404)
    if not form.is_submitted():
        form.show_language(req.language)
    elif form.validate():
        with db.transaction() as t:
            changed = consent_requests.change_language(
                t, _request(t, sc, consent_id), form.chosen_language(),
                actor=identity.actor_of(sc.user), client_address=web.client_address(),
            )  # fmt: skip
        if changed:
            chosen = form.chosen_language()
            written_in = i18n.NAMES[chosen] if chosen else "Welsh and English"
            flash(f"{req.name}’s letter, form and emails are now in {written_in}", "success")
        return redirect(url_for("console.consent_request", consent_id=consent_id))
    return render_template(
        "console/consent_language.html", req=req, case=_case(s, sc, req.case_id), form=form
    ), (400 if form.errors else 200)


def _send_again(consent_id: int, *, new_link: bool):
    sc = web.current_scope()
    try:
        with db.transaction() as s:
            req = _request(s, sc, consent_id)
            consent_requests.send_again(
                s, req, new_link=new_link, actor=identity.actor_of(sc.user),
                client_address=web.client_address(),
            )  # fmt: skip
            delivery = req.delivery
    except consent_requests.RequestRefused as exc:
        flash(str(exc), "important")
        return redirect(url_for("console.consent_request", consent_id=consent_id))
    if delivery is ConsentDelivery.EMAIL:
        message = (
            "A new link has been emailed. The old link no longer works."
            if new_link
            else "The email has been sent again"
        )
    else:
        message = (
            "A new link has been issued. The old link no longer works: download the new letter "
            "and give it to the police family liaison officer."
        )
    flash(message, "success")
    return redirect(url_for("console.consent_request", consent_id=consent_id))


@bp.post("/consent/<int:consent_id>/resend")
@web.requires("consent.request")
def consent_resend(consent_id: int):
    return _send_again(consent_id, new_link=False)


@bp.post("/consent/<int:consent_id>/new-link")
@web.requires("consent.request")
def consent_new_link(consent_id: int):
    return _send_again(consent_id, new_link=True)


@bp.get("/consent/<int:consent_id>/letter.pdf")
@web.requires("consent.request")
def consent_letter(consent_id: int):
    """The letter with the family member's current link, to print. Audited."""
    sc = web.current_scope()
    s = db.Sessions()
    req = _request(s, sc, consent_id)
    case = _case(s, sc, req.case_id)
    url = links.current_url(s, req) if case.status is CaseStatus.OPEN else None
    if url is None:
        flash("There is no working link to print: issue a new link first", "important")
        return redirect(url_for("console.consent_request", consent_id=consent_id))
    partnership = sc.get(s, Partnership, req.partnership_id)
    data = documents.render_letter_pdf(
        req, partnership=partnership, url=url, chair=form_settings.chair_name(s, req.case_id)
    )
    with db.transaction() as t:
        _record(t, sc, "consent.letter_downloaded", object_type="consent_request",
                object_id=req.id, case_id=req.case_id)  # fmt: skip
    return _pdf(data, documents.letter_filename(req))


@bp.get("/consent/<int:consent_id>/responses/<int:response_id>.pdf")
@web.requires("consent.view")
def consent_response_pdf(consent_id: int, response_id: int):
    """One signed form (or withdrawal), as the review received it. Audited."""
    sc = web.current_scope()
    s = db.Sessions()
    req = _request(s, sc, consent_id)
    response = s.scalar(
        sc.select(
            ConsentResponse,
            ConsentResponse.id == response_id,
            ConsentResponse.request_id == req.id,
        )
    )
    if response is None:
        abort(404)
    attachment = responses.review_copy(s, req, response)
    with db.transaction() as t:
        _record(t, sc, "consent.form_downloaded", object_type="consent_request",
                object_id=req.id, case_id=req.case_id, response_id=response.id)  # fmt: skip
    return _pdf(attachment.data, attachment.filename)


def _pdf(data: bytes, filename: str):
    response = send_file(
        io.BytesIO(data),
        mimetype=documents.PDF_CONTENT_TYPE,
        as_attachment=True,
        download_name=filename,
        last_modified=clock.now(),
    )
    response.headers["Cache-Control"] = "no-store"
    return response
