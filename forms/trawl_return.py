"""The agency's trawl return, defined once.

From here come the Flask-WTF form of each page, the marshmallow schema that checks a whole return
before it is sent (and each chronology row of a CSV upload), the answers read back in the form's
order (check your answers, the PDF, what changed in an amendment) and the dates that fall
outside the scoping period.

Answers are one JSON object, keyed by the request's TrawlPerson ids so that nobody outside the
request can ever be named in a return:

    {"people": {"<trawl_person_id>": {"involvement": "yes" | "no_trace", "nature": ...,
                                      "first_contact": ISO date, "last_contact": ISO date,
                                      "services": ..., "dash_risk": ..., "marac": ...,
                                      "risk_other": ..., "records_secured": "yes" | "no"}},
     "systems_checked": str,
     "chronology": [{"date": ISO date, "time": "HH:MM", "source": ..., "professional": ...,
                     "contact_with": "<trawl_person_id>", "event": ..., "outcome": ...}],
     "completed_by": {"name": ..., "role": ..., "email": ..., "phone": ...},
     "declaration": bool, "dates_confirmed": bool}
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from marshmallow import Schema, ValidationError, validates_schema
from marshmallow import fields as mf
from marshmallow.validate import Length, OneOf
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms import validators as wv

from forms import options
from forms.base import ServiceForm, control_message, has_control
from forms.referral import (
    SECURE_EMAIL_PROBLEM,
    GovukDateField,
    Question,
    email_problem,
    initials_problem,
    phone_problem,
    secure_problem,
)
from mail import policy
from service import clock

if TYPE_CHECKING:
    from service.models import Partnership

SHORT = 200
LONG = 5000
REASON_MAX = 2000  # the same limit as service.trawls.extensions
MAX_CHRONOLOGY = 300
CSV_MAX_BYTES = 1024 * 1024
CSV_MAX_PROBLEMS = 25

INVOLVEMENT = [("yes", "Yes"), ("no_trace", "No trace")]
YES_NO = [("yes", "Yes"), ("no", "No")]
YES_NO_NOT_KNOWN = [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")]
DASH_RISK = [
    ("high", "High"),
    ("medium", "Medium"),
    ("standard", "Standard"),
    ("none", "No DASH risk assessment completed"),
    ("not_known", "Not known"),
]
CSV_MODES = [("add", "Add them to the entries already there"), ("replace", "Replace them")]
NOT_ANSWERED = "Not answered"


class Person(Protocol):
    """A person the request asks about (a TrawlPerson)."""

    id: int
    name: str
    date_of_birth: dt.date | None
    address: str | None
    relation: str | None


# --- the questions ---------------------------------------------------------------------------

INVOLVEMENT_Q = Question(
    "involvement",
    "Has your agency had any involvement with this person?",
    "choice",
    choices=INVOLVEMENT,
    error_name="whether your agency has had any involvement with this person",
    error="Select yes if your agency has had any involvement with this person",
)

#: Asked about each person when the agency has had involvement with them.
PERSON_DETAILS = [
    Question("nature", "Nature of your involvement", "textarea", max_length=LONG,
             hint="A brief summary: what your agency did, and why",
             error_name="the nature of your involvement"),
    Question("first_contact", "Date of first contact", "date", hint="For example, 27 3 2024"),
    Question("last_contact", "Date of last contact", "date", hint="For example, 14 8 2026"),
    Question("services", "Services offered or provided", "textarea", max_length=LONG,
             error_name="the services offered or provided"),
    Question("dash_risk", "DASH risk level", "choice", choices=DASH_RISK,
             hint="The most recent Domestic Abuse, Stalking and Harassment risk assessment",
             error_name="the DASH risk level, or that none was completed"),
    Question("marac", "Was this person referred to MARAC?", "choice", choices=YES_NO_NOT_KNOWN,
             error_name="whether this person was referred to MARAC",
             error="Select yes if this person was referred to MARAC"),
    Question("risk_other", "Other known risk indicators", "textarea", max_length=LONG,
             required=False, hint="For example, stalking, threats to kill, weapons, "
             "pregnancy, separation, escalation",
             error_name="other known risk indicators"),
    Question("records_secured", "Have your records about this person been secured?", "choice",
             choices=YES_NO, error_name="whether your records have been secured",
             error="Select yes if your records about this person have been secured"),
]  # fmt: skip

SYSTEMS_Q = Question(
    "systems_checked",
    "Which records systems did you search?",
    "textarea",
    max_length=LONG,
    hint="List every system and database you checked, across the whole scoping period",
    error_name="the records systems you searched",
)

CHRONOLOGY_QUESTIONS = [
    Question("date", "Date", "date", hint="For example, 14 10 2025", error_name="the date"),
    Question("time", "Time", "text", required=False, max_length=20,
             hint="Optional. In the 24-hour clock, for example 09:30 or 17:00",
             error_name="the time"),
    Question("source", "Source of evidence", "text", max_length=SHORT,
             hint="For example, case record, interview or minutes",
             error_name="the source of evidence"),
    Question("professional", "Name of professional", "text", required=False, max_length=SHORT,
             hint="Optional. The professional who had the contact",
             error_name="the name of the professional"),
    Question("contact_with", "Contact with", "choice", error_name="who the contact was with"),
    Question("event", "Event, action or decision", "textarea", max_length=LONG,
             hint="What the contact involved, and what was done or decided",
             error_name="the event, action or decision"),
    Question("outcome", "Outcome", "textarea", max_length=LONG, required=False,
             error_name="the outcome"),
]  # fmt: skip

COMPLETED_BY_QUESTIONS = [
    Question("name", "Full name", "text", error_name="your full name"),
    Question("role", "Job title or role", "text", error_name="your job title or role"),
    Question("email", "Secure email address", "email", error_name="your secure email address",
             hint="Your work address, on a secure domain", secure=True),
    Question("phone", "Telephone number", "phone", error_name="your telephone number"),
]  # fmt: skip

#: The CSV columns, in the template's order: (answer key, heading).
CSV_COLUMNS = [(q.name, q.label) for q in CHRONOLOGY_QUESTIONS]


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


def person_label(person: Person) -> str:
    return f"{person.name} ({person.relation})" if person.relation else person.name


# --- checks shared by the pages, the CSV import and the schema -------------------------------

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
TIME_PROBLEM = "Enter the time in the 24-hour clock, like 09:30 or 17:00"


def normal_time(value: str) -> str | None:
    """``9.30`` → ``09:30``; None if it is not a time."""
    match = _TIME.match(value.strip())
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else None


def length_message(q: Question) -> str:
    return f"{_cap(q.said)} must be {q.max_length:,} characters or fewer"


def required_message(q: Question) -> str:
    return q.missing


def future_message(q: Question) -> str:
    return f"The {q.label[0].lower()}{q.label[1:]} must be today or in the past"


# --- WTForms: the pages ----------------------------------------------------------------------


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _field(q: Question, choices: list[tuple[str, str]] | None = None) -> Any:
    """A page field for ``q``, never required by itself: the forms decide what is required."""
    if q.kind == "date":
        return GovukDateField(replace(q, required=False))
    if q.kind == "choice":
        pairs = choices if choices is not None else q.choices
        return RadioField(
            choices=options(pairs),
            validators=[
                wv.Optional(),
                wv.AnyOf([v for v, _ in pairs], message=required_message(q)),
            ],
            validate_choice=False,
        )
    cls = TextAreaField if q.kind == "textarea" else StringField
    return cls(
        validators=[wv.Optional(), wv.Length(max=q.max_length, message=length_message(q))],
        filters=[_strip],
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
        if q.kind == "email":
            problem = email_problem(fld.data, q)
            if problem is None and q.secure and self.partnership is not None:
                problem = secure_problem(fld.data, self.partnership)
            return problem
        if q.kind == "phone":
            return phone_problem(fld.data, q)
        if q.kind == "initials":
            return initials_problem(fld.data, q)
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


def _form_class(name: str, questions: list[Question], base: type = QuestionsForm, **extra: Any):
    attrs: dict[str, Any] = {"questions": questions, **extra}
    for q in questions:
        attrs[q.name] = _field(q, extra.get("choices", {}).get(q.name))
    attrs.pop("choices", None)
    return type(name, (base,), attrs)


def _data(answers: dict[str, Any], questions: list[Question]) -> dict[str, Any]:
    """Stored answers back into a page's fields."""
    data: dict[str, Any] = {}
    for q in questions:
        value = answers.get(q.name)
        if value in (None, ""):
            continue
        if q.kind == "date":
            d = dt.date.fromisoformat(value)
            data[q.name] = SimpleNamespace(day=str(d.day), month=str(d.month), year=str(d.year))
        else:
            data[q.name] = value
    return data


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


