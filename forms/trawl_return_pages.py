"""The agency's trawl return: its Flask-WTF pages, built from the questions in
``forms.trawl_return``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField
from wtforms import validators as wv

from forms import options
from forms.base import ServiceForm
from forms.question_forms import QuestionsForm, form_class
from forms.questions import SECURE_EMAIL_PROBLEM, Question, field_data
from forms.trawl_return import (
    CHRONOLOGY_QUESTIONS,
    COMPLETED_BY_QUESTIONS,
    CSV_MODES,
    EXTENSION_DATE_Q,
    EXTENSION_REASON_Q,
    INVOLVEMENT_Q,
    PERSON_DETAILS,
    SYSTEMS_Q,
    Person,
    person_label,
)
from service import clock


class _PersonBase(QuestionsForm):
    def required(self) -> list[Question]:
        if self.involvement.data == "yes":
            return [INVOLVEMENT_Q, *(q for q in PERSON_DETAILS if q.required)]
        return [INVOLVEMENT_Q]

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        if self.involvement.data != "yes":
            # No trace: the details are not part of the answer, so nothing in them can be wrong.
            for q in PERSON_DETAILS:
                getattr(self, q.name).errors = []
        return not self.errors

    def validate_more(self) -> None:
        first, last = self.first_contact, self.last_contact
        if self.involvement.data == "yes" and first.date and last.date and first.date > last.date:
            last.errors = ["The date of last contact must be the same as or after the date of "
                           "first contact"]  # fmt: skip

    def answers(self) -> dict[str, Any]:
        if self.involvement.data != "yes":
            return {"involvement": self.involvement.data}
        return super().answers()


PersonForm = form_class("PersonForm", [INVOLVEMENT_Q, *PERSON_DETAILS], base=_PersonBase)
SystemsForm = form_class("SystemsForm", [SYSTEMS_Q])


class _CompletedByBase(QuestionsForm):
    secure: Callable[[str], bool] | None = None

    def validate_more(self) -> None:
        email = self.email
        if not email.errors and email.data and self.secure and not self.secure(email.data):
            email.errors = [SECURE_EMAIL_PROBLEM]


CompletedByForm = form_class("CompletedByForm", COMPLETED_BY_QUESTIONS, base=_CompletedByBase)


def person_form(answers: dict[str, Any] | None = None, **kw: Any) -> FlaskForm:
    if answers is not None:
        kw["data"] = field_data(answers, [INVOLVEMENT_Q, *PERSON_DETAILS])
    return PersonForm(**kw)


def systems_form(answers: dict[str, Any] | None = None, **kw: Any) -> FlaskForm:
    if answers is not None:
        kw["data"] = field_data(answers, [SYSTEMS_Q])
    return SystemsForm(**kw)


def completed_by_form(
    answers: dict[str, Any] | None = None, *, secure: Callable[[str], bool] | None = None, **kw: Any
) -> FlaskForm:
    if answers is not None:
        kw["data"] = field_data(answers, COMPLETED_BY_QUESTIONS)
    form = CompletedByForm(**kw)
    form.secure = secure
    return form


def chronology_form(
    people: Sequence[Person], answers: dict[str, Any] | None = None, **kw: Any
) -> FlaskForm:
    """One chronology entry; "contact with" offers only the request's people."""
    choices = {"contact_with": [(str(p.id), person_label(p)) for p in people]}
    cls = form_class("ChronologyForm", CHRONOLOGY_QUESTIONS, choices=choices)
    if answers is not None:
        kw["data"] = field_data(answers, CHRONOLOGY_QUESTIONS)
    return cls(**kw)


class UploadForm(ServiceForm):
    file = FileField()
    mode = RadioField(
        choices=options(CSV_MODES),
        validators=[wv.Optional(), wv.AnyOf([v for v, _ in CSV_MODES], message="Select whether "
                    "to add the entries or replace the ones already there")],
        validate_choice=False,
    )  # fmt: skip


class CheckForm(ServiceForm):
    dates_confirmed = BooleanField()
    declaration = BooleanField()


class _ExtensionBase(QuestionsForm):
    due_date: dt.date | None = None

    def validate_more(self) -> None:
        day = self.new_date.date
        if not self.new_date.errors and day and self.due_date and day <= self.due_date:
            self.new_date.errors = [
                f"The new date must be after the current due date, {clock.long_date(self.due_date)}"
            ]


ExtensionForm = form_class(
    "ExtensionForm", [EXTENSION_DATE_Q, EXTENSION_REASON_Q], base=_ExtensionBase
)


def extension_form(due_date: dt.date, **kw: Any) -> FlaskForm:
    form = ExtensionForm(**kw)
    form.due_date = due_date
    return form
