"""The question engine's pages: Flask-WTF forms built from a catalogue's questions.

Two ways of building a page, both from ``forms.questions.Question``:

- ``page_form``: every check on the field itself, each required question required by itself
  (the referral's pages, where a choice may carry its "give details" text);
- ``form_class`` and ``QuestionsForm``: the checks run in ``validate``, and the form decides
  which questions are required given what was posted (the trawl return, the IMR checklist).

They are not interchangeable: a required text answer of spaces only passes ``page_form`` (and is
stored as unanswered) but not ``QuestionsForm``; a choice posted as spaces only is refused by
``page_form`` but passes ``QuestionsForm``; ``page_form``'s control-character message names the
question, ``QuestionsForm``'s does not (its fields carry no question, dates apart).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import Field, Form, FormField, RadioField, StringField, TextAreaField
from wtforms import validators as wv

from forms import options
from forms.base import ServiceForm
from forms.questions import (
    FORMAT_CHECKS,
    TIME_PROBLEM,
    Question,
    date_problem,
    details_question,
    length_message,
    normal_time,
    required_message,
    secure_problem,
)

if TYPE_CHECKING:
    from service.models import Partnership


def strip(value: Any) -> Any:
    """The field filter that trims typed text."""
    return value.strip() if isinstance(value, str) else value


class DateParts(Form):
    day = StringField()
    month = StringField()
    year = StringField()


class GovukDateField(FormField):
    """A GOV.UK date input: fields ``<name>-day``, ``-month``, ``-year``; ``.date`` after
    validation."""

    # A plain attribute here, not FormField's property: the field has its own messages.
    errors: Any = ()

    def __init__(self, question: Question, **kw: Any) -> None:
        super().__init__(DateParts, separator="-", **kw)
        self.question = question
        self.date: dt.date | None = None

    def validate(self, form: Form, extra_validators: Any = ()) -> bool:
        self.errors = []
        message, self.date = date_problem(self.data or {}, self.question)
        if message:
            self.errors = [message]
            return False
        return True

    @property
    def iso(self) -> str | None:
        return self.date.isoformat() if self.date else None


# --- pages whose fields check themselves -----------------------------------------------------


def _check(fn) -> Any:  # noqa: ANN001
    def check(form: Form, fld: Field) -> None:
        if fld.data:
            message = fn(fld.data.strip(), fld.question)
            if message:
                raise wv.ValidationError(message)

    return check


def _secure(form: Form, fld: Field) -> None:
    partnership = getattr(form, "partnership", None)
    if fld.data and partnership is not None:
        message = secure_problem(fld.data.strip(), partnership)
        if message:
            raise wv.ValidationError(message)


def _missing(q: Question) -> LazyString:
    """``q``'s "not answered" message, in the language of the page that shows it: the field
    classes are made once, for every page in either language."""
    return LazyString(lambda: q.missing)


def _too_long(q: Question) -> LazyString:
    return LazyString(length_message, q)


def wtf_field(q: Question) -> Field:
    """A field that checks ``q``'s answer by itself: required, length, format."""
    if q.kind == "date":
        return GovukDateField(q)
    checks: list[Any] = [wv.InputRequired(_missing(q))] if q.required else [wv.Optional()]
    if q.kind == "choice":
        # A choice's message is its own, also for a value that is not one of the options.
        return RadioField(
            choices=options(q.choices),
            validators=[*checks, wv.AnyOf([v for v, _ in q.choices], message=_missing(q))],
            validate_choice=False,
        )
    length = wv.Length(max=q.max_length, message=_too_long(q))
    if q.kind == "textarea":
        return TextAreaField(validators=[*checks, length], filters=[strip])
    extra = [_check(FORMAT_CHECKS[q.kind])] if q.kind in FORMAT_CHECKS else []
    if q.kind == "email" and q.secure:
        extra.append(_secure)
    return StringField(validators=[*checks, length, *extra], filters=[strip])


_FORM_CLASSES: dict[tuple[str, ...], type[FlaskForm]] = {}
#: The same, by the questions' identities: the catalogue's questions are made once, and their
#: repr (their labels and hints, translated) is too dear to work out for every request. The
#: questions are held too, so an id is never taken for another question's.
_BY_IDENTITY: dict[tuple[int, ...], tuple[tuple[Question, ...], type[FlaskForm]]] = {}