PersonForm = _form_class("PersonForm", [INVOLVEMENT_Q, *PERSON_DETAILS], base=_PersonBase)
SystemsForm = _form_class("SystemsForm", [SYSTEMS_Q])


class _CompletedByBase(QuestionsForm):
    secure: Callable[[str], bool] | None = None

    def validate_more(self) -> None:
        email = self.email
        if not email.errors and email.data and self.secure and not self.secure(email.data):
            email.errors = [SECURE_EMAIL_PROBLEM]


CompletedByForm = _form_class("CompletedByForm", COMPLETED_BY_QUESTIONS, base=_CompletedByBase)


def person_form(answers: dict[str, Any] | None = None, **kw: Any) -> FlaskForm:
    if answers is not None:
        kw["data"] = _data(answers, [INVOLVEMENT_Q, *PERSON_DETAILS])
    return PersonForm(**kw)


def systems_form(answers: dict[str, Any] | None = None, **kw: Any) -> FlaskForm:
    if answers is not None:
        kw["data"] = _data(answers, [SYSTEMS_Q])
    return SystemsForm(**kw)


def completed_by_form(
    answers: dict[str, Any] | None = None, *, secure: Callable[[str], bool] | None = None, **kw: Any
) -> FlaskForm:
    if answers is not None:
        kw["data"] = _data(answers, COMPLETED_BY_QUESTIONS)
    form = CompletedByForm(**kw)
    form.secure = secure
    return form


