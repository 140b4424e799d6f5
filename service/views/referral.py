"""The public referral form: a GOV.UK task list of sections, each a few question pages or an
"add another" list, then check your answers, submit and a confirmation.

No account is needed. The browser's session remembers which draft is its own; "save and come
back later" emails a link to a secure address so the referral can be finished elsewhere. Every
page works without JavaScript.
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
    send_file,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, StringField
from wtforms import validators as wv

from forms import options
from forms import referral as catalogue
from forms.referral import SECTION_BY_SLUG, SECTIONS, Question
from service import db, tokens
from service.auth import web
from service.models import Partnership, Referral, ReferralStatus
from service.ratelimit import limiter
from service.referrals import drafts
from service.views import journey

bp = Blueprint("referral", __name__, url_prefix="/refer")

DRAFT_KEY = "referral_draft"
SUBMITTED_KEY = "referral_submitted"
#: Posts per client address: generous for a person filling in the form, not for a script.
PUBLIC_LIMIT = "120 per 10 minutes"
limit = limiter.limit(PUBLIC_LIMIT, methods=["POST"])

TIMED_OUT = (
    "This page timed out, so your last answers were not saved yet. Check them and select "
    "the button again"
)


# --- the draft and its partnership ----------------------------------------------------------


def _partnership() -> Partnership:
    """The partnership this service runs for (the draft's, once there is one)."""
    draft = _draft()
    s = db.Sessions()
    if draft is not None:
        found = s.get(Partnership, draft.partnership_id)
    else:
        rows = s.scalars(select(Partnership).order_by(Partnership.id).limit(2)).all()
        if len(rows) != 1:
            # One service per partnership: with none (or several) configured, no form.
            abort(404)
        found = rows[0]
    g.partnership = found
    return found


def _draft() -> Referral | None:
    if "referral_draft_row" not in g:
        g.referral_draft_row = drafts.live_draft(db.Sessions(), session.get(DRAFT_KEY))
    return g.referral_draft_row


def _answers() -> dict[str, Any]:
    draft = _draft()
    return dict(draft.answers or {}) if draft else {}


def _save(answers: dict[str, Any]) -> None:
    with db.transaction() as s:
        draft = _draft()
        if draft is None:
            draft = drafts.new_draft(s, _partnership())
            session[DRAFT_KEY] = draft.id
            session.permanent = True
        drafts.save(s, s.merge(draft), answers)
    g.pop("referral_draft_row", None)


# --- where each answer belongs --------------------------------------------------------------


def _section_fields(section: catalogue.Section) -> set[str]:
    if section.group:
        return {section.group.name, f"{section.group.name}_any"}
    names: set[str] = set()
    for page in section.pages:
        for q in page.questions:
            names.add(q.name)
            if q.details:
                names.add(q.details)
    return names


SECTION_FIELDS = {s.slug: _section_fields(s) for s in SECTIONS}


def section_status(section: catalogue.Section, answers: dict, problems: dict) -> str:
    fields = SECTION_FIELDS[section.slug]
    if not any(answers.get(name) not in (None, "", []) for name in fields):
        return "Not yet started"
    if fields & set(problems):
        return "In progress"
    group = section.group
    if group and answers.get(f"{group.name}_any") == "yes" and not answers.get(group.name):
        return "In progress"
    return "Completed"


def _after(section: catalogue.Section, page: catalogue.Page | None = None) -> str:
    """Where to go once a page is saved: the section's next page, else the task list."""
    if journey.returning():
        return url_for("referral.check")
    if page is not None:
        index = section.pages.index(page)
        if index + 1 < len(section.pages):
            return url_for("referral.page", slug=section.pages[index + 1].slug)
    return url_for("referral.start")


# --- task list and question pages -----------------------------------------------------------


@bp.get("")
def start():
    partnership = _partnership()
    answers = _answers()
    problems = catalogue.problems(answers)
    rows = [
        {
            "section": section,
            "status": section_status(section, answers, problems),
            "href": url_for("referral.group", slug=section.slug)
            if section.group
            else url_for("referral.page", slug=section.pages[0].slug),
        }
        for section in SECTIONS
    ]
    done = sum(1 for r in rows if r["status"] == "Completed")
    return render_template(
        "referral/task_list.html",
        rows=rows,
        done=done,
        partnership=partnership,
        has_draft=_draft() is not None,
    )


@bp.route("/page/<slug>", methods=["GET", "POST"])
@limit
def page(slug: str):
    found = catalogue.PAGE_BY_SLUG.get(slug)
    if found is None:
        abort(404)
    section, pg = found
    _partnership()
    answers = _answers()
    if request.method == "POST":
        form = catalogue.page_form(pg.questions)
    else:
        form = catalogue.page_form(pg.questions, data=catalogue.form_data(answers, pg.questions))
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        page_answers = catalogue.answers_from(form, pg.questions)
        problem = _cross_check(page_answers, answers)
        if problem is None:
            _save(page_answers)
            return redirect(_after(section, pg))
        getattr(form, problem[0]).errors = [problem[1]]
    return render_template(
        "referral/page.html",
        form=form,
        section=section,
        page=pg,
        timed_out=timed_out,
        has_errors=bool(form.errors) or timed_out,
    )


def _cross_check(page_answers: dict, answers: dict) -> tuple[str, str] | None:
    """Checks between answers on different pages: a date of birth after the date of death."""
    merged = {**answers, **page_answers}
    for who in ("deceased", "suspect"):
        dob = merged.get(f"{who}_dob")
        death = merged.get("deceased_date_of_death")
        if dob and death and dob > death:
            name = f"{who}_dob" if f"{who}_dob" in page_answers else "deceased_date_of_death"
            if name in page_answers:
                what = "The date of birth" if name.endswith("dob") else "The date of death"
                return name, (
                    f"{what} must be before the date of death"
                    if name.endswith("dob")
                    else f"{what} must be after the date of birth"
                )
    return None


# --- "add another" groups -------------------------------------------------------------------


def _group_section(slug: str) -> catalogue.Section:
    section = SECTION_BY_SLUG.get(slug)
    if section is None or section.group is None:
        abort(404)
    _partnership()
    return section


class AnyForm(FlaskForm):
    answer = RadioField(
        choices=options(catalogue.YES_NO), validators=[wv.InputRequired("Select yes or no")]
    )


class AddAnotherForm(FlaskForm):
    add_another = RadioField(
        choices=options(catalogue.YES_NO), validators=[wv.InputRequired("Select yes or no")]
    )


def _item_label(group: catalogue.Group, item: dict, index: int) -> str:
    return item.get("name") or item.get("agency") or f"{group.item.capitalize()} {index + 1}"


@bp.route("/<slug>", methods=["GET", "POST"])
@limit
def group(slug: str):
    """The yes/no question that opens an "add another" section, or its list once it has items."""
    section = _group_section(slug)
    grp = section.group
    answers = _answers()
    items = answers.get(grp.name) or []
    if items and answers.get(f"{grp.name}_any") == "yes" and request.method == "GET":
        return redirect(url_for("referral.group_list", slug=slug, **request.args))
    form = AnyForm(
        data={"answer": answers.get(f"{grp.name}_any")} if request.method == "GET" else None
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        if form.answer.data == "no":
            _save({f"{grp.name}_any": "no", grp.name: []})
            return redirect(_after(section))
        _save({f"{grp.name}_any": "yes"})
        return redirect(url_for("referral.group_item", slug=slug, index=len(items), **request.args))
    return render_template(
        "referral/group_any.html", form=form, section=section, timed_out=timed_out,
        has_errors=bool(form.errors) or timed_out,
    )  # fmt: skip


@bp.route("/<slug>/list", methods=["GET", "POST"])
@limit
def group_list(slug: str):
    section = _group_section(slug)
    grp = section.group
    items = _answers().get(grp.name) or []
    if not items:
        return redirect(url_for("referral.group", slug=slug))
    form = AddAnotherForm()
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        if form.add_another.data == "yes":
            return redirect(
                url_for("referral.group_item", slug=slug, index=len(items), **request.args)
            )
        return redirect(_after(section))
    rows = [
        {
            "label": _item_label(grp, item, i),
            "rows": [(q.label, catalogue.show(q, item.get(q.name))) for q in grp.questions],
            "index": i,
        }
        for i, item in enumerate(items)
    ]
    return render_template(
        "referral/group_list.html", form=form, section=section, items=rows, timed_out=timed_out,
        has_errors=bool(form.errors) or timed_out,
    )  # fmt: skip


@bp.route("/<slug>/<int:index>", methods=["GET", "POST"])
@limit
def group_item(slug: str, index: int):
    """Add (index = the number of items so far) or change one item."""
    section = _group_section(slug)
    grp = section.group
    answers = _answers()
    items = list(answers.get(grp.name) or [])
    if index > len(items) or index >= 50:
        abort(404)
    existing = items[index] if index < len(items) else {}
    if request.method == "POST":
        form = catalogue.page_form(grp.questions)
    else:
        form = catalogue.page_form(grp.questions, data=catalogue.form_data(existing, grp.questions))
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        item = catalogue.answers_from(form, grp.questions)
        if index < len(items):
            items[index] = item
        else:
            items.append(item)
        _save({grp.name: items, f"{grp.name}_any": "yes"})
        return redirect(url_for("referral.group_list", slug=slug, **request.args))
    return render_template(
        "referral/group_item.html", form=form, section=section, index=index,
        adding=index >= len(items), timed_out=timed_out,
        has_errors=bool(form.errors) or timed_out,
    )  # fmt: skip


@bp.post("/<slug>/<int:index>/remove")
@limit
def group_remove(slug: str, index: int):
    section = _group_section(slug)
    grp = section.group
    form = FlaskForm()
    if not form.validate_on_submit():
        return redirect(url_for("referral.group_list", slug=slug))
    items = list(_answers().get(grp.name) or [])
    if index < len(items):
        items.pop(index)
        _save({grp.name: items, f"{grp.name}_any": "yes" if items else None})
    if not items:
        return redirect(url_for("referral.group", slug=slug, **request.args))
    return redirect(url_for("referral.group_list", slug=slug, **request.args))


# --- check answers, submit, confirmation ----------------------------------------------------


def _problem_links(problems: dict) -> list[dict[str, str]]:
    """One error-summary entry per section with something missing, linking to where to fix it."""
    links = []
    for section in SECTIONS:
        if SECTION_FIELDS[section.slug] & set(problems):
            href = (
                url_for("referral.group", slug=section.slug, **{"return": "check"})
                if section.group
                else url_for("referral.page", slug=_first_problem_page(section, problems),
                             **{"return": "check"})
            )  # fmt: skip
            links.append({"text": f"Complete ‘{section.heading}’", "href": href})
    return links


def _first_problem_page(section: catalogue.Section, problems: dict) -> str:
    for pg in section.pages:
        if any(q.name in problems or (q.details and q.details in problems) for q in pg.questions):
            return pg.slug
    return section.pages[0].slug


@bp.route("/check", methods=["GET", "POST"])
@limit
def check():
    partnership = _partnership()
    draft = _draft()
    if draft is None:
        return redirect(url_for("referral.start"))
    answers = _answers()
    problems = catalogue.problems(answers)
    form = FlaskForm()
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out and not problems:
        from service.referrals import submission

        with db.transaction() as s:
            try:
                done = submission.submit(s, s.merge(draft), client_address=web.client_address())
            except submission.AlreadySubmitted:
                # A second click (or tab) raced the first: that one sent it.
                return redirect(url_for("referral.start"))
            except submission.NotReady as exc:
                problems = exc.problems
            else:
                session.pop(DRAFT_KEY, None)
                session[SUBMITTED_KEY] = done.id
        if not problems:
            return redirect(url_for("referral.confirmation"))
    return render_template(
        "referral/check.html",
        sections=catalogue.answer_rows(answers),
        problem_links=_problem_links(problems),
        incomplete=bool(problems),
        partnership=partnership,
        timed_out=timed_out,
        has_errors=bool(problems) or timed_out,
    )


def _submitted() -> Referral:
    referral_id = session.get(SUBMITTED_KEY)
    referral = db.Sessions.get(Referral, referral_id) if referral_id else None
    if referral is None or referral.status is ReferralStatus.DRAFT:
        abort(404)
    g.partnership = db.Sessions.get(Partnership, referral.partnership_id)
    return referral


@bp.get("/confirmation")
def confirmation():
    referral = _submitted()
    return render_template("referral/confirmation.html", referral=referral)


@bp.get("/confirmation/referral.pdf")
def confirmation_pdf():
    """The referrer's own copy, for the browser that sent it."""
    import io

    from service import audit
    from service.referrals.pdf import render_referral_pdf

    referral = _submitted()
    data = render_referral_pdf(referral, g.partnership)
    with db.transaction() as s:
        audit.record(
            s, "referral.downloaded", actor="public", partnership_id=referral.partnership_id,
            object_type="referral", object_id=referral.id, client_address=web.client_address(),
        )  # fmt: skip
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"referral-{referral.reference}.pdf",
    )


# --- save and come back later ---------------------------------------------------------------


class SaveForm(FlaskForm):
    email = StringField(
        validators=[wv.InputRequired("Enter your email address")],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


@bp.route("/save", methods=["GET", "POST"])
@limit
def save_for_later():
    partnership = _partnership()
    draft = _draft()
    if draft is None:
        return redirect(url_for("referral.start"))
    form = SaveForm(
        data={"email": (draft.answers or {}).get("referrer_email")}
        if request.method == "GET"
        else None
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        with db.transaction() as s:
            try:
                drafts.send_resume_link(
                    s, s.merge(draft), form.email.data, client_address=web.client_address()
                )
            except drafts.DraftRefused as exc:
                form.email.errors = [str(exc)]
        if not form.email.errors:
            return render_template(
                "referral/saved.html", email=form.email.data, expires_at=draft.expires_at
            )
    return render_template(
        "referral/save.html", form=form, partnership=partnership, timed_out=timed_out,
        has_errors=bool(form.errors) or timed_out,
    )  # fmt: skip


@bp.get("/resume")
def resume():
    token = request.args.get("token", "")
    try:
        draft = drafts.resume(db.Sessions(), token)
    except tokens.TokenRefused as exc:
        return (
            render_template("referral/link_problem.html", problem=exc.problem.value),
            404 if exc.problem is tokens.TokenProblem.INVALID else 410,
        )
    session[DRAFT_KEY] = draft.id
    session.permanent = True
    return redirect(url_for("referral.start"))


@bp.app_template_global()
def question_macro_args(q: Question) -> dict[str, Any]:
    """How a question is drawn: the macro arguments the page template passes on."""
    kinds = {
        "email": {"type": "email", "autocomplete": "email", "spellcheck": False},
        "phone": {"type": "tel", "autocomplete": "tel", "classes": "govuk-input--width-20"},
        "text": {},
    }
    return kinds.get(q.kind, {})