def _page_form_class(questions: tuple[Question, ...]) -> type[FlaskForm]:
    """The form class for these questions, made once (WTForms binds fields per instance).

    Keyed by the questions' values (their repr: a question holds lists, so it has no hash)."""
    ids = tuple(map(id, questions))
    known = _BY_IDENTITY.get(ids)
    if known is not None and all(a is b for a, b in zip(known[0], questions, strict=True)):
        return known[1]
    key = tuple(repr(q) for q in questions)
    cls = _FORM_CLASSES.get(key)
    if cls is None:
        attrs: dict[str, Any] = {}
        for q in questions:
            attrs[q.name] = wtf_field(q)
            if q.details:
                attrs[q.details] = wtf_field(details_question(q))
        cls = type("QuestionPageForm", (ServiceForm,), attrs)
        if len(_FORM_CLASSES) < 1024:
            _FORM_CLASSES[key] = cls
    if len(_BY_IDENTITY) < 1024:
        _BY_IDENTITY[ids] = (questions, cls)
    return cls


def page_form(
    questions: list[Question], *, partnership: Partnership | None = None, **kw: Any
) -> FlaskForm:
    """A Flask-WTF form for one page (or one group item) of questions; ``partnership`` is whose
    secure domains a secure email address is checked against."""
    form = _page_form_class(tuple(questions))(**kw)
    form.partnership = partnership
    for q in questions:
        getattr(form, q.name).question = q
        if q.details:
            getattr(form, q.details).question = details_question(q)
    return form


def answers_from(form: FlaskForm, questions: list[Question]) -> dict[str, Any]:
    """The page's answers as they are stored: dates as ISO strings, details only with "yes"."""
    out: dict[str, Any] = {}
    for q in questions:
        fld = getattr(form, q.name)
        out[q.name] = fld.iso if q.kind == "date" else (fld.data or None)
        if q.details:
            out[q.details] = getattr(form, q.details).data or None if out[q.name] == "yes" else None
    return out


# --- pages that decide what is required ------------------------------------------------------


def field(q: Question, choices: list[tuple[str, str]] | None = None) -> Any:
    """A page field for ``q``, never required by itself: the forms decide what is required."""
    if q.kind == "date":
        return GovukDateField(replace(q, required=False))
    if q.kind == "choice":
        pairs = choices if choices is not None else q.choices
        return RadioField(
            choices=options(pairs),
            validators=[
                wv.Optional(),
                wv.AnyOf([v for v, _ in pairs], message=_missing(q)),
            ],
            validate_choice=False,
        )
    cls = TextAreaField if q.kind == "textarea" else StringField
    return cls(
        validators=[wv.Optional(), wv.Length(max=q.max_length, message=_too_long(q))],
        filters=[strip],
    )


class QuestionsForm(ServiceForm):
    """A page of questions; ``required`` says which must be answered, given what was posted."""

    questions: list[Question] = []
    #: Whose secure domains a secure email address (``Question.secure``) is checked against.
    partnership: Partnership | None = None

    def required(self) -> list[Question]:
        return [q for q in self.questions if q.required]

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        for q in self.questions:
            fld = getattr(self, q.name)
            if fld.errors:
                continue
            problem = self.check(q, fld)
            if problem:
                fld.errors = [problem]
        self.validate_more()
        return not self.errors

    def check(self, q: Question, fld: Any) -> str | None:
        if q.kind == "date":
            if q not in self.required() and not any((fld.data or {}).values()):
                return None
            fld.question = q
            fld.validate(self)
            return fld.errors[0] if fld.errors else None
        empty = fld.data in (None, "")
        if empty:
            return required_message(q) if q in self.required() else None
        if q.kind in FORMAT_CHECKS:
            problem = FORMAT_CHECKS[q.kind](fld.data, q)
            if problem is None and q.secure and self.partnership is not None:
                problem = secure_problem(fld.data, self.partnership)
            return problem
        if q.name == "time" and normal_time(fld.data) is None:
            return TIME_PROBLEM
        return None

    def validate_more(self) -> None:
        """Checks between fields."""

    def answers(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for q in self.questions:
            fld = getattr(self, q.name)
            if q.kind == "date":
                out[q.name] = fld.iso
            elif q.name == "time" and fld.data:
                out[q.name] = normal_time(fld.data)
            else:
                out[q.name] = fld.data or None
        return out


def form_class(
    name: str, questions: list[Question], base: type = QuestionsForm, **extra: Any
) -> type[QuestionsForm]:
    """A ``QuestionsForm`` class of these questions; ``choices`` (by question name) replaces a
    choice's options, and any other ``extra`` becomes a class attribute."""
    choices = extra.pop("choices", {})
    attrs: dict[str, Any] = {"questions": questions, **extra}
    for q in questions:
        attrs[q.name] = field(q, choices.get(q.name))
    return type(name, (base,), attrs)
