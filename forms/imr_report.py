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

The questions and the sections speak the page's language (lazy); read outside a request, or
inside ``service.i18n.speaking("en")`` (the report's PDF), they are in English.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from flask_babel import gettext
from marshmallow import Schema

from forms.questions import LONG, NOT_ANSWERED, Question, Row, mm_field, shown
from forms.questions import escaped_lazy_gettext as lazy_gettext
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
        return Question("subject", lazy_gettext("Domestic Homicide Review in respect of"),
                        "initials", max_length=20,
                        hint=lazy_gettext("The victim's initials only, for example J.S."),
                        error_name=lazy_gettext("the victim's initials"))  # fmt: skip
    return Question("subject", lazy_gettext("Domestic Homicide Review in respect of"), "text",
                    hint=lazy_gettext("The victim's full name"),
                    error_name=lazy_gettext("the victim's name"))  # fmt: skip


def cover_questions(names: str) -> list[Question]:
    """1. The cover sheet. The dates of first submission, revision and final submission are the
    service's own: they are written in when each version is sent."""
    initials = names == INITIALS
    return [
        _subject(names),
        Question("victim_diversity", lazy_gettext("Ethnicity and diversity issues for the victim"),
                 "textarea", max_length=LONG,
                 error_name=lazy_gettext("the victim's ethnicity and diversity issues")),
        Question("perpetrator", lazy_gettext("Details of perpetrator or perpetrators"), "textarea",
                 max_length=LONG, hint=lazy_gettext(
                     "Including ethnicity and diversity issues and their relationship to the "
                     "victim, using initials") if initials else lazy_gettext(
                     "Including ethnicity and diversity issues and their relationship to the "
                     "victim, using names"),
                 error_name=lazy_gettext("details of the perpetrator")),
        Question("others", lazy_gettext("Details of other relevant persons"), "textarea",
                 max_length=LONG, required=False, hint=lazy_gettext(
                     "Optional. Children or adults, including ethnicity and diversity issues, "
                     "using initials") if initials else lazy_gettext(
                     "Optional. Children or adults, including ethnicity and diversity issues, "
                     "using names"),
                 error_name=lazy_gettext("details of other relevant persons")),
        Question("author_name", lazy_gettext("Author of the IMR"), "text",
                 hint=lazy_gettext("Your full name"),
                 error_name=lazy_gettext("the name of the author of the IMR")),
        Question("author_designation", lazy_gettext("Author's designation"), "text",
                 hint=lazy_gettext("Your job title"),
                 error_name=lazy_gettext("the author's designation")),
        Question("agency_profile", lazy_gettext("Agency profile"), "textarea", max_length=LONG,
                 hint=lazy_gettext("A brief description of what your agency does"),
                 error_name=lazy_gettext("a brief agency profile")),
        Question("qa_name", lazy_gettext("Quality assured and approved by"), "text",
                 hint=lazy_gettext("The full name of the person quality assuring and signing off "
                                   "the report for your agency"),
                 error_name=lazy_gettext("who quality assured and approved the report")),
        Question("qa_designation", lazy_gettext("Their designation"), "text",
                 error_name=lazy_gettext("the designation of the person who quality assured the "
                                         "report")),
    ]  # fmt: skip


METHODOLOGY_QUESTIONS = [
    Question("sources", lazy_gettext("Sources of information used"), "textarea",
             max_length=LONG, hint=lazy_gettext(
                 "The interventions undertaken, documents and sources of information used: for "
                 "example consultation, case file notes made by named professionals, interviews "
                 "with named persons"),
             error_name=lazy_gettext("the sources of information used")),
    Question("parallel", lazy_gettext("Parallel reviews or processes"), "textarea",
             max_length=LONG, required=False,
             hint=lazy_gettext("Optional. Any parallel reviews or processes"),
             error_name=lazy_gettext("the parallel reviews or processes")),
]  # fmt: skip

INVOLVEMENT_QUESTIONS = [
    Question("involvement", lazy_gettext("Agency involvement"), "textarea", max_length=LONG * 4,
             hint=lazy_gettext(
                 "A brief factual summary of the events that occurred, information known to your "
                 "agency, decisions reached, services offered and provided, and any other action "
                 "taken, for the period in the terms of reference"),
             error_name=lazy_gettext("a summary of your agency's involvement")),
]  # fmt: skip

SUMMARY_QUESTIONS = [
    Question("summary", lazy_gettext("Summary of agency involvement"), "textarea",
             max_length=LONG * 4, hint=lazy_gettext(
                 "The key events in your chronology, highlighting concerns, omissions and good "
                 "practice"),
             error_name=lazy_gettext("a summary of your agency's involvement")),
]  # fmt: skip

#: 7. Analysis of involvement: the template's questions, in its order and its words.
ANALYSIS: tuple[str, ...] = (
    lazy_gettext("Summarise your analysis of the involvement of your agency with the victim, "
                 "perpetrator or other relevant persons."),
    lazy_gettext("Summarise decisions reached, the services offered and / or provided to the "
                 "victims, perpetrator and other relevant persons."),
    lazy_gettext("Were practitioners sensitive to the needs of the victim or other relevant "
                 "persons, knowledgeable about potential indicators of abuse or neglect, and "
                 "about what to do if they had concerns about someone experiencing domestic "
                 "abuse? Was it reasonable to expect them, given their level of training and "
                 "knowledge to fulfil these expectations?"),
    lazy_gettext("Did the agency have in place policies and procedures for acting on domestic "
                 "abuse, sharing information and safeguarding children and adults at risk? How "
                 "are staff made aware of the agency's policies and procedures? Were these "
                 "assessment tools, procedures and policies professionally accepted as effective?"),
    lazy_gettext("Did the agency have in place policies and procedures for risk assessment and "
                 "risk management for domestic abuse victims (e.g. Domestic Abuse Stalking and "
                 "Harassment DASH risk assessment model) or perpetrators and were those "
                 "assessments correctly used in the case of this victim / perpetrator? Was the "
                 "victim subject to a MARAC and if not was there evidence that they should have "
                 "been?"),
    lazy_gettext("What were the key relevant points / opportunities for assessment and decision "
                 "making in this case in relation to the victim, perpetrator or other relevant "
                 "persons?"),
    lazy_gettext("Do decisions appear to have been reached in an informed and professional way?"),
    lazy_gettext("Describe how actions accorded with assessments and decisions made? Were "
                 "appropriate services offered / provided, or relevant enquiries made, in the "
                 "light of assessments. Was the victims or other relevant persons satisfied with "
                 "services offered / provide?"),
    lazy_gettext("When, and in what way, were the wishes and feelings of adult victim (s) or "
                 "children ascertained and considered? Was this information recorded? Is it "
                 "reasonable to assume that the wishes of the victim should have been known?"),
    lazy_gettext("How accessible were services for the victims, perpetrator or other relevant "
                 "persons?"),
    lazy_gettext("Was it deemed necessary to complete a Mental Capacity assessment and was the "
                 "person's mental capacity taken into account throughout the agency's involvement "
                 "with the client? Why, where and how was this information recorded?"),
    lazy_gettext("Where relevant were appropriate care plans or safeguarding adults or children's "
                 "processes in place? Or care plan reviews and / or safeguarding reviewing "
                 "processes complied with?"),
    lazy_gettext("Was the agency practice sensitive to the racial, cultural, linguistic and "
                 "religious identity of the victim, perpetrator or other relevant persons? Was "
                 "consideration for vulnerability and disability required? Is this information "
                 "routinely collected by your agency and used in assessments?"),
    lazy_gettext("Was the perpetrator known? For example, were they managed under MAPPA?"),
    lazy_gettext("Were senior managers, or other agencies and professionals, involved at points "
                 "where they should have been? Were there any organisational difficulties such as "
                 "resources and capacity issues? Are training, supervision, administrative and "
                 "recording systems satisfactory?"),
    lazy_gettext("Was the work in this case consistent with agency and Safeguarding Adults and "
                 "Children's Board policy, protocols, guidance and wider professional standards?"),
    lazy_gettext("Are there any particular features of this case, or issues surrounding the death "
                 "or injury of the victim, that you consider requires further comment in respect "
                 "of your agency's involvement? To what degree could the homicide have been "
                 "accurately predicted or prevented?"),
)  # fmt: skip
LESSONS: tuple[str, ...] = (
    lazy_gettext("Are there lessons from this case, for the way in which this agency works, to "
                 "safeguard children, adults at risk of abuse and those experiencing domestic "
                 "abuse, and promote their welfare?"),
    lazy_gettext("Is there good practice to highlight, as well as ways in which practice can be "
                 "improved?"),
    lazy_gettext("Are there implications for ways of working, training, management / supervision, "
                 "working in partnership with other agencies or resource / service provision?"),
)  # fmt: skip
NOT_APPLICABLE_HINT = lazy_gettext("Optional. If this does not apply to your agency, say so")


def _numbered(prefix: str, texts: tuple[str, ...], error_name: Any) -> list[Question]:
    return [
        Question(f"{prefix}_{n}", text, "textarea", max_length=LONG, required=n == 1,
                 hint=None if n == 1 else NOT_APPLICABLE_HINT, error_name=error_name(n))
        for n, text in enumerate(texts, start=1)
    ]  # fmt: skip


ANALYSIS_QUESTIONS = _numbered("analysis", ANALYSIS, lambda n: lazy_gettext(
    "your answer to analysis question %(number)s", number=n))  # fmt: skip
LESSONS_QUESTIONS = _numbered("lessons", LESSONS, lambda n: lazy_gettext(
    "your answer to lessons learned question %(number)s", number=n))  # fmt: skip


def term_questions(terms: Sequence[str]) -> list[Question]:
    """3. One answer for each of the case's terms of reference, keeping their numbers; one answer
    for the terms of reference as a whole when the case has none recorded."""
    if not terms:
        return [
            Question(
                "term_general",
                lazy_gettext("Your response to the terms of reference"),
                "textarea",
                max_length=LONG,
                error_name=lazy_gettext("your response to the terms of reference"),
            )
        ]
    return [
        Question(f"term_{n}", f"{n}. {text}", "textarea", max_length=LONG,
                 error_name=lazy_gettext("your answer to term of reference %(number)s",
                                         number=n))
        for n, text in enumerate(terms, start=1)
    ]  # fmt: skip


def chronology_questions(names: str) -> list[Question]:
    """5. The comprehensive agency chronology: the trawl return's columns and "comments"."""
    found = []
    for q in TRAWL_CHRONOLOGY:
        if q.name == "professional" and names == INITIALS:
            q = replace(q, label=lazy_gettext("Initials of professional"), kind="initials",
                        max_length=20, hint=lazy_gettext("Optional. Initials only, for example "
                                                         "J.S."),
                        error_name=lazy_gettext("the initials of the professional"))  # fmt: skip
        found.append(q)
    found.append(
        Question(
            "comments",
            lazy_gettext("Comments"),
            "textarea",
            max_length=LONG,
            required=False,
            hint=lazy_gettext(
                "Optional. Were internal policies adhered to, is it relevant to the terms of "
                "reference, any gaps or missing records, any gaps in contact"
            ),
            error_name=lazy_gettext("the comments"),
        )  # fmt: skip
    )
    return found


#: The CSV template: the trawl return's columns, then "Comments".
CSV_COLUMNS = [*TRAWL_CSV_COLUMNS, ("comments", "Comments")]

ACTION_QUESTIONS = [
    Question("recommendation", lazy_gettext("Recommendation"), "textarea", max_length=LONG,
             hint=lazy_gettext("As it is written in the report"),
             error_name=lazy_gettext("the recommendation")),
    Question("key_actions", lazy_gettext("Key actions"), "textarea", max_length=LONG,
             hint=lazy_gettext("The actions to be taken to achieve the expected outcomes: "
                               "specific, measurable, achievable, realistic and timely"),
             error_name=lazy_gettext("the key actions")),
    Question("evidence", lazy_gettext("Evidence"), "textarea", max_length=LONG, required=False,
             hint=lazy_gettext("Optional. The evidence you will give the review panel to show "
                               "the actions are being taken or achieved"),
             error_name=lazy_gettext("the evidence")),
    Question("key_outcomes", lazy_gettext("Key outcomes"), "textarea", max_length=LONG,
             required=False, hint=lazy_gettext("Optional. What improvement in service should "
                                               "result"),
             error_name=lazy_gettext("the key outcomes")),
    Question("lead_officer", lazy_gettext("Lead officer"), "text",
             hint=lazy_gettext("The designation of the lead officer charged with the action"),
             error_name=lazy_gettext("the lead officer")),
    Question("lead_officer_email", lazy_gettext("Lead officer's secure email address"), "email",
             max_length=254, required=False, secure=True,
             hint=lazy_gettext("Optional. They are reminded a week before the target date and "
                               "on it, with a link to update the action"),
             error_name=lazy_gettext("the lead officer's email address")),
    Question("target_date", lazy_gettext("Target date"), "date", past=False,
             hint=lazy_gettext("For example, 31 3 2027"),
             error_name=lazy_gettext("the target date")),
]  # fmt: skip


@dataclass(frozen=True)
class Section:
    """A section of the template: its number, its key in the report and its page."""

    key: str
    number: int
    title: str


SECTIONS: tuple[Section, ...] = (
    Section("cover", 1, lazy_gettext("Cover sheet")),
    Section("methodology", 2, lazy_gettext("Methodology")),
    Section("terms", 3, lazy_gettext("Terms of reference")),
    Section("involvement", 4, lazy_gettext("Agency involvement")),
    Section("chronology", 5, lazy_gettext("Comprehensive agency chronology")),
    Section("summary", 6, lazy_gettext("Summary of agency involvement")),
    Section("analysis", 7, lazy_gettext("Analysis of involvement")),
    Section("lessons", 7, lazy_gettext("What has been learned from this case?")),
    Section("actions", 8, lazy_gettext("Action plan")),
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
        found["chronology"] = [gettext("Add at least one chronology entry")]
    else:
        schema = chronology_schema(names, people_ids)
        wrong = {i: e for i, row in enumerate(rows) if (e := schema.validate(row))}
        if wrong or len(rows) > MAX_CHRONOLOGY:
            found["chronology"] = wrong or [gettext(
                "The chronology can have up to %(most)s entries", most=MAX_CHRONOLOGY)]  # fmt: skip
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
        return gettext("Not one of the people in this case")
    return shown(q, value)


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
        heading = f"{section.number}. {section.title}"  # in the page's language
        if section.key in QUESTION_SECTIONS:
            qs = questions(section.key, names=names, terms=terms)
            parts.append(Part(section.key, heading, rows_of(qs, report.get(section.key) or {})))
        elif section.key == "chronology":
            qs = chronology_questions(names)
            entries = report.get("chronology") or []
            parts += [Part("chronology", gettext("Chronology entry %(number)s", number=i + 1),
                           rows_of(qs, e, people), i) for i, e in enumerate(entries)]  # fmt: skip
            if not entries:
                parts.append(
                    Part(
                        "chronology", heading, [Row(gettext("Entries"), gettext("None given"), "")]
                    )
                )
        else:
            actions = report.get("actions") or []
            parts += [Part("actions", gettext("Action %(number)s", number=i + 1),
                           rows_of(ACTION_QUESTIONS, a), i)
                      for i, a in enumerate(actions)]  # fmt: skip
            if not actions:
                parts.append(
                    Part("actions", heading, [Row(gettext("Actions"), gettext("None given"), "")])
                )
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
