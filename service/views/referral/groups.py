"""The referral's "add another" lists: the yes/no question that opens one, the list with
"add another?", and one item added, changed or removed."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from forms import referral_pages
from forms.question_forms import answers_from
from forms.referral import SECTION_BY_SLUG, Group, Section
from service.referrals import referring
from service.views import journey
from service.views.referral import after, answers, limit, route, save


def _opened(slug: str) -> tuple[Section, Group, dict[str, Any], list[dict[str, Any]]]:
    """The "add another" section ``slug`` names, its list, the draft's answers and its items."""
    section = SECTION_BY_SLUG.get(slug)
    if section is None or section.group is None:
        abort(404)
    stored = answers()
    return section, section.group, stored, referring.items(section.group, stored)


@route("/<slug>", methods=["GET", "POST"])
@limit
def group(slug: str):
    """The yes/no question that opens an "add another" section, or its list once it has items."""
    section, grp, stored, items = _opened(slug)
    if items and stored.get(grp.any_name) == "yes" and request.method == "GET":
        return redirect(url_for("referral.group_list", slug=slug, **request.args))
    form = referral_pages.AnyForm(
        data={"answer": stored.get(grp.any_name)} if request.method == "GET" else None
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        save(referring.answered_any(grp, form.answer.data))
        if form.answer.data == "no":
            return redirect(after(section))
        return redirect(url_for("referral.group_item", slug=slug, index=len(items), **request.args))
    return render_template(
        "referral/group_any.html", form=form, section=section, timed_out=timed_out,
        has_errors=bool(form.errors) or timed_out,
    )  # fmt: skip


@route("/<slug>/list", methods=["GET", "POST"])
@limit
def group_list(slug: str):
    section, grp, stored, items = _opened(slug)
    if not items:
        return redirect(url_for("referral.group", slug=slug))
    form = referral_pages.AddAnotherForm()
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        if form.add_another.data == "yes":
            return redirect(
                url_for("referral.group_item", slug=slug, index=len(items), **request.args)
            )
        return redirect(after(section))
    return render_template(
        "referral/group_list.html", form=form, section=section,
        items=referring.item_rows(grp, stored), timed_out=timed_out,
        has_errors=bool(form.errors) or timed_out,
    )  # fmt: skip


@route("/<slug>/<int:index>", methods=["GET", "POST"])
@limit
def group_item(slug: str, index: int):
    """Add (index = the number of items so far) or change one item."""
    section, grp, stored, items = _opened(slug)
    if not referring.may_have_item(grp, stored, index):
        abort(404)
    existing = items[index] if index < len(items) else {}
    form = referral_pages.questions_form(
        grp.questions, existing if request.method == "GET" else None
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        item = answers_from(form, grp.questions)
        save(referring.with_item(grp, stored, index, item))
        return redirect(url_for("referral.group_list", slug=slug, **request.args))
    return render_template(
        "referral/group_item.html", form=form, section=section, index=index,
        adding=index >= len(items), timed_out=timed_out,
        has_errors=bool(form.errors) or timed_out,
    )  # fmt: skip


@route("/<slug>/<int:index>/remove", methods=["POST"])
@limit
def group_remove(slug: str, index: int):
    _section, grp, stored, items = _opened(slug)
    form = FlaskForm()
    if not form.validate_on_submit():
        return redirect(url_for("referral.group_list", slug=slug))
    changes = referring.without_item(grp, stored, index)
    if changes is not None:
        save(changes)
        items = changes[grp.name]
    if not items:
        return redirect(url_for("referral.group", slug=slug, **request.args))
    return redirect(url_for("referral.group_list", slug=slug, **request.args))
