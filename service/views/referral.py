"""The public referral form: a GOV.UK task list of sections, each a few question pages or an
"add another" list, then check your answers, submit and a confirmation.

Each partnership has its own form at ``/p/<slug>/refer``. ``/refer`` is the form of the only
partnership when there is one, and lists them when there are several.

No account is needed. The browser's session remembers which draft is its own (one per
partnership); "save and come back later" emails a link to a secure address so the referral can be
finished elsewhere. Every page works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
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
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms import validators as wv

from forms import options, question_forms
from forms import referral as catalogue
from forms.base import ServiceForm
from forms.questions import field_data
from forms.referral import SECTION_BY_SLUG, SECTIONS, Question
from service import db, tokens
from service.auth import web
from service.models import Partnership, Referral, ReferralStatus
from service.ratelimit import limiter
from service.referrals import drafts
from service.views import journey, public

bp = Blueprint("referral", __name__)

DRAFT_KEY = "referral_draft"
SUBMITTED_KEY = "referral_submitted"
#: Posts per client address: generous for a person filling in the form, not for a script.
PUBLIC_LIMIT = "120 per 10 minutes"
limit = limiter.limit(PUBLIC_LIMIT, methods=["POST"])

TIMED_OUT = (
    "This page timed out, so your last answers were not saved yet. Check them and select "
    "the button again"
)


# --- the partnership and its draft ----------------------------------------------------------


def route(rule: str, **options: Any) -> Callable:
    """A page of the form at ``/refer<rule>`` (the only partnership's, or the one the browser's
    draft belongs to) and at ``/p/<slug>/refer<rule>`` (that partnership's)."""

    def register(view: Callable) -> Callable:
        bp.add_url_rule(f"/refer{rule}", view_func=view, defaults={"partnership": None}, **options)
        bp.add_url_rule(f"/p/<partnership>/refer{rule}", view_func=view, **options)
        return view

    return register


@bp.url_value_preprocessor
def _partnership_from_address(_endpoint: str | None, values: dict | None) -> None:
    slug = values.pop("partnership", None) if values else None
    if slug is not None:
        public.choose_partnership(slug)


bp.url_defaults(public.keep_partnership)


@bp.before_request
def _partnership_for_plain_address() -> ResponseReturnValue | None:
    """``/refer`` with no partnership named: the only one, else the list to choose from."""
    if g.get("partnership_slug"):
        return None
    listed = public.listed_partnerships()
    if len(listed) == 1:
        g.partnership = listed[0]
        return None
    if not listed:
        abort(404)
    g.partnership = None
    if request.endpoint == "referral.resume":
        return None  # the link's draft says whose it is
    if request.endpoint == "referral.start":
        return render_template("referral/choose.html", partnerships=listed)
    # A page of a referral begun here before a second partnership was added: carry on with it.
    started = [p for p in listed if str(p.id) in _draft_ids()]
    if len(started) == 1:
        public.choose_partnership(started[0].slug)
        return None
    return redirect(url_for("referral.start"))


def _partnership() -> Partnership:
    """The partnership this page serves, chosen before the view ran."""
    return g.partnership


def _draft_ids() -> dict[str, int]:
    """This browser's drafts, by partnership id."""
    value = session.get(DRAFT_KEY)
    if isinstance(value, dict):
        return value
    # A session from before drafts were kept per partnership holds one draft's id.
    draft = drafts.live_draft(db.Sessions(), value)
    return {str(draft.partnership_id): draft.id} if draft else {}


def _remember_draft(draft: Referral) -> None:
    session[DRAFT_KEY] = {**_draft_ids(), str(draft.partnership_id): draft.id}
    session.permanent = True


def _forget_draft(draft: Referral) -> None:
    session[DRAFT_KEY] = {k: v for k, v in _draft_ids().items() if k != str(draft.partnership_id)}


def _draft() -> Referral | None:
    """The browser's draft for this partnership: a draft begun for another is not seen here."""
    if "referral_draft_row" not in g:
        partnership = _partnership()
        g.referral_draft_row = drafts.live_draft(
            db.Sessions(), _draft_ids().get(str(partnership.id)), partnership=partnership
        )
    return g.referral_draft_row


def _answers() -> dict[str, Any]:
    draft = _draft()
    return dict(draft.answers or {}) if draft else {}


def _save(answers: dict[str, Any]) -> None:
    with db.transaction() as s:
        draft = _draft()
        if draft is None:
            draft = drafts.new_draft(s, _partnership())
            _remember_draft(draft)
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


@route("", methods=["GET"])
def start():
    partnership = _partnership()
    answers = _answers()
    problems = catalogue.problems(answers, partnership)
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


@route("/page/<slug>", methods=["GET", "POST"])
@limit
def page(slug: str):
    found = catalogue.PAGE_BY_SLUG.get(slug)
    if found is None:
        abort(404)
    section, pg = found
    _partnership()
    answers = _answers()
    if request.method == "POST":
        form = question_forms.page_form(pg.questions, partnership=g.partnership)
    else:
        form = question_forms.page_form(
            pg.questions, partnership=g.partnership,
            data=field_data(answers, pg.questions),
        )  # fmt: skip
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        page_answers = question_forms.answers_from(form, pg.questions)
        problem = catalogue.cross_check(page_answers, answers)
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


# --- "add another" groups -------------------------------------------------------------------


def _group_section(slug: str) -> catalogue.Section:
    section = SECTION_BY_SLUG.get(slug)
    if section is None or section.group is None:
        abort(404)
    _partnership()
    return section


class AnyForm(ServiceForm):
    answer = RadioField(
        choices=options(catalogue.YES_NO), validators=[wv.InputRequired("Select yes or no")]
    )


class AddAnotherForm(ServiceForm):
    add_another = RadioField(
        choices=options(catalogue.YES_NO), validators=[wv.InputRequired("Select yes or no")]
    )


def _item_label(group: catalogue.Group, item: dict, index: int) -> str:
    return item.get("name") or item.get("agency") or f"{group.item.capitalize()} {index + 1}"


@route("/<slug>", methods=["GET", "POST"])
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


@route("/<slug>/list", methods=["GET", "POST"])
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


@route("/<slug>/<int:index>", methods=["GET", "POST"])
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
        form = question_forms.page_form(grp.questions)
    else:
        form = question_forms.page_form(grp.questions, data=field_data(existing, grp.questions))
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        item = question_forms.answers_from(form, grp.questions)
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


@route("/<slug>/<int:index>/remove", methods=["POST"])
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


@route("/check", methods=["GET", "POST"])
@limit
def check():
    partnership = _partnership()
    draft = _draft()
    if draft is None:
        return redirect(url_for("referral.start"))
    answers = _answers()
    problems = catalogue.problems(answers, partnership)
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
                _forget_draft(draft)
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
    if referral.partnership_id != _partnership().id:
        abort(404)  # sent to another partnership: its confirmation is at that one's address
    return referral


@route("/confirmation", methods=["GET"])
def confirmation():
    referral = _submitted()
    from service.referrals.submission import not_acknowledged

    not_sent = not_acknowledged(_partnership(), referral.answers or {})
    return render_template("referral/confirmation.html", referral=referral, not_sent=not_sent)


@route("/confirmation/referral.pdf", methods=["GET"])
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


class SaveForm(ServiceForm):
    email = StringField(
        validators=[wv.InputRequired("Enter your email address")],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


@route("/save", methods=["GET", "POST"])
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


@route("/resume", methods=["GET"])
def resume():
    token = request.args.get("token", "")
    try:
        draft = drafts.resume(db.Sessions(), token, partnership=g.partnership)
    except tokens.TokenRefused as exc:
        return (
            render_template("referral/link_problem.html", problem=exc.problem.value),
            404 if exc.problem is tokens.TokenProblem.INVALID else 410,
        )
    _remember_draft(draft)
    if g.partnership is None:  # /refer with several partnerships: go on at the draft's own
        owner = db.Sessions.get(Partnership, draft.partnership_id)
        return redirect(url_for("referral.start", partnership=owner.slug))
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
