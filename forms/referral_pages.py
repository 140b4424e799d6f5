"""The referral form's Flask-WTF pages, built from the questions in ``forms.referral``: a page of
questions (or one item of an "add another" list), the yes/no question that opens a list and the
one under it, and the address for "save and come back later".

A page of questions is built by ``forms.question_forms.page_form``: each field checks itself,
and a choice may carry its "give details" text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms import validators as wv

from forms import options
from forms.base import ServiceForm
from forms.question_forms import answers_from, page_form, strip
from forms.questions import Question, field_data
from forms.referral import YES_NO, cross_check

if TYPE_CHECKING:
    from service.models import Partnership


def questions_form(
    questions: list[Question],
    answers: dict[str, Any] | None = None,
    *,
    partnership: Partnership | None = None,
) -> FlaskForm:
    """A page of ``questions``, filled from the stored ``answers`` when given (to change them);
    a secure address is checked against ``partnership``'s secure domains."""
    data = field_data(answers, questions) if answers is not None else None
    return page_form(questions, partnership=partnership, data=data)


def page_answers(
    form: FlaskForm, questions: list[Question], answers: dict[str, Any]
) -> dict[str, Any] | None:
    """The page's answers as they are stored, or None, with the field's error, when they
    contradict the draft's other ``answers`` (``forms.referral.cross_check``)."""
    found = answers_from(form, questions)
    problem = cross_check(found, answers)
    if problem is None:
        return found
    form[problem[0]].errors = [problem[1]]
    return None


class AnyForm(ServiceForm):
    """The yes/no question before an "add another" list."""

    answer = RadioField(
        choices=options(YES_NO), validators=[wv.InputRequired(lazy_gettext("Select yes or no"))]
    )


class AddAnotherForm(ServiceForm):
    """Under the list: add another item?"""

    add_another = RadioField(
        choices=options(YES_NO), validators=[wv.InputRequired(lazy_gettext("Select yes or no"))]
    )


class SaveForm(ServiceForm):
    """Where to email the link back to the draft (``service.referrals.drafts`` checks it)."""

    email = StringField(
        validators=[wv.InputRequired(lazy_gettext("Enter your email address"))], filters=[strip]
    )