def chronology_form(
    people: Sequence[Person], answers: dict[str, Any] | None = None, **kw: Any
) -> FlaskForm:
    """One chronology entry; "contact with" offers only the request's people."""
    choices = {"contact_with": [(str(p.id), person_label(p)) for p in people]}
    cls = _form_class("ChronologyForm", CHRONOLOGY_QUESTIONS, choices=choices)
    if answers is not None:
        kw["data"] = _data(answers, CHRONOLOGY_QUESTIONS)
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


EXTENSION_DATE_Q = Question(
    "new_date", "New date", "date", past=False, hint="For example, 15 1 2027",
    error_name="the date you can answer by",
)  # fmt: skip
EXTENSION_REASON_Q = Question(
    "reason", "Why do you need more time?", "textarea", max_length=REASON_MAX,
    error_name="why you need more time",
)  # fmt: skip


class _ExtensionBase(QuestionsForm):
    due_date: dt.date | None = None

    def validate_more(self) -> None:
        day = self.new_date.date
        if not self.new_date.errors and day and self.due_date and day <= self.due_date:
            self.new_date.errors = [
                f"The new date must be after the current due date, {clock.long_date(self.due_date)}"
            ]


ExtensionForm = _form_class(
    "ExtensionForm", [EXTENSION_DATE_Q, EXTENSION_REASON_Q], base=_ExtensionBase
)


def extension_form(due_date: dt.date, **kw: Any) -> FlaskForm:
    form = ExtensionForm(**kw)
    form.due_date = due_date
    return form


# --- marshmallow: a whole return, checked before it is sent ----------------------------------


