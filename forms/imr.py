"""The Individual Management Review: the officer's request, and the agency's quality assurance
(QA) checklist, defined once.

Here are its questions, the marshmallow schema that checks a whole checklist before it is
submitted, and the checklist read back in the form's order (check your answers, the PDF, the
console): plain data and functions, which the domain reads without WTForms. The pages are built
from these questions in ``forms.imr_pages``. The 15 criteria are the partnership's IMR quality
assurance form, word for word.

A checklist is one JSON object (``ImrSubmission.checklist``; ``ImrRequest.draft["checklist"]``
while the agency fills it in):

    {"agency": str,
     "completed_by": {"name": ..., "email": ..., "phone": ...},
     "anonymised": {"victim": ..., "perpetrator": ..., "others": ...},
     "criteria": {"1": {"answer": "yes" | "no" | "partially", "comment": str | None}, ...},
     "signed_name": str, "signed_on": "YYYY-MM-DD", "role": str}

The questions, the criteria and the messages speak the page's language (lazy: the page classes
are made once, for pages in Welsh and in English); read outside a request, or inside
``service.i18n.speaking("en")`` (the PDF, the DHR officer's emails), they are in English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from marshmallow import Schema, ValidationError, validates_schema
from marshmallow import fields as mf

from forms.questions import (
    LONG,
    NOT_ANSWERED,
    SHORT,
    Question,
    Row,
    mm_field,
    shown,
)
from forms.questions import (
    escaped_lazy_gettext as lazy_gettext,
)

__all__ = ["NOT_ANSWERED", "Row"]

NOTE_MAX = 5000


#: The IMR quality assurance form's criteria, in its order and in its words.
CRITERIA: tuple[str, ...] = (
    lazy_gettext(
        "The scope of the review is unambiguous, outcome-focused and supported by "
        "clear terms of reference"
    ),
    lazy_gettext("Author was independent"),
    lazy_gettext("Access to legal advice available for critical aspects"),
    lazy_gettext("Report is completed within agreed timescale"),
    lazy_gettext(
        "Report includes genogram and full details of changes to the family "
        "composition for the identified time period including transient members as "
        "appropriate"
    ),
    lazy_gettext("Report includes chronology of involvement for identified time period"),
    lazy_gettext("Report takes account of the individual needs of the victim and family members"),
    lazy_gettext(
        "Report is sensitive to the racial, cultural and linguistic identity of the "
        "victim and family members"
    ),
    lazy_gettext(
        "Report reflects a critical examination of the facts and provides a credible "
        "explanation for how and why events occurred"
    ),
    lazy_gettext(
        "Report reflects a critical examination of the facts and provides a credible "
        "explanation for actions/ decisions that were/ were not taken"
    ),
    lazy_gettext(
        "Practice at individual and organisational level is analysed openly and "
        "critically against local and national requirements, professional standards "
        "and local procedural guidance"
    ),
    lazy_gettext("Good practice is highlighted beyond expected minimum practice"),
    lazy_gettext("Report has drawn on relevant and contemporary research"),
    lazy_gettext(
        "Report contains an action plan with measurable and relevant recommendations "
        "for improvement and a timescale for implementation."
    ),
    lazy_gettext("Action plan has been agreed with relevant senior management groups"),
)
ANSWERS = [("yes", lazy_gettext("Yes")), ("no", lazy_gettext("No")),
           ("partially", lazy_gettext("Partially"))]  # fmt: skip
#: Answers that need a comment saying why.
NEEDS_COMMENT = ("no", "partially")
#: The criteria pages: five criteria each, numbered from 1.
CRITERIA_PAGES: tuple[tuple[int, ...], ...] = (
    tuple(range(1, 6)),
    tuple(range(6, 11)),
    tuple(range(11, 16)),
)


def comment_message(number: int, answer: str) -> str:
    said = dict(ANSWERS).get(answer, answer)
    return gettext(
        "Enter a comment for criterion %(number)s: say why the answer is ‘%(answer)s’",
        number=number, answer=str(said),
    )  # fmt: skip


# --- the questions ---------------------------------------------------------------------------

DETAILS_QUESTIONS = [
    Question("agency", lazy_gettext("Agency"), "text", max_length=SHORT,
             error_name=lazy_gettext("the name of your agency")),
    Question("name", lazy_gettext("Name of the person completing this form"), "text",
             max_length=SHORT,
             error_name=lazy_gettext("the name of the person completing this form")),
    Question("email", lazy_gettext("Secure email address"), "email", max_length=254, secure=True,
             hint=lazy_gettext("Your work address, on a secure domain. The chair and the DHR "
                               "officer use it to contact you about the checklist"),
             error_name=lazy_gettext("an email address for the person completing this form")),
    Question("phone", lazy_gettext("Telephone number"), "phone",
             error_name=lazy_gettext("a telephone number")),
]  # fmt: skip

#: The initials are a field of their own, so that a full name cannot reach the QA PDF there.
ANONYMISED_QUESTIONS = [
    Question("victim_initials", lazy_gettext("Victim's initials"), "initials", max_length=20,
             hint=lazy_gettext("Initials only, as in your report, for example J.S."),
             error_name=lazy_gettext("the victim's initials")),
    Question("victim", lazy_gettext("About the victim"), "textarea", max_length=LONG,
             hint=lazy_gettext("Their age, ethnicity and diversity issues, using initials only "
                               "for anyone you name"),
             error_name=lazy_gettext("anonymised details of the victim")),
    Question("perpetrator_initials", lazy_gettext("Perpetrator's initials"), "initials",
             max_length=20, hint=lazy_gettext("Initials only, as in your report, for example A.B."),
             error_name=lazy_gettext("the perpetrator's initials")),
    Question("perpetrator", lazy_gettext("About the perpetrator"), "textarea", max_length=LONG,
             hint=lazy_gettext("Their age, ethnicity and diversity issues and their relationship "
                               "to the victim, using initials only"),
             error_name=lazy_gettext("anonymised details of the perpetrator")),
    Question("others", lazy_gettext("Other relevant persons"), "textarea", max_length=LONG,
             required=False,
             hint=lazy_gettext("Optional. Children or adults, by initials, with ethnicity and "
                               "diversity issues"),
             error_name=lazy_gettext("anonymised details of other relevant persons")),
]  # fmt: skip

#: Where the partnership's IMRs use real names (``ImrNames.REAL_NAMES``): the same answers,
#: asked by name.
REAL_NAME_QUESTIONS = [
    Question("victim_initials", lazy_gettext("Victim's name"), "text", max_length=SHORT,
             hint=lazy_gettext("Their full name, as in your report"),
             error_name=lazy_gettext("the victim's name")),
    Question("victim", lazy_gettext("About the victim"), "textarea", max_length=LONG,
             hint=lazy_gettext("Their age, ethnicity and diversity issues"),
             error_name=lazy_gettext("details of the victim")),
    Question("perpetrator_initials", lazy_gettext("Perpetrator's name"), "text",
             max_length=SHORT, hint=lazy_gettext("Their full name, as in your report"),
             error_name=lazy_gettext("the perpetrator's name")),
    Question("perpetrator", lazy_gettext("About the perpetrator"), "textarea", max_length=LONG,
             hint=lazy_gettext("Their age, ethnicity and diversity issues and their relationship "
                               "to the victim"),
             error_name=lazy_gettext("details of the perpetrator")),
    Question("others", lazy_gettext("Other relevant persons"), "textarea", max_length=LONG,
             required=False,
             hint=lazy_gettext("Optional. Children or adults, with ethnicity and diversity "
                               "issues"),
             error_name=lazy_gettext("details of other relevant persons")),
]  # fmt: skip


def anonymised_questions(names: str = "initials") -> list[Question]:
    """The victim, perpetrator and others, by initials or by name as the partnership asks."""
    return REAL_NAME_QUESTIONS if names == "real_names" else ANONYMISED_QUESTIONS


def anonymised_heading(names: str = "initials") -> str:
    if names == "real_names":
        return gettext("Details of victim, perpetrator and other relevant persons")
    return gettext("Anonymised details of victim, perpetrator and other relevant persons")


#: The date has its own ``error``: Welsh names a date differently at the start of a sentence.
SIGNATURE_QUESTIONS = [
    Question("signed_name", lazy_gettext("Signed"), "text", max_length=SHORT,
             hint=lazy_gettext("Type your full name: it is your signature on this checklist"),
             error_name=lazy_gettext("your full name as your signature")),
    Question("signed_on", lazy_gettext("Date"), "date",
             hint=lazy_gettext("For example, 27 3 2027"),
             error_name=lazy_gettext("the date you signed"),
             error=lazy_gettext("Enter the date")),
    Question("role", lazy_gettext("Role"), "text", max_length=SHORT,
             hint=lazy_gettext("Your job title or role"), error_name=lazy_gettext("your role")),
]  # fmt: skip


def answer_question(number: int) -> Question:
    return Question(
        f"criterion_{number}", CRITERIA[number - 1], "choice", choices=ANSWERS,
        error=lazy_gettext("Select yes, no or partially for criterion %(number)s", number=number),
    )  # fmt: skip


def comment_question(number: int) -> Question:
    return Question(
        f"comment_{number}", lazy_gettext("Comments"), "textarea", max_length=LONG,
        required=False, hint=lazy_gettext("Needed if the answer is no or partially"),
        error_name=lazy_gettext("the comment for criterion %(number)s", number=number),
    )  # fmt: skip


# --- the officer's request -------------------------------------------------------------------

DUE_DATE_Q = Question(
    "due_date", "Due date", "date", past=False, hint="For example, 15 3 2027",
    error_name="the due date",
)  # fmt: skip
AGENCY_REQUIRED = "Select the agency to ask for an IMR"
TOR_REQUIRED = "Select the terms of reference to attach"
DUE_IN_FUTURE = "The due date must be in the future"
NOTE_TOO_LONG = f"The note must be {NOTE_MAX:,} characters or fewer"


# --- marshmallow: a whole checklist, checked before it is submitted --------------------------


class CompletedBySchema(Schema):
    name = mm_field(DETAILS_QUESTIONS[1])
    email = mm_field(DETAILS_QUESTIONS[2])
    phone = mm_field(DETAILS_QUESTIONS[3])


AnonymisedSchema = type(
    "AnonymisedSchema", (Schema,), {q.name: mm_field(q) for q in ANONYMISED_QUESTIONS}
)
NamedSchema = type("NamedSchema", (Schema,), {q.name: mm_field(q) for q in REAL_NAME_QUESTIONS})


def _criterion_schema(number: int) -> type[Schema]:
    class CriterionSchema(Schema):
        answer = mm_field(answer_question(number))
        comment = mm_field(comment_question(number))

        @validates_schema
        def comment_when_not_yes(self, data: dict[str, Any], **_: Any) -> None:
            answer = data.get("answer")
            if answer in NEEDS_COMMENT and not (data.get("comment") or "").strip():
                raise ValidationError(comment_message(number, answer), "comment")

    return CriterionSchema


def _criteria_schema() -> type[Schema]:
    attrs = {
        str(n): mf.Nested(
            _criterion_schema(n),
            required=True,
            error_messages={"required": f"Answer criterion {n}"},
        )  # fmt: skip
        for n in range(1, len(CRITERIA) + 1)
    }
    return type("CriteriaSchema", (Schema,), attrs)


class ChecklistSchema(Schema):
    agency = mm_field(DETAILS_QUESTIONS[0])
    completed_by = mf.Nested(
        CompletedBySchema, required=True,
        error_messages={"required": "Enter the details of the person completing this form"},
    )  # fmt: skip
    anonymised = mf.Nested(
        AnonymisedSchema, required=True,
        error_messages={"required": "Enter the anonymised details"},
    )  # fmt: skip
    criteria = mf.Nested(
        _criteria_schema(), required=True,
        error_messages={"required": "Answer each of the criteria"},
    )  # fmt: skip
    signed_name = mm_field(SIGNATURE_QUESTIONS[0])
    signed_on = mm_field(SIGNATURE_QUESTIONS[1])
    role = mm_field(SIGNATURE_QUESTIONS[2])


class NamedChecklistSchema(ChecklistSchema):
    """A checklist of a partnership whose IMRs use real names."""

    anonymised = mf.Nested(
        NamedSchema, required=True,
        error_messages={"required": "Enter the details of the victim, perpetrator and others"},
    )  # fmt: skip


def problems(checklist: dict[str, Any], names: str = "initials") -> dict[str, Any]:
    """What is missing or wrong in a whole checklist (empty when it is ready to submit)."""
    schema = NamedChecklistSchema if names == "real_names" else ChecklistSchema
    return schema().validate(checklist or {})


def criteria_page_of(number: int) -> int:
    return next(i + 1 for i, numbers in enumerate(CRITERIA_PAGES) if number in numbers)


# --- reading a checklist back ----------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    key: str  # "details", "anonymised", "signature"
    heading: str
    rows: list[Row]


@dataclass(frozen=True)
class Criterion:
    number: int
    text: str
    answer: str | None  # "yes", "no", "partially"
    comment: str | None

    @property
    def answer_label(self) -> str:
        return str(dict(ANSWERS).get(self.answer or "") or gettext("Not answered"))

    @property
    def flagged(self) -> bool:
        """Answered no or partially: the chair and the officer look at these first."""
        return self.answer in NEEDS_COMMENT


def checklist_parts(checklist: dict[str, Any], names: str = "initials") -> list[Part]:
    """The checklist's details, anonymised details and signature, in the form's order (the
    criteria come from ``criteria``)."""
    completed = checklist.get("completed_by") or {}
    anonymised = checklist.get("anonymised") or {}
    details_values = {"agency": checklist.get("agency"), **completed}
    return [
        Part("details", gettext("Agency and the person completing this form"),
             [Row(str(q.label), shown(q, details_values.get(q.name)), q.name)
              for q in DETAILS_QUESTIONS]),
        Part("anonymised", anonymised_heading(names),
             [Row(str(q.label), shown(q, anonymised.get(q.name)), q.name)
              for q in anonymised_questions(names)]),
        Part("signature", gettext("Signature"),
             [Row(str(q.label), shown(q, checklist.get(q.name)), q.name)
              for q in SIGNATURE_QUESTIONS]),
    ]  # fmt: skip


def criteria(checklist: dict[str, Any]) -> list[Criterion]:
    given = checklist.get("criteria") or {}
    found = []
    for n, text in enumerate(CRITERIA, start=1):
        entry = given.get(str(n)) or {}
        found.append(Criterion(n, str(text), entry.get("answer"), entry.get("comment")))
    return found


def field_names() -> list[str]:
    """Every field name the IMR pages post (for the fuzz tests)."""
    names = {"csrf_token", "document", "is_final", "agency", "terms_of_reference", "note",
             "due_date-day", "due_date-month", "due_date-year"}  # fmt: skip
    for q in [*DETAILS_QUESTIONS, *ANONYMISED_QUESTIONS, *SIGNATURE_QUESTIONS]:
        names.add(q.name)
        if q.kind == "date":
            names |= {f"{q.name}-day", f"{q.name}-month", f"{q.name}-year"}
    for n in range(1, len(CRITERIA) + 1):
        names |= {f"criterion_{n}", f"comment_{n}"}
    return sorted(names)
