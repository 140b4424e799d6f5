"""The agency's trawl return, defined once.

Here are its questions, the marshmallow schema that checks a whole return before it is sent (and
each chronology row of a CSV upload), the answers read back in the form's order (check your
answers, the PDF, what changed in an amendment) and the dates that fall outside the scoping
period: plain data and functions, which the domain reads without WTForms. The pages are built
from these questions in ``forms.trawl_return_pages``.

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

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask_babel import gettext, lazy_gettext
from marshmallow import Schema, ValidationError, validates_schema
from marshmallow import fields as mf
from marshmallow.validate import Length

from forms import chronology_csv
from forms.chronology_csv import CSV_MAX_BYTES, CSV_MAX_PROBLEMS, CsvRefused
from forms.questions import (
    LONG,
    NOT_ANSWERED,
    SHORT,
    Question,
    Row,
    mm_field,
    required_message,
    secure_email_problem,
    shown,
)
from mail import policy

__all__ = ["CSV_MAX_BYTES", "CSV_MAX_PROBLEMS", "NOT_ANSWERED", "CsvRefused", "Row"]

REASON_MAX = 2000  # the same limit as service.trawls.extensions
MAX_CHRONOLOGY = 300

# The questions speak the page's language (lazy: the page classes are made once, for pages in
# Welsh and in English); the domain reads them in English outside a request.
YES, NO, NOT_KNOWN = lazy_gettext("Yes"), lazy_gettext("No"), lazy_gettext("Not known")
YES_NO = [("yes", YES), ("no", NO)]
YES_NO_NOT_KNOWN = [("yes", YES), ("no", NO), ("not_known", NOT_KNOWN)]
INVOLVEMENT = [("yes", YES), ("no_trace", lazy_gettext("No trace"))]
DASH_RISK = [
    ("high", lazy_gettext("High")),
    ("medium", lazy_gettext("Medium")),
    ("standard", lazy_gettext("Standard")),
    ("none", lazy_gettext("No DASH risk assessment completed")),
    ("not_known", NOT_KNOWN),
]
CSV_MODES = [
    ("add", lazy_gettext("Add them to the entries already there")),
    ("replace", lazy_gettext("Replace them")),
]


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
    lazy_gettext("Has your agency had any involvement with this person?"),
    "choice",
    choices=INVOLVEMENT,
    error_name=lazy_gettext("whether your agency has had any involvement with this person"),
    error=lazy_gettext("Select yes if your agency has had any involvement with this person"),
)

#: Asked about each person when the agency has had involvement with them. Each date has its own
#: ``error``: Welsh names a date differently at the start of a sentence.
PERSON_DETAILS = [
    Question("nature", lazy_gettext("Nature of your involvement"), "textarea", max_length=LONG,
             hint=lazy_gettext("A brief summary: what your agency did, and why"),
             error_name=lazy_gettext("the nature of your involvement")),
    Question("first_contact", lazy_gettext("Date of first contact"), "date",
             hint=lazy_gettext("For example, 27 3 2024"),
             error=lazy_gettext("Enter the date of first contact")),
    Question("last_contact", lazy_gettext("Date of last contact"), "date",
             hint=lazy_gettext("For example, 14 8 2026"),
             error=lazy_gettext("Enter the date of last contact")),
    Question("services", lazy_gettext("Services offered or provided"), "textarea",
             max_length=LONG, error_name=lazy_gettext("the services offered or provided")),
    Question("dash_risk", lazy_gettext("DASH risk level"), "choice", choices=DASH_RISK,
             hint=lazy_gettext("The most recent Domestic Abuse, Stalking and Harassment risk "
                               "assessment"),
             error_name=lazy_gettext("the DASH risk level, or that none was completed"),
             error=lazy_gettext("Select the DASH risk level, or that none was completed")),
    Question("marac", lazy_gettext("Was this person referred to MARAC?"), "choice",
             choices=YES_NO_NOT_KNOWN,
             error_name=lazy_gettext("whether this person was referred to MARAC"),
             error=lazy_gettext("Select yes if this person was referred to MARAC")),
    Question("risk_other", lazy_gettext("Other known risk indicators"), "textarea",
             max_length=LONG, required=False,
             hint=lazy_gettext("For example, stalking, threats to kill, weapons, pregnancy, "
                               "separation, escalation"),
             error_name=lazy_gettext("other known risk indicators")),
    Question("records_secured", lazy_gettext("Have your records about this person been secured?"),
             "choice", choices=YES_NO,
             error_name=lazy_gettext("whether your records have been secured"),
             error=lazy_gettext("Select yes if your records about this person have been "
                                "secured")),
]  # fmt: skip

SYSTEMS_Q = Question(
    "systems_checked",
    lazy_gettext("Which records systems did you search?"),
    "textarea",
    max_length=LONG,
    hint=lazy_gettext(
        "List every system and database you checked, across the whole scoping period"
    ),
    error_name=lazy_gettext("the records systems you searched"),
)

CHRONOLOGY_QUESTIONS = [
    Question("date", lazy_gettext("Date"), "date", hint=lazy_gettext("For example, 14 10 2025"),
             error_name=lazy_gettext("the date"), error=lazy_gettext("Enter the date")),
    Question("time", lazy_gettext("Time"), "text", required=False, max_length=20,
             hint=lazy_gettext("Optional. In the 24-hour clock, for example 09:30 or 17:00"),
             error_name=lazy_gettext("the time")),
    Question("source", lazy_gettext("Source of evidence"), "text", max_length=SHORT,
             hint=lazy_gettext("For example, case record, interview or minutes"),
             error_name=lazy_gettext("the source of evidence")),
    Question("professional", lazy_gettext("Name of professional"), "text", required=False,
             max_length=SHORT, hint=lazy_gettext("Optional. The professional who had the contact"),
             error_name=lazy_gettext("the name of the professional")),
    Question("contact_with", lazy_gettext("Contact with"), "choice",
             error_name=lazy_gettext("who the contact was with")),
    Question("event", lazy_gettext("Event, action or decision"), "textarea", max_length=LONG,
             hint=lazy_gettext("What the contact involved, and what was done or decided"),
             error_name=lazy_gettext("the event, action or decision")),
    Question("outcome", lazy_gettext("Outcome"), "textarea", max_length=LONG, required=False,
             error_name=lazy_gettext("the outcome")),
]  # fmt: skip

COMPLETED_BY_QUESTIONS = [
    Question("name", lazy_gettext("Full name"), "text", error_name=lazy_gettext("your full name")),
    Question("role", lazy_gettext("Job title or role"), "text",
             error_name=lazy_gettext("your job title or role")),
    Question("email", lazy_gettext("Secure email address"), "email",
             error_name=lazy_gettext("your secure email address"),
             hint=lazy_gettext("Your work address, on a secure domain"), secure=True),
    Question("phone", lazy_gettext("Telephone number"), "phone",
             error_name=lazy_gettext("your telephone number")),
]  # fmt: skip

#: The CSV columns, in the template's order: (answer key, heading). The headings are the file's
#: format, the same in every language (English, as the template has them).
CSV_COLUMNS = [(q.name, str(q.label)) for q in CHRONOLOGY_QUESTIONS]


def person_label(person: Person) -> str:
    return f"{person.name} ({person.relation})" if person.relation else person.name


# --- asking for more time -----------------------------------------------------------------

EXTENSION_DATE_Q = Question(
    "new_date", lazy_gettext("New date"), "date", past=False,
    hint=lazy_gettext("For example, 15 1 2027"),
    error_name=lazy_gettext("the date you can answer by"), error=lazy_gettext("Enter the new date"),
)  # fmt: skip
EXTENSION_REASON_Q = Question(
    "reason", lazy_gettext("Why do you need more time?"), "textarea", max_length=REASON_MAX,
    error_name=lazy_gettext("why you need more time"),
)  # fmt: skip


# --- marshmallow: a whole return, checked before it is sent ----------------------------------


def not_answered() -> str:
    """``NOT_ANSWERED`` in the page's language."""
    return gettext("Not answered")


