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

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from marshmallow import Schema, ValidationError, validates_schema
from marshmallow import fields as mf
from marshmallow.validate import Length

from forms.questions import (
    LONG,
    NOT_ANSWERED,
    SECURE_EMAIL_PROBLEM,
    SHORT,
    YES_NO,
    YES_NO_NOT_KNOWN,
    Question,
    Row,
    mm_field,
    normal_time,
    required_message,
    show,
)
from mail import policy

__all__ = ["NOT_ANSWERED", "Row"]

REASON_MAX = 2000  # the same limit as service.trawls.extensions
MAX_CHRONOLOGY = 300
CSV_MAX_BYTES = 1024 * 1024
CSV_MAX_PROBLEMS = 25

INVOLVEMENT = [("yes", "Yes"), ("no_trace", "No trace")]
DASH_RISK = [
    ("high", "High"),
    ("medium", "Medium"),
    ("standard", "Standard"),
    ("none", "No DASH risk assessment completed"),
    ("not_known", "Not known"),
]
CSV_MODES = [("add", "Add them to the entries already there"), ("replace", "Replace them")]


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


def person_label(person: Person) -> str:
    return f"{person.name} ({person.relation})" if person.relation else person.name


# --- asking for more time -----------------------------------------------------------------

EXTENSION_DATE_Q = Question(
    "new_date", "New date", "date", past=False, hint="For example, 15 1 2027",
    error_name="the date you can answer by",
)  # fmt: skip
EXTENSION_REASON_Q = Question(
    "reason", "Why do you need more time?", "textarea", max_length=REASON_MAX,
    error_name="why you need more time",
)  # fmt: skip


# --- marshmallow: a whole return, checked before it is sent ----------------------------------


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
            raise ValidationError(
                "The date of last contact must be the same as or after the date of first contact",
                "last_contact",
            )


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
class Part:
    """A group of answers on check your answers and in the PDF, and the page that asks them."""

    key: str  # "person", "systems", "chronology", "completed_by"
    heading: str
    rows: list[Row]
    args: dict[str, Any] = field(default_factory=dict)  # the page's URL arguments


def _show(q: Question, value: Any, people: Sequence[Person] = ()) -> str:
    """An answer as shown; "contact with" by the name of the request's person it holds."""
    if q.name == "contact_with" and value not in (None, ""):
        for p in people:
            if str(p.id) == str(value):
                return person_label(p)
        return "Not one of the people in this request"
    return show(q, value)


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
        Part("systems", "Records systems searched",
             [Row(SYSTEMS_Q.label, _show(SYSTEMS_Q, answers.get("systems_checked")),
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
             [Row(q.label, _show(q, completed_by.get(q.name)), q.name)
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
