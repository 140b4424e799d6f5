"""The referral's task list and its question pages."""

from __future__ import annotations

from typing import Any

from flask import abort, g, redirect, render_template, request, url_for

from forms import referral as catalogue
from forms import referral_pages
from forms.referral import SECTIONS, Question
from service.referrals import referring
from service.views import journey
from service.views.referral import after, answers, bp, draft, limit, partnership, route, save


@route("", methods=["GET"])
def start():
    problems = catalogue.problems(answers(), partnership())
    rows = [
        {
            "section": section,
            "status": referring.section_status(section, answers(), problems),
            "href": url_for("referral.group", slug=section.slug)
            if section.group
            else url_for("referral.page", slug=section.pages[0].slug),
        }
        for section in SECTIONS
    ]
    return render_template(
        "referral/task_list.html",
        rows=rows,
        done=sum(1 for r in rows if r["status"] == "Completed"),
        partnership=partnership(),
        has_draft=draft() is not None,
    )


@route("/page/<slug>", methods=["GET", "POST"])
@limit
def page(slug: str):
    found = catalogue.PAGE_BY_SLUG.get(slug)
    if found is None:
        abort(404)
    section, pg = found
    stored = answers()
    form = referral_pages.questions_form(
        pg.questions, stored if request.method == "GET" else None, partnership=g.partnership
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        changes = referral_pages.page_answers(form, pg.questions, stored)
        if changes is not None:
            save(changes)
            return redirect(after(section, pg))
    return render_template(
        "referral/page.html",
        form=form,
        section=section,
        page=pg,
        timed_out=timed_out,
        has_errors=bool(form.errors) or timed_out,
    )


@bp.app_template_global()
def question_macro_args(q: Question) -> dict[str, Any]:
    """How a question is drawn: the macro arguments the page template passes on."""
    kinds = {
        "email": {"type": "email", "autocomplete": "email", "spellcheck": False},
        "phone": {"type": "tel", "autocomplete": "tel", "classes": "govuk-input--width-20"},
        "text": {},
    }
    return kinds.get(q.kind, {})