def _not_blank(message: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        if not str(value).strip():
            raise ValidationError(message)

    return check


def _not_future(q: Question) -> Callable[[dt.date], None]:
    def check(value: dt.date) -> None:
        if value.year < 1900:
            raise ValidationError(f"The {q.label[0].lower()}{q.label[1:]} must be after 1900")
        if q.past and value > clock.now().date():
            raise ValidationError(future_message(q))

    return check


def _checked(fn: Callable[[str, Question], str | None], q: Question) -> Callable[[str], None]:
    def check(value: str) -> None:
        message = fn(value, q)
        if message:
            raise ValidationError(message)

    return check


def _mm_field(q: Question, *, required: bool | None = None, choices: list[str] | None = None):
    required = q.required if required is None else required
    messages = {"required": required_message(q), "null": required_message(q)}
    kw: dict[str, Any] = {"required": required, "allow_none": not required,
                          "error_messages": messages}  # fmt: skip
    if not required:
        kw["load_default"] = None
    if q.kind == "date":
        messages["invalid"] = f"The {q.label[0].lower()}{q.label[1:]} must be a real date"
        return mf.Date(validate=_not_future(q), **kw)
    if q.kind == "choice":
        allowed = choices if choices is not None else [v for v, _ in q.choices]
        return mf.String(validate=OneOf(allowed, error=required_message(q)), **kw)
    checks: list[Any] = [Length(max=q.max_length, error=length_message(q))]
    if required:
        checks.insert(0, _not_blank(required_message(q)))
    checks.append(_no_control(q))
    if q.kind == "email":
        checks.append(_checked(email_problem, q))
    elif q.kind == "phone":
        checks.append(_checked(phone_problem, q))
    elif q.kind == "initials":
        checks.append(_checked(initials_problem, q))
    elif q.name == "time":
        checks.append(lambda v: None if not v or normal_time(v) else _raise(TIME_PROBLEM))
    return mf.String(validate=checks, **kw)


def _no_control(q: Question) -> Callable[[str], None]:
    def check(value: str) -> None:
        if has_control(value):
            raise ValidationError(control_message(q.said))

    return check


def _raise(message: str) -> None:
    raise ValidationError(message)


class PersonSchema(Schema):
    involvement = _mm_field(INVOLVEMENT_Q)
    nature = _mm_field(PERSON_DETAILS[0], required=False)
    first_contact = _mm_field(PERSON_DETAILS[1], required=False)
    last_contact = _mm_field(PERSON_DETAILS[2], required=False)
    services = _mm_field(PERSON_DETAILS[3], required=False)
    dash_risk = _mm_field(PERSON_DETAILS[4], required=False)
    marac = _mm_field(PERSON_DETAILS[5], required=False)
    risk_other = _mm_field(PERSON_DETAILS[6], required=False)
    records_secured = _mm_field(PERSON_DETAILS[7], required=False)

    @validates_schema
    def details_when_involved(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("involvement") != "yes":
            return
        missing = {
            q.name: [required_message(q)]
            for q in PERSON_DETAILS
            if q.required and data.get(q.name) in (None, "")
        }
        if missing:
            raise ValidationError(missing)
        if data["first_contact"] > data["last_contact"]:
            raise ValidationError(
                "The date of last contact must be the same as or after the date of first contact",
                "last_contact",
            )


class CompletedBySchema(Schema):
    name = _mm_field(COMPLETED_BY_QUESTIONS[0])
    role = _mm_field(COMPLETED_BY_QUESTIONS[1])
    email = _mm_field(COMPLETED_BY_QUESTIONS[2])
    phone = _mm_field(COMPLETED_BY_QUESTIONS[3])


def chronology_schema(people: Sequence[Person]) -> type[Schema]:
    ids = [str(p.id) for p in people]
    attrs = {
        q.name: _mm_field(q, choices=ids if q.name == "contact_with" else None)
        for q in CHRONOLOGY_QUESTIONS
    }
    return type("ChronologyEntrySchema", (Schema,), attrs)


def return_schema(people: Sequence[Person]) -> type[Schema]:
    """The schema of a return to this request: only its people may be answered about."""
    people_attrs = {
        str(p.id): mf.Nested(
            PersonSchema,
            required=True,
            error_messages={
                "required": f"Tell us whether your agency has had any involvement with {p.name}"
            },
        )  # fmt: skip
        for p in people
    }
    people_schema = type("ReturnPeopleSchema", (Schema,), people_attrs)
    attrs = {
        "people": mf.Nested(people_schema, required=True,
                            error_messages={"required": "Answer for each person"}),
        "systems_checked": _mm_field(SYSTEMS_Q),
        "chronology": mf.List(
            mf.Nested(chronology_schema(people)),
            load_default=list,
            validate=Length(max=MAX_CHRONOLOGY,
                            error=f"The chronology can have up to {MAX_CHRONOLOGY} entries"),
        ),
        "completed_by": mf.Nested(CompletedBySchema, required=True,
                                  error_messages={"required": "Enter your details"}),
        "declaration": mf.Boolean(load_default=False),
        "dates_confirmed": mf.Boolean(load_default=False),
    }  # fmt: skip
    return type("TrawlReturnSchema", (Schema,), attrs)


def problems(
    answers: dict[str, Any],
    people: Sequence[Person],
    *,
    secure: Callable[[str], bool] | None = None,
) -> dict[str, Any]:
    """What is missing or wrong in a whole return (empty when it is ready to check and send).

    The declaration and the confirmation of dates are asked for on the check page itself, so
    they are not problems here; ``sending_problems`` adds them.
    """
    found = return_schema(people)().validate(answers)
    email = (answers.get("completed_by") or {}).get("email")
    if secure and email and "email" not in found.get("completed_by", {}):
        try:
            ok = secure(email)
        except policy.InvalidAddress:
            ok = False
        if not ok:
            found.setdefault("completed_by", {})["email"] = [SECURE_EMAIL_PROBLEM]
    return found


def sending_problems(answers: dict[str, Any], flagged: list[Any]) -> dict[str, list[str]]:
    """The check page's own questions: the declaration, and the dates outside the period."""
    found: dict[str, list[str]] = {}
    if flagged and not answers.get("dates_confirmed"):
        found["dates_confirmed"] = [
            "Confirm that the dates outside the scoping period are correct, or change them"
        ]
    if not answers.get("declaration"):
        found["declaration"] = ["Confirm the declaration to send your return"]
    return found


def involvement(answers: dict[str, Any]) -> bool:
    """True when the agency was involved with anyone in the request."""
    return any(
        (person or {}).get("involvement") == "yes"
        for person in (answers.get("people") or {}).values()
    )


# --- dates outside the scoping period --------------------------------------------------------


@dataclass(frozen=True)
class Flagged:
    label: str  # "Alice Example (Victim): date of first contact"
    date: str  # ISO


def outside_scope(
    answers: dict[str, Any],
    people: Sequence[Person],
    scope_from: dt.date | None,
    scope_to: dt.date | None,
) -> list[Flagged]:
    """Contact dates before or after the scoping period: never wrong, but worth a second look."""

    def outside(value: Any) -> bool:
        try:
            day = dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return False
        return bool((scope_from and day < scope_from) or (scope_to and day > scope_to))

    found: list[Flagged] = []
    people_answers = answers.get("people") or {}
    for p in people:
        person = people_answers.get(str(p.id)) or {}
        if person.get("involvement") != "yes":
            continue
        for name, said in (("first_contact", "date of first contact"),
                           ("last_contact", "date of last contact")):  # fmt: skip
            if outside(person.get(name)):
                found.append(Flagged(f"{person_label(p)}: {said}", person[name]))
    for i, entry in enumerate(answers.get("chronology") or []):
        if outside(entry.get("date")):
            found.append(Flagged(f"Chronology entry {i + 1}: date", entry["date"]))
    return found


# --- reading answers back --------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    name: str  # the field's id on its page, for "Change" links


@dataclass(frozen=True)
class Part:
    """A group of answers on check your answers and in the PDF, and the page that asks them."""

    key: str  # "person", "systems", "chronology", "completed_by"
    heading: str
    rows: list[Row]
    args: dict[str, Any] = field(default_factory=dict)  # the page's URL arguments


def show(q: Question, value: Any, people: Sequence[Person] = ()) -> str:
    if value in (None, ""):
        return NOT_ANSWERED
    if q.kind == "date":
        try:
            return clock.long_date(value)
        except (TypeError, ValueError):
            return str(value)
    if q.name == "contact_with":
        for p in people:
            if str(p.id) == str(value):
                return person_label(p)
        return "Not one of the people in this request"
    if q.kind == "choice":
        return dict(q.choices).get(value, str(value))
    return str(value)


def person_rows(answer: dict[str, Any]) -> list[Row]:
    rows = [Row(INVOLVEMENT_Q.label, show(INVOLVEMENT_Q, answer.get("involvement")),
                "involvement")]  # fmt: skip
    if answer.get("involvement") == "yes":
        rows += [Row(q.label, show(q, answer.get(q.name)), q.name) for q in PERSON_DETAILS]
    return rows


def chronology_rows(entry: dict[str, Any], people: Sequence[Person]) -> list[Row]:
    return [Row(q.label, show(q, entry.get(q.name), people), q.name) for q in CHRONOLOGY_QUESTIONS]


def answer_parts(answers: dict[str, Any], people: Sequence[Person]) -> list[Part]:
    """Every answer in the form's order: check your answers, the PDF and the officer's view."""
    parts: list[Part] = []
    people_answers = answers.get("people") or {}
    for p in people:
        parts.append(
            Part("person", person_label(p), person_rows(people_answers.get(str(p.id)) or {}),
                 {"person_id": p.id})
        )  # fmt: skip
    parts.append(
        Part("systems", "Records systems searched",
             [Row(SYSTEMS_Q.label, show(SYSTEMS_Q, answers.get("systems_checked")),
                  "systems_checked")])
    )  # fmt: skip
    entries = answers.get("chronology") or []
    for i, entry in enumerate(entries):
        parts.append(
            Part("chronology", f"Chronology entry {i + 1}", chronology_rows(entry, people),
                 {"index": i})
        )  # fmt: skip
    if not entries:
        parts.append(Part("chronology", "Chronology", [Row("Entries", "None given", "")]))
    completed_by = answers.get("completed_by") or {}
    parts.append(
        Part("completed_by", "Completed by",
             [Row(q.label, show(q, completed_by.get(q.name)), q.name)
              for q in COMPLETED_BY_QUESTIONS])
    )  # fmt: skip
    return parts


def _flat(answers: dict[str, Any], people: Sequence[Person]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in answer_parts(answers, people):
        for row in part.rows:
            out[f"{part.heading}: {row.label}"] = row.value
    return out


def changes(
    before: dict[str, Any], after: dict[str, Any], people: Sequence[Person]
) -> list[dict[str, str]]:
    """What an amendment changed: ``[{"field", "before", "after"}]`` in the form's order."""
    old, new = _flat(before, people), _flat(after, people)
    found = [
        {"field": label, "before": old.get(label, NOT_ANSWERED), "after": value}
        for label, value in new.items()
        if old.get(label, NOT_ANSWERED) != value
    ]
    found += [
        {"field": label, "before": value, "after": NOT_ANSWERED}
        for label, value in old.items()
        if label not in new and value != NOT_ANSWERED
    ]
    return found


# --- the chronology as a CSV file ------------------------------------------------------------


def csv_template() -> bytes:
    """The headings row, with a byte-order mark so that spreadsheets open it as UTF-8."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([title for _, title in CSV_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _heading(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").split()).casefold()


def _csv_date(value: str) -> str | None:
    value = value.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date().isoformat()
        except ValueError:
            continue
    return None


def _name_key(text: str) -> str:
    return " ".join(text.split()).casefold()


class CsvRefused(ValueError):
    """The file cannot be imported; ``problems`` are the messages, by row and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def read_chronology_csv(
    data: bytes, people: Sequence[Person], *, room: int = MAX_CHRONOLOGY
) -> list[dict[str, Any]]:
    """Every row of an uploaded chronology, checked; CsvRefused (importing nothing) if any row
    or the file itself has a problem. ``room``: how many entries may still be added."""
    if len(data) > CSV_MAX_BYTES:
        raise CsvRefused(["The selected file must be smaller than 1 MB"])
    if not data.strip():
        raise CsvRefused(["The selected file is empty"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRefused(
            [
                "The selected file must be saved as ‘CSV UTF-8’: it has characters that are not "
                "UTF-8"
            ]  # fmt: skip
        ) from None
    if "\x00" in text:
        raise CsvRefused(["The selected file must be a CSV file"])
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise CsvRefused(["The selected file could not be read as a CSV file"]) from None

    expected = {_heading(title): key for key, title in CSV_COLUMNS}
    titles = dict(CSV_COLUMNS)
    if not records:
        raise CsvRefused(["The selected file is empty"])
    header = [_heading(h) for h in records[0]]
    while header and not header[-1]:
        header.pop()
    unknown = [h for h in header if h not in expected]
    missing = [title for key, title in CSV_COLUMNS if _heading(title) not in header]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if unknown or missing or repeated:
        found = []
        if missing:
            found.append("Row 1: the column headings must include " +
                         ", ".join(f"‘{m}’" for m in missing))  # fmt: skip
        if unknown:
            found.append("Row 1: remove the columns the template does not have: " +
                         ", ".join(f"‘{u}’" for u in unknown[:10]))  # fmt: skip
        if repeated:
            found.append("Row 1: each column heading must appear once: " +
                         ", ".join(f"‘{r}’" for r in repeated))  # fmt: skip
        raise CsvRefused(found)
    keys = [expected[h] for h in header]

    by_name: dict[str, list[Person]] = {}
    for p in people:
        by_name.setdefault(_name_key(p.name), []).append(p)
    schema = chronology_schema(people)()
    found: list[str] = []
    entries: list[dict[str, Any]] = []
    for number, cells in enumerate(records[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if any(c.strip() for c in cells[len(keys) :]):
            found.append(f"Row {number}: it has more cells than there are column headings")
            continue
        raw = {key: (cells[i].strip() if i < len(cells) else "") for i, key in enumerate(keys)}
        entry: dict[str, Any] = {k: (v or None) for k, v in raw.items()}
        row_problems: dict[str, str] = {}
        if raw["date"]:
            iso = _csv_date(raw["date"])
            if iso is None:
                row_problems["date"] = "Enter a real date, like 14/10/2025"
            entry["date"] = iso
        if raw["time"]:
            entry["time"] = normal_time(raw["time"]) or raw["time"]
        if raw["contact_with"]:
            matches = by_name.get(_name_key(raw["contact_with"]), [])
            if len(matches) == 1:
                entry["contact_with"] = str(matches[0].id)
            else:
                entry["contact_with"] = None
                row_problems["contact_with"] = (
                    "Enter the full name of one of the people in this request, as the form shows it"
                    if not matches
                    else "Two people in this request have this name: add this entry on the "
                    "form instead"
                )
        for key, messages in schema.validate(entry).items():
            row_problems.setdefault(key, messages[0] if isinstance(messages, list) else "")
        for key, _title in CSV_COLUMNS:
            if key in row_problems:
                found.append(f"Row {number}, column ‘{titles[key]}’: {row_problems[key]}")
        if not row_problems:
            entries.append({k: entry.get(k) for k, _ in CSV_COLUMNS})
    if not found and not entries:
        found.append("The selected file has no entries under its column headings")
    if not found and len(entries) > room:
        found.append(
            f"The chronology can have up to {MAX_CHRONOLOGY} entries: this file has "
            f"{len(entries)}, and there is room for {room}"
        )
    if found:
        if len(found) > CSV_MAX_PROBLEMS:
            more = len(found) - CSV_MAX_PROBLEMS
            found = [*found[:CSV_MAX_PROBLEMS], f"And {more} more problems in the file"]
        raise CsvRefused(found)
    return entries


def field_names() -> list[str]:
    """Every field name the return's pages post (for the fuzz tests)."""
    names = {"csrf_token", "action", "mode", "file", "dates_confirmed", "declaration"}
    for q in [INVOLVEMENT_Q, *PERSON_DETAILS, SYSTEMS_Q, *CHRONOLOGY_QUESTIONS,
              *COMPLETED_BY_QUESTIONS, EXTENSION_DATE_Q, EXTENSION_REASON_Q]:  # fmt: skip
        names.add(q.name)
        if q.kind == "date":
            names |= {f"{q.name}-day", f"{q.name}-month", f"{q.name}-year"}
    return sorted(names)
