"""The Individual Management Review written in the service, defined once: the IMR template's
sections (Greater Manchester Appendix 3, Darlington Appendix 5) as questions, the marshmallow
schema that checks a whole report before it is submitted, and the report read back in the
template's order (check your answers, the PDF). Plain data: the pages are built from these
questions in ``forms.imr_report_pages``.

How people are named follows the partnership's setting (``names``): ``initials`` asks for
initials where the template names someone and refuses a full name there; ``real_names`` asks
for names. A report is one JSON object (``ImrRequest.draft["report"]`` while it is written,
``ImrSubmission.report`` once sent):

    {"cover": {...}, "methodology": {...}, "terms": {"1": str, ...}, "involvement": {...},
     "chronology": [{"date", "time", "source", "professional", "contact_with", "event",
                     "outcome", "comments"}],
     "summary": {...}, "analysis": {...}, "lessons": {...},
     "actions": [{"recommendation", "key_actions", "evidence", "key_outcomes",
                  "lead_officer", "lead_officer_email", "target_date"}]}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from marshmallow import Schema

from forms.questions import LONG, NOT_ANSWERED, Question, Row, mm_field, show
from forms.trawl_return import CHRONOLOGY_QUESTIONS as TRAWL_CHRONOLOGY
from forms.trawl_return import CSV_COLUMNS as TRAWL_CSV_COLUMNS

__all__ = ["NOT_ANSWERED", "Row"]

INITIALS, REAL_NAMES = "initials", "real_names"
MAX_CHRONOLOGY = 500
MAX_ACTIONS = 50


def initials_of(name: str) -> str:
    """ "Alice Example" → "A.E.": how a person is shown where initials are asked."""
    return "".join(f"{part[0].upper()}." for part in name.split() if part[:1].isalpha())


# --- the template's sections -----------------------------------------------------------------


def _subject(names: str) -> Question:
    if names == INITIALS:
        return Question("subject", "Domestic Homicide Review in respect of", "initials",
                        max_length=20, hint="The victim's initials only, for example J.S.",
                        error_name="the victim's initials")  # fmt: skip
    return Question("subject", "Domestic Homicide Review in respect of", "text",
                    hint="The victim's full name", error_name="the victim's name")  # fmt: skip


def cover_questions(names: str) -> list[Question]:
    """1. The cover sheet. The dates of first submission, revision and final submission are the
    service's own: they are written in when each version is sent."""
    said = "initials" if names == INITIALS else "names"
    return [
        _subject(names),
        Question("victim_diversity", "Ethnicity and diversity issues for the victim", "textarea",
                 max_length=LONG, error_name="the victim's ethnicity and diversity issues"),
        Question("perpetrator", "Details of perpetrator or perpetrators", "textarea",
                 max_length=LONG, hint=f"Including ethnicity and diversity issues and their "
                 f"relationship to the victim, using {said}", error_name="details of the "
                 "perpetrator"),
        Question("others", "Details of other relevant persons", "textarea", max_length=LONG,
                 required=False, hint=f"Optional. Children or adults, including ethnicity and "
                 f"diversity issues, using {said}", error_name="details of other relevant persons"),
        Question("author_name", "Author of the IMR", "text", hint="Your full name",
                 error_name="the name of the author of the IMR"),
        Question("author_designation", "Author's designation", "text",
                 hint="Your job title", error_name="the author's designation"),
        Question("agency_profile", "Agency profile", "textarea", max_length=LONG,
                 hint="A brief description of what your agency does",
                 error_name="a brief agency profile"),
        Question("qa_name", "Quality assured and approved by", "text",
                 hint="The full name of the person quality assuring and signing off the report "
                 "for your agency", error_name="who quality assured and approved the report"),
        Question("qa_designation", "Their designation", "text",
                 error_name="the designation of the person who quality assured the report"),
    ]  # fmt: skip


METHODOLOGY_QUESTIONS = [
    Question("sources", "Sources of information used", "textarea", max_length=LONG,
             hint="The interventions undertaken, documents and sources of information used: "
             "for example consultation, case file notes made by named professionals, interviews "
             "with named persons", error_name="the sources of information used"),
    Question("parallel", "Parallel reviews or processes", "textarea", max_length=LONG,
             required=False, hint="Optional. Any parallel reviews or processes",
             error_name="the parallel reviews or processes"),
]  # fmt: skip

INVOLVEMENT_QUESTIONS = [
    Question("involvement", "Agency involvement", "textarea", max_length=LONG * 4,
             hint="A brief factual summary of the events that occurred, information known to "
             "your agency, decisions reached, services offered and provided, and any other action "
             "taken, for the period in the terms of reference",
             error_name="a summary of your agency's involvement"),
]  # fmt: skip

