"""The return's question about who will represent the agency: at the scoping meeting when the
request invites the agency to it (then it must be answered), else at the review (optional).

The answer is kept in the return as ``{"representative": {"name": ..., "role": ...}}``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm

from forms.question_forms import form_class
from forms.questions import Question, field_data

NAME_Q = Question("name", lazy_gettext("Full name"), "text",
                  error_name=lazy_gettext("the representative's full name"))  # fmt: skip
ROLE_Q = Question("role", lazy_gettext("Job title or role"), "text",
                  error_name=lazy_gettext("the representative's job title or role"))  # fmt: skip
QUESTIONS = [NAME_Q, ROLE_Q]
OPTIONAL = [Question(q.name, q.label, q.kind, required=False, error_name=q.error_name)
            for q in QUESTIONS]  # fmt: skip

TITLE_INVITED = lazy_gettext("Your representative at the scoping meeting")
TITLE = lazy_gettext("Your agency's representative")
HEADING = lazy_gettext("Representative")

RequiredForm = form_class("RepresentativeForm", QUESTIONS)
OptionalForm = form_class("OptionalRepresentativeForm", OPTIONAL)

PROBLEM = "Enter who will represent your agency at the scoping meeting"


def form(answers: dict[str, Any] | None = None, *, invited: bool, **kw: Any) -> FlaskForm:
    if answers is not None:
        kw["data"] = field_data(answers, QUESTIONS)
    return (RequiredForm if invited else OptionalForm)(**kw)


def answer(data: dict[str, Any]) -> dict[str, str]:
    return {q.name: (data.get(q.name) or "").strip() for q in QUESTIONS}


def shown(answers: dict[str, Any]) -> dict[str, str] | None:
    """The representative a return names, or None."""
    found = answers.get("representative") or {}
    if not any(found.get(q.name) for q in QUESTIONS):
        return None
    return {q.name: found.get(q.name) or "" for q in QUESTIONS}


def problems(answers: dict[str, Any], *, invited: bool) -> dict[str, list[str]]:
    """Invited to the scoping meeting: the representative's name and role are needed."""
    found = answers.get("representative") or {}
    if invited and not all((found.get(q.name) or "").strip() for q in QUESTIONS):
        return {"representative": [PROBLEM]}
    return {}
