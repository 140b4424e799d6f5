"""The Individual Management Review: its Flask-WTF pages (the agency's QA checklist and the
officer's request), built from the questions in ``forms.imr``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms import validators as wv

from forms.base import ServiceForm
from forms.imr import (
    AGENCY_REQUIRED,
    ANONYMISED_QUESTIONS,
    CRITERIA_PAGES,
    DETAILS_QUESTIONS,
    DUE_DATE_Q,
    DUE_IN_FUTURE,
    NEEDS_COMMENT,
    NOTE_MAX,
    NOTE_TOO_LONG,
    REAL_NAME_QUESTIONS,
    SIGNATURE_QUESTIONS,
    answer_question,
    comment_message,
    comment_question,
)
from forms.question_forms import GovukDateField, QuestionsForm, form_class, strip
from forms.questions import Question, field_data

if TYPE_CHECKING:
    from service.models import Partnership


# --- the agency's pages -----------------------------------------------------------------------


class DocumentForm(ServiceForm):
    """The IMR report itself: the upload is checked by ``service.uploads``."""

    document = FileField()


DetailsForm = form_class("ImrDetailsForm", DETAILS_QUESTIONS)
AnonymisedForm = form_class("ImrAnonymisedForm", ANONYMISED_QUESTIONS)
NamedForm = form_class("ImrNamedForm", REAL_NAME_QUESTIONS)
SignatureForm = form_class("ImrSignatureForm", SIGNATURE_QUESTIONS)


class _CriteriaBase(QuestionsForm):
    numbers: tuple[int, ...] = ()

    def validate_more(self) -> None:
        for n in self.numbers:
            answer, comment = self[f"criterion_{n}"], self[f"comment_{n}"]
            if answer.errors or comment.errors:
                continue
            if answer.data in NEEDS_COMMENT and not (comment.data or "").strip():
                comment.errors = [comment_message(n, answer.data)]

    def criteria(self) -> list[tuple[int, Any, Any]]:
        """(number, answer field, comment field) for the page's template."""
        return [(n, self[f"criterion_{n}"], self[f"comment_{n}"]) for n in self.numbers]

    def answers(self) -> dict[str, Any]:
        out = {}
        for n in self.numbers:
            answer = self[f"criterion_{n}"].data or None
            comment = (self[f"comment_{n}"].data or "").strip() or None
            out[str(n)] = {"answer": answer, "comment": comment}
        return out


def _criteria_questions(numbers: tuple[int, ...]) -> list[Question]:
    questions: list[Question] = []
    for n in numbers:
        questions += [answer_question(n), comment_question(n)]
    return questions


CRITERIA_FORMS = [
    form_class(
        f"ImrCriteria{i + 1}Form",
        _criteria_questions(numbers),
        base=_CriteriaBase,
        numbers=numbers,
    )  # fmt: skip
    for i, numbers in enumerate(CRITERIA_PAGES)
]


class CheckForm(ServiceForm):
    is_final = BooleanField()


def details_form(
    checklist: dict[str, Any] | None = None, *, partnership: Partnership | None = None, **kw: Any
) -> FlaskForm:
    """The details page; the email address is checked against ``partnership``'s secure domains."""
    if checklist is not None:
        kw["data"] = field_data(
            {"agency": checklist.get("agency"), **(checklist.get("completed_by") or {})},
            DETAILS_QUESTIONS,
        )
    form = DetailsForm(**kw)
    form.partnership = partnership
    return form


def anonymised_form(
    checklist: dict[str, Any] | None = None, *, names: str = "initials", **kw: Any
) -> FlaskForm:
    """The victim, perpetrator and others: by initials, or by name where the partnership's
    IMRs use real names."""
    real = names == "real_names"
    if checklist is not None:
        questions = REAL_NAME_QUESTIONS if real else ANONYMISED_QUESTIONS
        kw["data"] = field_data(checklist.get("anonymised") or {}, questions)
    return NamedForm(**kw) if real else AnonymisedForm(**kw)


def signature_form(checklist: dict[str, Any] | None = None, **kw: Any) -> FlaskForm:
    if checklist is not None:
        kw["data"] = field_data(checklist, SIGNATURE_QUESTIONS)
    return SignatureForm(**kw)


def criteria_form(page: int, checklist: dict[str, Any] | None = None, **kw: Any) -> FlaskForm:
    """The criteria on page ``page`` (1, 2 or 3)."""
    cls = CRITERIA_FORMS[page - 1]
    if checklist is not None:
        given = checklist.get("criteria") or {}
        data = {}
        for n in cls.numbers:
            found = given.get(str(n)) or {}
            if found.get("answer"):
                data[f"criterion_{n}"] = found["answer"]
            if found.get("comment"):
                data[f"comment_{n}"] = found["comment"]
        kw["data"] = data
    return cls(**kw)


def details_answers(form: FlaskForm) -> dict[str, Any]:
    """The details page as checklist keys."""
    found = form.answers()
    return {
        "agency": found["agency"],
        "completed_by": {k: found[k] for k in ("name", "email", "phone")},
    }


# --- the officer's request -------------------------------------------------------------------


class RequestForm(ServiceForm):
    """Asking an agency for its IMR: the view fills the agencies, through the user's Scope."""

    agency = SelectField(choices=[], validate_choice=False)
    due_date = GovukDateField(DUE_DATE_Q)
    terms_of_reference = FileField()
    note = TextAreaField(
        filters=[strip],
        validators=[wv.Optional(), wv.Length(max=NOTE_MAX, message=NOTE_TOO_LONG)],
    )
    today: dt.date | None = None

    def validate_agency(self, field: SelectField) -> None:
        if not field.data or not str(field.data).isdigit():
            raise wv.ValidationError(AGENCY_REQUIRED)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        day = self.due_date.date
        if not self.due_date.errors and day and self.today and day <= self.today:
            self.due_date.errors = [DUE_IN_FUTURE]
            return False
        return ok