SUMMARY_QUESTIONS = [
    Question("summary", "Summary of agency involvement", "textarea", max_length=LONG * 4,
             hint="The key events in your chronology, highlighting concerns, omissions and good "
             "practice", error_name="a summary of your agency's involvement"),
]  # fmt: skip

#: 7. Analysis of involvement: the template's questions, in its order and its words.
ANALYSIS: tuple[str, ...] = (
    "Summarise your analysis of the involvement of your agency with the victim, perpetrator or "
    "other relevant persons.",
    "Summarise decisions reached, the services offered and / or provided to the victims, "
    "perpetrator and other relevant persons.",
    "Were practitioners sensitive to the needs of the victim or other relevant persons, "
    "knowledgeable about potential indicators of abuse or neglect, and about what to do if they "
    "had concerns about someone experiencing domestic abuse? Was it reasonable to expect them, "
    "given their level of training and knowledge to fulfil these expectations?",
    "Did the agency have in place policies and procedures for acting on domestic abuse, sharing "
    "information and safeguarding children and adults at risk? How are staff made aware of the "
    "agency's policies and procedures? Were these assessment tools, procedures and policies "
    "professionally accepted as effective?",
    "Did the agency have in place policies and procedures for risk assessment and risk "
    "management for domestic abuse victims (e.g. Domestic Abuse Stalking and Harassment DASH "
    "risk assessment model) or perpetrators and were those assessments correctly used in the case "
    "of this victim / perpetrator? Was the victim subject to a MARAC and if not was there evidence "
    "that they should have been?",
    "What were the key relevant points / opportunities for assessment and decision making in "
    "this case in relation to the victim, perpetrator or other relevant persons?",
    "Do decisions appear to have been reached in an informed and professional way?",
    "Describe how actions accorded with assessments and decisions made? Were appropriate "
    "services offered / provided, or relevant enquiries made, in the light of assessments. Was "
    "the victims or other relevant persons satisfied with services offered / provide?",
    "When, and in what way, were the wishes and feelings of adult victim (s) or children "
    "ascertained and considered? Was this information recorded? Is it reasonable to assume that "
    "the wishes of the victim should have been known?",
    "How accessible were services for the victims, perpetrator or other relevant persons?",
    "Was it deemed necessary to complete a Mental Capacity assessment and was the person's "
    "mental capacity taken into account throughout the agency's involvement with the client? "
    "Why, where and how was this information recorded?",
    "Where relevant were appropriate care plans or safeguarding adults or children's processes "
    "in place? Or care plan reviews and / or safeguarding reviewing processes complied with?",
    "Was the agency practice sensitive to the racial, cultural, linguistic and religious "
    "identity of the victim, perpetrator or other relevant persons? Was consideration for "
    "vulnerability and disability required? Is this information routinely collected by your "
    "agency and used in assessments?",
    "Was the perpetrator known? For example, were they managed under MAPPA?",
    "Were senior managers, or other agencies and professionals, involved at points where they "
    "should have been? Were there any organisational difficulties such as resources and capacity "
    "issues? Are training, supervision, administrative and recording systems satisfactory?",
    "Was the work in this case consistent with agency and Safeguarding Adults and Children's "
    "Board policy, protocols, guidance and wider professional standards?",
    "Are there any particular features of this case, or issues surrounding the death or injury "
    "of the victim, that you consider requires further comment in respect of your agency's "
    "involvement? To what degree could the homicide have been accurately predicted or prevented?",
)
LESSONS: tuple[str, ...] = (
    "Are there lessons from this case, for the way in which this agency works, to safeguard "
    "children, adults at risk of abuse and those experiencing domestic abuse, and promote their "
    "welfare?",
    "Is there good practice to highlight, as well as ways in which practice can be improved?",
    "Are there implications for ways of working, training, management / supervision, working in "
    "partnership with other agencies or resource / service provision?",
)
NOT_APPLICABLE_HINT = "If this does not apply to your agency, say so"


def _numbered(prefix: str, texts: tuple[str, ...], what: str) -> list[Question]:
    return [
        Question(f"{prefix}_{n}", text, "textarea", max_length=LONG, required=n == 1,
                 hint=None if n == 1 else f"Optional. {NOT_APPLICABLE_HINT}",
                 error_name=f"your answer to {what} question {n}")
        for n, text in enumerate(texts, start=1)
    ]  # fmt: skip


ANALYSIS_QUESTIONS = _numbered("analysis", ANALYSIS, "analysis")
LESSONS_QUESTIONS = _numbered("lessons", LESSONS, "lessons learned")


