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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, validates_schema
from marshmallow import fields as mf

from forms.questions import LONG, NOT_ANSWERED, SHORT, Question, Row, mm_field, show

__all__ = ["NOT_ANSWERED", "Row"]

NOTE_MAX = 5000

#: The IMR quality assurance form's criteria, in its order and in its words.
CRITERIA: tuple[str, ...] = (
    "The scope of the review is unambiguous, outcome-focused and supported by clear terms of "
    "reference",
    "Author was independent",
    "Access to legal advice available for critical aspects",
    "Report is completed within agreed timescale",
    "Report includes genogram and full details of changes to the family composition for the "
    "identified time period including transient members as appropriate",
    "Report includes chronology of involvement for identified time period",
    "Report takes account of the individual needs of the victim and family members",
    "Report is sensitive to the racial, cultural and linguistic identity of the victim and family "
    "members",
    "Report reflects a critical examination of the facts and provides a credible explanation for "
    "how and why events occurred",
    "Report reflects a critical examination of the facts and provides a credible explanation for "
    "actions/ decisions that were/ were not taken",
    "Practice at individual and organisational level is analysed openly and critically against "
    "local and national requirements, professional standards and local procedural guidance",
    "Good practice is highlighted beyond expected minimum practice",
    "Report has drawn on relevant and contemporary research",
    "Report contains an action plan with measurable and relevant recommendations for improvement "
    "and a timescale for implementation.",
    "Action plan has been agreed with relevant senior management groups",
)
ANSWERS = [("yes", "Yes"), ("no", "No"), ("partially", "Partially")]
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
    return f"Enter a comment for criterion {number}: say why the answer is ‘{said}’"


# --- the questions ---------------------------------------------------------------------------

DETAILS_QUESTIONS = [
    Question("agency", "Agency", "text", max_length=SHORT, error_name="the name of your agency"),
    Question("name", "Name of the person completing this form", "text", max_length=SHORT,
             error_name="the name of the person completing this form"),
    Question("email", "Secure email address", "email", max_length=254, secure=True,
             hint="Your work address, on a secure domain. The chair and the DHR officer use it "
             "to contact you about the checklist",
             error_name="an email address for the person completing this form"),
    Question("phone", "Telephone number", "phone", error_name="a telephone number"),
]  # fmt: skip

#: The initials are a field of their own, so that a full name cannot reach the QA PDF there.
ANONYMISED_QUESTIONS = [
    Question("victim_initials", "Victim's initials", "initials", max_length=20,
             hint="Initials only, as in your report, for example J.S.",
             error_name="the victim's initials"),
    Question("victim", "About the victim", "textarea", max_length=LONG,
             hint="Their age, ethnicity and diversity issues, using initials only for anyone "
             "you name", error_name="anonymised details of the victim"),
    Question("perpetrator_initials", "Perpetrator's initials", "initials", max_length=20,
             hint="Initials only, as in your report, for example A.B.",
             error_name="the perpetrator's initials"),
    Question("perpetrator", "About the perpetrator", "textarea", max_length=LONG,
             hint="Their age, ethnicity and diversity issues and their relationship to the "
             "victim, using initials only", error_name="anonymised details of the perpetrator"),
    Question("others", "Other relevant persons", "textarea", max_length=LONG, required=False,
             hint="Optional. Children or adults, by initials, with ethnicity and diversity "
             "issues", error_name="anonymised details of other relevant persons"),
]  # fmt: skip

#: Where the partnership's IMRs use real names (``ImrNames.REAL_NAMES``): the same answers,
#: asked by name.
REAL_NAME_QUESTIONS = [
    Question("victim_initials", "Victim's name", "text", max_length=SHORT,
             hint="Their full name, as in your report", error_name="the victim's name"),
    Question("victim", "About the victim", "textarea", max_length=LONG,
             hint="Their age, ethnicity and diversity issues",
             error_name="details of the victim"),
    Question("perpetrator_initials", "Perpetrator's name", "text", max_length=SHORT,
             hint="Their full name, as in your report", error_name="the perpetrator's name"),
    Question("perpetrator", "About the perpetrator", "textarea", max_length=LONG,
             hint="Their age, ethnicity and diversity issues and their relationship to the "
             "victim", error_name="details of the perpetrator"),
    Question("others", "Other relevant persons", "textarea", max_length=LONG, required=False,
             hint="Optional. Children or adults, with ethnicity and diversity issues",
             error_name="details of other relevant persons"),
]  # fmt: skip


def anonymised_questions(names: str = "initials") -> list[Question]:
    """The victim, perpetrator and others, by initials or by name as the partnership asks."""
    return REAL_NAME_QUESTIONS if names == "real_names" else ANONYMISED_QUESTIONS


def anonymised_heading(names: str = "initials") -> str:
    if names == "real_names":
        return "Details of victim, perpetrator and other relevant persons"
    return "Anonymised details of victim, perpetrator and other relevant persons"


SIGNATURE_QUESTIONS = [
    Question("signed_name", "Signed", "text", max_length=SHORT,
             hint="Type your full name: it is your signature on this checklist",
             error_name="your full name as your signature"),
    Question("signed_on", "Date", "date", hint="For example, 27 3 2027",
             error_name="the date you signed"),
    Question("role", "Role", "text", max_length=SHORT, hint="Your job title or role",
             error_name="your role"),
]  # fmt: skip


def answer_question(number: int) -> Question:
    return Question(
        f"criterion_{number}", CRITERIA[number - 1], "choice", choices=ANSWERS,
        error_name=f"yes, no or partially for criterion {number}",
    )  # fmt: skip


def comment_question(number: int) -> Question:
    return Question(
        f"comment_{number}", "Comments", "textarea", max_length=LONG, required=False,
        hint="Needed if the answer is no or partially",
        error_name=f"the comment for criterion {number}",
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
        return dict(ANSWERS).get(self.answer or "", NOT_ANSWERED)

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
        Part("details", "Agency and the person completing this form",
             [Row(q.label, show(q, details_values.get(q.name)), q.name)
              for q in DETAILS_QUESTIONS]),
        Part("anonymised", anonymised_heading(names),
             [Row(q.label, show(q, anonymised.get(q.name)), q.name)
              for q in anonymised_questions(names)]),
        Part("signature", "Signature",
             [Row(q.label, show(q, checklist.get(q.name)), q.name)
              for q in SIGNATURE_QUESTIONS]),
    ]  # fmt: skip


def criteria(checklist: dict[str, Any]) -> list[Criterion]:
    given = checklist.get("criteria") or {}
    found = []
    for n, text in enumerate(CRITERIA, start=1):
        entry = given.get(str(n)) or {}
        found.append(Criterion(n, text, entry.get("answer"), entry.get("comment")))
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