def last_before_first() -> str:
    return gettext(
        "The date of last contact must be the same as or after the date of first contact"
    )


class PersonSchema(Schema):
    involvement = mm_field(INVOLVEMENT_Q)
    nature = mm_field(PERSON_DETAILS[0], required=False)
    first_contact = mm_field(PERSON_DETAILS[1], required=False)
    last_contact = mm_field(PERSON_DETAILS[2], required=False)
    services = mm_field(PERSON_DETAILS[3], required=False)
    dash_risk = mm_field(PERSON_DETAILS[4], required=False)
    marac = mm_field(PERSON_DETAILS[5], required=False)
    risk_other = mm_field(PERSON_DETAILS[6], required=False)
    records_secured = mm_field(PERSON_DETAILS[7], required=False)

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
            raise ValidationError(last_before_first(), "last_contact")


class CompletedBySchema(Schema):
    name = mm_field(COMPLETED_BY_QUESTIONS[0])
    role = mm_field(COMPLETED_BY_QUESTIONS[1])
    email = mm_field(COMPLETED_BY_QUESTIONS[2])
    phone = mm_field(COMPLETED_BY_QUESTIONS[3])


def chronology_schema(people: Sequence[Person]) -> type[Schema]:
    ids = [str(p.id) for p in people]
    attrs = {
        q.name: mm_field(q, choices=ids if q.name == "contact_with" else None)
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
        "systems_checked": mm_field(SYSTEMS_Q),
        "chronology": mf.List(
            mf.Nested(chronology_schema(people)),
            load_default=list,
            validate=Length(max=MAX_CHRONOLOGY,
                            error=f"The chronology can have up to {MAX_CHRONOLOGY} entries"),
        ),
        "completed_by": mf.Nested(CompletedBySchema, required=True,
                                  error_messages={"required": "Enter your details"}),
        # Who will represent the agency (forms.trawl_representative checks it).
        "representative": mf.Dict(load_default=None, allow_none=True),
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
            found.setdefault("completed_by", {})["email"] = [secure_email_problem()]
    return found


def sending_problems(answers: dict[str, Any], flagged: list[Any]) -> dict[str, list[str]]:
    """The check page's own questions: the declaration, and the dates outside the period."""
    found: dict[str, list[str]] = {}
    if flagged and not answers.get("dates_confirmed"):
        found["dates_confirmed"] = [
            gettext("Confirm that the dates outside the scoping period are correct, or change them")
        ]
    if not answers.get("declaration"):
        found["declaration"] = [gettext("Confirm the declaration to send your return")]
    return found


def involvement(answers: dict[str, Any]) -> bool:
    """True when the agency was involved with anyone in the request."""
    return any(
        (person or {}).get("involvement") == "yes"
        for person in (answers.get("people") or {}).values()
    )


# --- dates outside the scoping period --------------------------------------------------------


def entry_heading(index: int) -> str:
    """The heading of chronology entry ``index`` (from 0): "Chronology entry 1"."""
    return gettext("Chronology entry %(number)s", number=index + 1)


def entry_date_label(index: int) -> str:
    return gettext("Chronology entry %(number)s: date", number=index + 1)


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
        for name, said in (("first_contact", gettext("date of first contact")),
                           ("last_contact", gettext("date of last contact"))):  # fmt: skip
            if outside(person.get(name)):
                found.append(Flagged(f"{person_label(p)}: {said}", person[name]))
    for i, entry in enumerate(answers.get("chronology") or []):
        if outside(entry.get("date")):
            found.append(Flagged(entry_date_label(i), entry["date"]))
    return found


# --- reading answers back --------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A group of answers on check your answers and in the PDF, and the page that asks them."""

    key: str  # "person", "systems", "chronology", "completed_by"
    heading: str
    rows: list[Row]
    args: dict[str, Any] = field(default_factory=dict)  # the page's URL arguments


def _show(q: Question, value: Any, people: Sequence[Person] = ()) -> str:
    """An answer as shown, as text (amendments' changes are stored); "contact with" by the name
    of the request's person it holds."""
    if q.name == "contact_with" and value not in (None, ""):
        for p in people:
            if str(p.id) == str(value):
                return person_label(p)
        return gettext("Not one of the people in this request")
    return shown(q, value)


def person_rows(answer: dict[str, Any]) -> list[Row]:
    rows = [Row(INVOLVEMENT_Q.label, _show(INVOLVEMENT_Q, answer.get("involvement")),
                "involvement")]  # fmt: skip
    if answer.get("involvement") == "yes":
        rows += [Row(q.label, _show(q, answer.get(q.name)), q.name) for q in PERSON_DETAILS]
    return rows


def chronology_rows(entry: dict[str, Any], people: Sequence[Person]) -> list[Row]:
    return [Row(q.label, _show(q, entry.get(q.name), people), q.name) for q in CHRONOLOGY_QUESTIONS]


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
        Part("systems", gettext("Records systems searched"),
             [Row(SYSTEMS_Q.label, _show(SYSTEMS_Q, answers.get("systems_checked")),
                  "systems_checked")])
    )  # fmt: skip
    entries = answers.get("chronology") or []
    for i, entry in enumerate(entries):
        parts.append(
            Part("chronology", entry_heading(i), chronology_rows(entry, people),
                 {"index": i})
        )  # fmt: skip
    if not entries:
        parts.append(Part("chronology", gettext("Chronology"),
                          [Row(gettext("Entries"), gettext("None given"), "")]))  # fmt: skip
    completed_by = answers.get("completed_by") or {}
    parts.append(
        Part("completed_by", gettext("Completed by"),
             [Row(q.label, _show(q, completed_by.get(q.name)), q.name)
              for q in COMPLETED_BY_QUESTIONS])
    )  # fmt: skip
    if answers.get("representative") is not None:
        chosen = answers["representative"]
        parts.append(Part("representative", gettext("Representative"), [
            Row(label, _show(Question(key, label, "text"), chosen.get(key)), key)
            for key, label in (("name", gettext("Full name")),
                               ("role", gettext("Job title or role")))]))  # fmt: skip
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
    none = not_answered()
    found = [
        {"field": label, "before": old.get(label, none), "after": value}
        for label, value in new.items()
        if old.get(label, none) != value
    ]
    found += [
        {"field": label, "before": value, "after": none}
        for label, value in old.items()
        if label not in new and value != none
    ]
    return found