def term_questions(terms: Sequence[str]) -> list[Question]:
    """3. One answer for each of the case's terms of reference, keeping their numbers; one answer
    for the terms of reference as a whole when the case has none recorded."""
    if not terms:
        return [
            Question(
                "term_general",
                "Your response to the terms of reference",
                "textarea",
                max_length=LONG,
                error_name="your response to the terms of reference",
            )
        ]
    return [
        Question(f"term_{n}", f"{n}. {text}", "textarea", max_length=LONG,
                 error_name=f"your answer to term of reference {n}")
        for n, text in enumerate(terms, start=1)
    ]  # fmt: skip


def chronology_questions(names: str) -> list[Question]:
    """5. The comprehensive agency chronology: the trawl return's columns and "comments"."""
    found = []
    for q in TRAWL_CHRONOLOGY:
        if q.name == "professional" and names == INITIALS:
            q = replace(q, label="Initials of professional", kind="initials", max_length=20,
                        hint="Optional. Initials only, for example J.S.",
                        error_name="the initials of the professional")  # fmt: skip
        found.append(q)
    found.append(
        Question(
            "comments",
            "Comments",
            "textarea",
            max_length=LONG,
            required=False,
            hint="Optional. Were internal policies adhered to, is it relevant to the terms "
            "of reference, any gaps or missing records, any gaps in contact",
            error_name="the comments",
        )  # fmt: skip
    )
    return found


#: The CSV template: the trawl return's columns, then "Comments".
CSV_COLUMNS = [*TRAWL_CSV_COLUMNS, ("comments", "Comments")]

ACTION_QUESTIONS = [
    Question("recommendation", "Recommendation", "textarea", max_length=LONG,
             hint="As it is written in the report", error_name="the recommendation"),
    Question("key_actions", "Key actions", "textarea", max_length=LONG,
             hint="The actions to be taken to achieve the expected outcomes: specific, "
             "measurable, achievable, realistic and timely", error_name="the key actions"),
    Question("evidence", "Evidence", "textarea", max_length=LONG, required=False,
             hint="Optional. The evidence you will give the review panel to show the actions are "
             "being taken or achieved", error_name="the evidence"),
    Question("key_outcomes", "Key outcomes", "textarea", max_length=LONG, required=False,
             hint="Optional. What improvement in service should result",
             error_name="the key outcomes"),
    Question("lead_officer", "Lead officer", "text",
             hint="The designation of the lead officer charged with the action",
             error_name="the lead officer"),
    Question("lead_officer_email", "Lead officer's secure email address", "email",
             max_length=254, required=False, secure=True,
             hint="Optional. They are reminded a week before the target date and on it, with a "
             "link to update the action", error_name="the lead officer's email address"),
    Question("target_date", "Target date", "date", past=False, hint="For example, 31 3 2027",
             error_name="the target date"),
]  # fmt: skip


@dataclass(frozen=True)
class Section:
    """A section of the template: its number, its key in the report and its page."""

    key: str
    number: int
    title: str


SECTIONS: tuple[Section, ...] = (
    Section("cover", 1, "Cover sheet"),
    Section("methodology", 2, "Methodology"),
    Section("terms", 3, "Terms of reference"),
    Section("involvement", 4, "Agency involvement"),
    Section("chronology", 5, "Comprehensive agency chronology"),
    Section("summary", 6, "Summary of agency involvement"),
    Section("analysis", 7, "Analysis of involvement"),
    Section("lessons", 7, "What has been learned from this case?"),
    Section("actions", 8, "Action plan"),
)
SECTION = {s.key: s for s in SECTIONS}
#: The sections that are one page of questions.
QUESTION_SECTIONS = ("cover", "methodology", "terms", "involvement", "summary", "analysis",
                     "lessons")  # fmt: skip


def questions(key: str, *, names: str, terms: Sequence[str] = ()) -> list[Question]:
    """The questions of one page section."""
    return {
        "cover": lambda: cover_questions(names),
        "methodology": lambda: METHODOLOGY_QUESTIONS,
        "terms": lambda: term_questions(terms),
        "involvement": lambda: INVOLVEMENT_QUESTIONS,
        "summary": lambda: SUMMARY_QUESTIONS,
        "analysis": lambda: ANALYSIS_QUESTIONS,
        "lessons": lambda: LESSONS_QUESTIONS,
    }[key]()


# --- marshmallow: a whole report, checked before it is submitted -----------------------------


def _schema(name: str, qs: list[Question], choices: dict[str, list[str]] | None = None) -> Schema:
    attrs = {q.name: mm_field(q, choices=(choices or {}).get(q.name)) for q in qs}
    return type(name, (Schema,), attrs)()


