"""The agency's trawl return: its Flask-WTF pages, built from the questions in
``forms.trawl_return``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, RadioField
from wtforms import validators as wv

from forms import options
from forms.base import ServiceForm
from forms.question_forms import QuestionsForm, form_class
from forms.questions import Question, field_data, page_language, secure_email_problem
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
    last_before_first,
    person_label,
    sending_problems,
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
            last.errors = [last_before_first()]

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
            email.errors = [secure_email_problem()]


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


CHOOSE_MODE = lazy_gettext("Select whether to add the entries or replace the ones already there")


class UploadForm(ServiceForm):
    """A chronology as a CSV file; ``has_entries``: there are entries it may be added to."""

    file = FileField()
    mode = RadioField(
        choices=options(CSV_MODES),
        validators=[wv.Optional(), wv.AnyOf([v for v, _ in CSV_MODES], message=CHOOSE_MODE)],
        validate_choice=False,
    )
    has_entries: bool = False

    @property
    def chosen_mode(self) -> str | None:
        """What to do with the entries already there: "add" to them or "replace" them (with none
        yet, there is nothing to add to)."""
        return self.mode.data if self.has_entries else "replace"

    def accepts(self, upload: FileStorage | None) -> bool:
        """The file posted is a CSV file, and what to do with the entries already there is
        chosen; False, with the field's error, if not."""
        if upload is None or not upload.filename:
            self.file.errors = [gettext("Select a CSV file")]
        elif not upload.filename.lower().endswith(".csv"):
            self.file.errors = [gettext("The selected file must be a CSV file")]
        elif self.chosen_mode not in ("add", "replace"):
            self.mode.errors = [str(CHOOSE_MODE)]
        return not self.errors

    def refused(self, problems: list[str]) -> None:
        """The file could not be imported: its one problem, or how many it has."""
        self.file.errors = [
            problems[0] if len(problems) == 1
            else gettext("The file has %(count)s problems: nothing was imported",
                         count=len(problems))
        ]  # fmt: skip


def upload_form(*, has_entries: bool, **kw: Any) -> UploadForm:
    form = UploadForm(**kw)
    form.has_entries = has_entries
    return form


class CheckForm(ServiceForm):
    dates_confirmed = BooleanField()
    declaration = BooleanField()

    def vouch(self, answers: dict[str, Any], flagged: list[Any]) -> bool:
        """Put the declaration, and the confirmation of dates outside the scoping period, into
        ``answers``; False, with the fields' errors, while either is still needed."""
        answers["declaration"] = bool(self.declaration.data)
        answers["dates_confirmed"] = bool(flagged) and bool(self.dates_confirmed.data)
        for name, messages in sending_problems(answers, flagged).items():
            self[name].errors = messages
        return not self.errors


class _ExtensionBase(QuestionsForm):
    due_date: dt.date | None = None

    def validate_more(self) -> None:
        day = self.new_date.date
        if not self.new_date.errors and day and self.due_date and day <= self.due_date:
            self.new_date.errors = [
                gettext("The new date must be after the current due date, %(date)s",
                        date=clock.long_date(self.due_date, page_language()))
            ]  # fmt: skip

    def refused(self, field: str | None, message: str) -> list[dict[str, str]]:
        """The service refused the request for more time: the message on the answer it is
        about, else the error summary's entries for it."""
        if field in ("new_date", "reason"):
            self[field].errors = [message]
            return []
        return [{"text": message, "href": "#new_date-day"}]


ExtensionForm = form_class(
    "ExtensionForm", [EXTENSION_DATE_Q, EXTENSION_REASON_Q], base=_ExtensionBase
)


def extension_form(due_date: dt.date, **kw: Any) -> FlaskForm:
    form = ExtensionForm(**kw)
    form.due_date = due_date
    return form