# --- the chronology as a CSV file (``forms.chronology_csv``) ---------------------------------


def csv_template() -> bytes:
    """The headings row, with a byte-order mark so that spreadsheets open it as UTF-8."""
    return chronology_csv.template(CSV_COLUMNS)


def read_chronology_csv(
    data: bytes, people: Sequence[Person], *, room: int = MAX_CHRONOLOGY
) -> list[dict[str, Any]]:
    """Every row of an uploaded chronology, checked; CsvRefused (importing nothing) if any row
    or the file itself has a problem. ``room``: how many entries may still be added."""
    return chronology_csv.read(
        data, columns=CSV_COLUMNS, schema=chronology_schema(people)(), people=people, room=room,
        most=MAX_CHRONOLOGY,
    )  # fmt: skip


def field_names() -> list[str]:
    """Every field name the return's pages post (for the fuzz tests)."""
    names = {"csrf_token", "action", "mode", "file", "dates_confirmed", "declaration"}
    for q in [INVOLVEMENT_Q, *PERSON_DETAILS, SYSTEMS_Q, *CHRONOLOGY_QUESTIONS,
              *COMPLETED_BY_QUESTIONS, EXTENSION_DATE_Q, EXTENSION_REASON_Q]:  # fmt: skip
        names.add(q.name)
        if q.kind == "date":
            names |= {f"{q.name}-day", f"{q.name}-month", f"{q.name}-year"}
    return sorted(names)