def chronology_schema(names: str, people_ids: Sequence[str]) -> Schema:
    """One chronology row (a page's or a CSV row's)."""
    return _schema("ImrChronologySchema", chronology_questions(names),
                   {"contact_with": list(people_ids)})  # fmt: skip


def problems(
    report: dict[str, Any], *, names: str, terms: Sequence[str], people_ids: Sequence[str]
) -> dict[str, Any]:
    """What is missing or wrong in a whole report, by section (empty when it is ready)."""
    found: dict[str, Any] = {}
    for key in QUESTION_SECTIONS:
        wrong = _schema(f"Imr{key}Schema", questions(key, names=names, terms=terms)).validate(
            report.get(key) or {}
        )
        if wrong:
            found[key] = wrong
    rows = report.get("chronology") or []
    if not rows:
        found["chronology"] = ["Add at least one chronology entry"]
    else:
        schema = chronology_schema(names, people_ids)
        wrong = {i: e for i, row in enumerate(rows) if (e := schema.validate(row))}
        if wrong or len(rows) > MAX_CHRONOLOGY:
            found["chronology"] = wrong or [f"The chronology can have up to {MAX_CHRONOLOGY} "
                                            "entries"]  # fmt: skip
    schema = _schema("ImrActionSchema", ACTION_QUESTIONS)
    actions = report.get("actions") or []
    wrong = {i: e for i, row in enumerate(actions) if (e := schema.validate(row))}
    if wrong:
        found["actions"] = wrong
    return found


# --- reading a report back -------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone "contact with" may name: one of the case's people, as this report names them."""

    id: int
    name: str  # initials or the full name, as the partnership's setting asks
    relation: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.relation})" if self.relation else self.name


@dataclass(frozen=True)
class Part:
    key: str  # the section's key
    heading: str  # "1. Cover sheet", "Chronology entry 2"
    rows: list[Row]
    index: int | None = None  # a chronology entry's or an action's place


def _value(q: Question, value: Any, people: Sequence[Person]) -> str:
    if q.name == "contact_with" and value not in (None, ""):
        for p in people:
            if str(p.id) == str(value):
                return p.label
        return "Not one of the people in this case"
    return show(q, value)


def rows_of(
    qs: list[Question], answers: dict[str, Any], people: Sequence[Person] = ()
) -> list[Row]:
    return [Row(q.label, _value(q, answers.get(q.name), people), q.name) for q in qs]


def report_parts(
    report: dict[str, Any], *, names: str, terms: Sequence[str], people: Sequence[Person]
) -> list[Part]:
    """Every answer in the template's order: check your answers."""
    parts: list[Part] = []
    for section in SECTIONS:
        heading = f"{section.number}. {section.title}"
        if section.key in QUESTION_SECTIONS:
            qs = questions(section.key, names=names, terms=terms)
            parts.append(Part(section.key, heading, rows_of(qs, report.get(section.key) or {})))
        elif section.key == "chronology":
            qs = chronology_questions(names)
            entries = report.get("chronology") or []
            parts += [Part("chronology", f"Chronology entry {i + 1}", rows_of(qs, e, people), i)
                      for i, e in enumerate(entries)]  # fmt: skip
            if not entries:
                parts.append(Part("chronology", heading, [Row("Entries", "None given", "")]))
        else:
            actions = report.get("actions") or []
            parts += [Part("actions", f"Action {i + 1}", rows_of(ACTION_QUESTIONS, a), i)
                      for i, a in enumerate(actions)]  # fmt: skip
            if not actions:
                parts.append(Part("actions", heading, [Row("Actions", "None given", "")]))
    return parts


def field_names() -> list[str]:
    """Every field name the report's pages post (for the fuzz tests)."""
    found = {"csrf_token", "action", "mode", "file"}
    for names in (INITIALS, REAL_NAMES):
        for q in [*cover_questions(names), *chronology_questions(names)]:
            found.add(q.name)
    for q in [
        *METHODOLOGY_QUESTIONS,
        *INVOLVEMENT_QUESTIONS,
        *SUMMARY_QUESTIONS,
        *ANALYSIS_QUESTIONS,
        *LESSONS_QUESTIONS,
        *ACTION_QUESTIONS,
        *term_questions([]),
    ]:
        found.add(q.name)
    for q in [*chronology_questions(INITIALS), *ACTION_QUESTIONS]:
        if q.kind == "date":
            found |= {f"{q.name}-day", f"{q.name}-month", f"{q.name}-year"}
    return sorted(found)
