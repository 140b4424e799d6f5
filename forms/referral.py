"""The DHR referral form, defined once.

Every question of the referral form (the protocol's Appendix A: referrer, safeguarding lead,
sections 1.1 to 1.9) is declared here, in the form's order and wording. From this one definition
come the form of each question page (``forms.referral_pages``, through ``page_form``),
the marshmallow schema that checks a whole referral before it is submitted (``ReferralSchema``),
and the order of the answers on the check-your-answers page and in the PDF (``answer_rows``).

Answers are stored as one JSON object: simple questions by field name (dates as ISO strings),
"add another" groups as lists of objects under the group's name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from marshmallow import EXCLUDE, Schema, ValidationError, validates_schema
from marshmallow import fields as mf
from marshmallow.validate import Length, OneOf

from forms.questions import (
    FORMAT_CHECKS,
    LONG,
    SECURE_EMAIL_PROBLEM,
    SHORT,
    YES_NO,
    YES_NO_NOT_KNOWN,
    Question,
    Row,
    details_question,
    no_control,
    raises,
    secure_problem,
    show,
)

if TYPE_CHECKING:
    from service.models import Partnership

__all__ = ["LONG", "SECURE_EMAIL_PROBLEM", "SHORT", "YES_NO", "Question", "Row", "show"]

SUMMARY = 10000  # the brief summary of the case

#: The most items an "add another" list may hold.
MAX_ITEMS = 50

DOB_AFTER_DEATH = "The date of birth must be before the date of death"
DEATH_BEFORE_DOB = "The date of death must be after the date of birth"

KNOWN_BELIEVED = [
    ("known", "Known"),
    ("believed", "Believed"),
    ("no", "No"),
    ("not_known", "Not known"),
]


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    questions: list[Question]
    intro: str | None = None


@dataclass(frozen=True)
class Group:
    """An "add another" list: each item is the answers to ``questions``."""

    name: str
    item: str  # "person", "agency"
    question: str  # the yes/no question before the list, e.g. "Did anyone else live ...?"
    questions: list[Question]

    @property
    def any_name(self) -> str:
        """Where the answer to the yes/no question before the list is kept."""
        return f"{self.name}_any"


@dataclass(frozen=True)
class Section:
    slug: str
    number: str  # "1.1", or "" for the referrer and lead sections
    title: str
    pages: list[Page] = field(default_factory=list)
    group: Group | None = None

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}".strip()


def text(name: str, label: str, **kw: Any) -> Question:
    return Question(name, label, "text", **kw)


def textarea(name: str, label: str, max_length: int = LONG, **kw: Any) -> Question:
    return Question(name, label, "textarea", max_length=max_length, **kw)


def date(name: str, label: str, **kw: Any) -> Question:
    return Question(name, label, "date", **kw)


def choice(name: str, label: str, choices=YES_NO_NOT_KNOWN, **kw: Any) -> Question:  # noqa: ANN001
    return Question(name, label, "choice", choices=choices, **kw)


def _person(prefix: str, who: str) -> list[Page]:
    """1.1 and 1.4 ask the same things about the deceased and the suspect/perpetrator.

    The referrer may know little about the suspect ("tell us what you know"): their date of
    birth, address and date of death may be left blank, and pregnancy is never required, since
    it does not apply to everyone.
    """
    deceased = prefix == "deceased"
    said = "the deceased" if deceased else "the suspect"  # how the error messages name them
    # (key, label, what "yes" means in an error message)
    vulnerabilities = [
        ("mental_ill_health", "Mental ill-health", "had mental ill-health"),
        ("drug_use", "Problematic drug use", "had problematic drug use"),
        ("alcohol_use", "Problematic alcohol use", "had problematic alcohol use"),
        ("pregnancy", "Pregnancy in last 12 months", "had been pregnant in the last 12 months"),
        ("physical_disability", "Physical disability", "had a physical disability"),
        ("learning_disability", "Learning disability", "had a learning disability"),
    ]
    not_known = "" if deceased else ". Leave blank if you do not know it"
    return [
        Page(
            f"{prefix}-details",
            f"Details of the {who}",
            [
                text(f"{prefix}_name", "Full name", error_name=f"the {who}'s full name"),
                date(
                    f"{prefix}_dob",
                    "Date of birth",
                    hint=f"For example, 27 3 1985{not_known}",
                    required=deceased,
                    error_name=f"the {who}'s date of birth",
                ),
                date(
                    f"{prefix}_date_of_death",
                    "Date of death or serious incident",
                    hint="For example, 14 10 2026"
                    + ("" if deceased else ". Leave blank if it does not apply"),
                    required=deceased,
                    error_name="the date of death or serious incident",
                ),
                textarea(
                    f"{prefix}_address",
                    "Home address",
                    max_length=SHORT * 2,
                    required=deceased,
                    hint=None if deceased else "Leave blank if you do not know it",
                    error_name=f"the {who}'s home address",
                ),
            ],
        ),  # fmt: skip
        Page(
            f"{prefix}-identity",
            f"About the {who}",
            [
                text(f"{prefix}_sex", "Sex", required=False),
                text(f"{prefix}_sexual_orientation", "Sexual orientation", required=False),
                text(f"{prefix}_ethnicity", "Ethnicity", required=False),
                text(f"{prefix}_country_of_birth", "Country of birth", required=False),
                text(f"{prefix}_religion", "Religion or belief", required=False),
            ],
            intro="Answer what you know. You can leave any of these blank.",
        ),
        Page(
            f"{prefix}-vulnerabilities",
            f"Caring responsibilities and vulnerabilities of the {who}",
            [
                choice(
                    f"{prefix}_caring",
                    f"Did the {who} have caring responsibilities?",
                    details=f"{prefix}_caring_details",
                    error=f"Select yes if {said} had caring responsibilities",
                ),
                *[
                    choice(
                        f"{prefix}_{key}",
                        label,
                        details=f"{prefix}_{key}_extent",
                        details_label="The extent, if known",
                        required=key != "pregnancy",
                        hint="Leave blank if this does not apply" if key == "pregnancy" else None,
                        error=f"Select yes if {said} {meaning}",
                    )
                    for key, label, meaning in vulnerabilities
                ],
            ],
            intro="For each vulnerability, answer yes (and the extent, if known), no or not known.",
        ),  # fmt: skip
        Page(
            f"{prefix}-history",
            f"The {who}'s relationships, services and history",
            [
                textarea(
                    f"{prefix}_relationships",
                    f"Significant relationships to the {who}",
                    hint="Partner, carer or family members",
                    required=False,
                    error_name=f"the significant relationships to {said}",
                ),
                choice(
                    f"{prefix}_services",
                    f"Was the {who} accessing services before the homicide?",
                    details=f"{prefix}_services_details",
                    details_label="Which services?",
                    error=f"Select yes if {said} was accessing services before the homicide",
                ),
                *(
                    [
                        choice(
                            "deceased_abuse",
                            "Had the deceased person experienced domestic abuse by a current "
                            "or previous partner or family member?",
                            details="deceased_abuse_details",
                            details_label="What details are known?",
                            error="Select yes if the deceased had experienced domestic abuse by "
                            "a current or previous partner or family member",
                        ),
                        choice(
                            "deceased_marac",
                            "Had the deceased person's case been heard at MARAC?",
                            details="deceased_marac_details",
                            details_label="When?",
                            error="Select yes if the deceased's case had been heard at MARAC",
                        ),
                    ]
                    if deceased
                    else [
                        choice(
                            "suspect_abuse",
                            "Had the suspect/perpetrator perpetrated domestic abuse against a "
                            "previous partner or family member?",
                            details="suspect_abuse_details",
                            details_label="What details are known?",
                            error="Select yes if the suspect had perpetrated domestic abuse "
                            "against a previous partner or family member",
                        ),
                    ]
                ),
            ],
        ),  # fmt: skip
    ]


_HOUSEHOLD = [
    text("name", "Name", error_name="their name"),
    date("dob", "Date of birth", required=False, hint="For example, 27 3 1985",
         error_name="their date of birth"),
    Question("phone", "Telephone number", "phone", required=False),
    Question("email", "Email address", "email", required=False),
    text("relationship", "Relationship to the victim",
         error_name="their relationship to the victim"),
]  # fmt: skip

SECTIONS: list[Section] = [
    Section(
        "referrer",
        "",
        "Referrer's details",
        [
            Page(
                "referrer",
                "Your details",
                [
                    text("referrer_name", "Full name", error_name="your full name"),
                    text("referrer_agency", "Agency", error_name="your agency"),
                    text("referrer_job_title", "Job title", error_name="your job title"),
                    Question(
                        "referrer_phone",
                        "Telephone number",
                        "phone",
                        error_name="your telephone number",
                    ),
                    Question(
                        "referrer_email",
                        "Secure email address",
                        "email",
                        hint="Your work address, on a secure domain. We send the "
                        "acknowledgement here.",
                        error_name="your email address",
                        secure=True,
                    ),
                    date(
                        "referrer_date",
                        "Date of referral to the safeguarding lead",
                        hint="For example, 14 10 2026",
                    ),
                ],
            )
        ],
    ),  # fmt: skip
    Section(
        "lead",
        "",
        "Safeguarding lead's details",
        [
            Page(
                "lead",
                "Safeguarding lead's details",
                [
                    text("lead_name", "Full name", error_name="the safeguarding lead's name"),
                    text("lead_agency", "Agency", error_name="the safeguarding lead's agency"),
                    text(
                        "lead_job_title",
                        "Job title",
                        error_name="the safeguarding lead's job title",
                    ),
                    Question(
                        "lead_phone",
                        "Telephone number",
                        "phone",
                        error_name="the safeguarding lead's telephone number",
                    ),
                    Question(
                        "lead_email",
                        "Secure email address",
                        "email",
                        hint="Their work address, on a secure domain. We send the "
                        "acknowledgement here too.",
                        error_name="the safeguarding lead's email address",
                        secure=True,
                    ),
                    date(
                        "lead_date",
                        "Date of referral to the partnership",
                        hint="For example, 15 10 2026",
                    ),
                ],
            )
        ],
    ),  # fmt: skip
    Section("deceased", "1.1", "Details of the deceased person", _person("deceased", "deceased")),
    Section(
        "victim-household",
        "1.2",
        "Others residing at the victim's address",
        group=Group(
            "victim_household",
            "person",
            "Did anyone else live at the victim's address?",
            _HOUSEHOLD,
        ),
    ),
    Section(
        "incident",
        "1.3",
        "The fatal incident",
        [
            Page(
                "incident",
                "The fatal incident",
                [
                    textarea(
                        "incident_address",
                        "Address or location of the incident(s)",
                        max_length=SHORT * 2,
                        error_name="the address or location of the incident",
                    ),
                    text(
                        "incident_investigator",
                        "Who is the lead investigator?",
                        required=False,
                        error_name="the lead investigator",
                    ),
                    choice(
                        "incident_multiple",
                        "Could this case form part of an investigation of multiple victims "
                        "or offenders?",
                        error="Select yes if this case could form part of an investigation of "
                        "multiple victims or offenders",
                    ),
                    choice(
                        "incident_other_referrals",
                        "Have any referrals to the Safeguarding Adults Board or the "
                        "Safeguarding Children Partnership been made, or are any planned, "
                        "about this incident?",
                        details="incident_other_referrals_details",
                        error="Select yes if referrals to the Safeguarding Adults Board or the "
                        "Safeguarding Children Partnership have been made or are planned",
                    ),
                ],
            )
        ],
    ),  # fmt: skip
    Section(
        "suspect",
        "1.4",
        "Suspect/perpetrator details",
        [
            *_person("suspect", "suspect/perpetrator"),
            Page(
                "suspect-supervision",
                "Was the suspect/perpetrator managed or supervised by any of the following?",
                [
                    choice(
                        "suspect_mappa",
                        "MAPPA",
                        hint="Multi-agency public protection arrangements",
                        error="Select yes if the suspect was managed under MAPPA",
                    ),
                    # The Probation Service: since June 2021 it also does the work of the
                    # former private probation companies, so it is one question.
                    choice(
                        "suspect_probation",
                        "The Probation Service",
                        error="Select yes if the suspect was supervised by the Probation Service",
                    ),
                    choice(
                        "suspect_programme",
                        "Attended or attending a perpetrator programme",
                        error="Select yes if the suspect attended or is attending a "
                        "perpetrator programme",
                    ),
                ],
            ),
        ],
    ),
    Section(
        "suspect-household",
        "1.5",
        "Others residing at the suspect's address",
        group=Group(
            "suspect_household",
            "person",
            "Did anyone else live at the suspect/perpetrator's address?",
            _HOUSEHOLD,
        ),
    ),
    Section(
        "relationship",
        "1.6",
        "The relationship between the deceased and the suspect/perpetrator",
        [
            Page(
                "relationship",
                "Are any of these known or believed to be factors in the relationship between "
                "the deceased and the suspect/perpetrator?",
                [
                    choice(
                        f"factor_{key}",
                        label,
                        choices=KNOWN_BELIEVED,
                        error=f"Select if {label.lower()} {verb} a known or believed factor",
                    )
                    for key, label, verb in [
                        ("forced_marriage", "Forced marriage", "was"),
                        ("honour_based_violence", "Honour-based violence", "was"),
                        ("physical_violence", "Physical violence", "was"),
                        ("coercive_control", "Coercive control", "was"),
                        ("stalking", "Stalking", "was"),
                        ("digital_stalking", "Digital stalking", "was"),
                        ("financial_abuse", "Financial abuse", "was"),
                        ("trafficking", "Trafficking", "was"),
                        ("kidnapping", "Kidnapping", "was"),
                        ("immigration_issues", "Immigration issues", "were"),
                    ]
                ],
            )
        ],
    ),
    Section(
        "agencies",
        "1.7",
        "Other agencies with known involvement",
        group=Group(
            "other_agencies",
            "agency",
            "Are other agencies known to have been involved?",
            [
                text("agency", "Agency", error_name="the name of the agency"),
                text(
                    "contact_name",
                    "Name of contact",
                    required=False,
                    error_name="the name of the contact",
                ),
                Question("phone", "Telephone number", "phone", required=False),
                Question("email", "Email address", "email", required=False),
                textarea(
                    "reason",
                    "Reason for involvement",
                    error_name="the reason for the agency's involvement",
                ),
            ],
        ),
    ),
    Section(
        "summary",
        "1.8",
        "Brief summary of the case",
        [
            Page(
                "summary",
                "Brief summary of the case",
                [
                    textarea(
                        "summary",
                        "Outline the events and circumstances",
                        max_length=SUMMARY,
                        hint="The information you give is used to decide whether the case "
                        "meets the criteria for a Domestic Homicide Review.",
                        error_name="a summary of the case",
                    ),
                ],
            )
        ],
    ),  # fmt: skip
    Section(
        "criteria",
        "1.9",
        "Criteria for a DHR",
        [
            Page(
                "criteria",
                "Criteria for a Domestic Homicide Review",
                [
                    choice(
                        "criteria_age",
                        "Is the deceased person aged 16 or over?",
                        choices=YES_NO,
                        hint="This criterion must be met in all cases.",
                        error="Select yes if the deceased person is aged 16 or over",
                    ),
                    choice(
                        "criteria_related",
                        "Has the death, or does the death appear to have, resulted from "
                        "violence, abuse or neglect by a person to whom the deceased was "
                        "related or with whom they were or had been in an intimate personal "
                        "relationship?",
                        choices=YES_NO,
                        error="Select yes if the death resulted, or appears to have resulted, "
                        "from violence, abuse or neglect by a relative or an intimate partner",
                    ),
                    choice(
                        "criteria_household",
                        "Has the death, or does the death appear to have, resulted from "
                        "violence, abuse or neglect by a member of the same household as "
                        "the deceased?",
                        choices=YES_NO,
                        error="Select yes if the death resulted, or appears to have resulted, "
                        "from violence, abuse or neglect by a member of the same household",
                    ),
                    choice(
                        "criteria_suicide",
                        "Did the deceased take their own life (suicide) and the "
                        "circumstances gave rise to concern?",
                        choices=YES_NO,
                        hint="For example, coercive controlling behaviour in the relationship.",
                        error="Select yes if the deceased took their own life and the "
                        "circumstances gave rise to concern",
                    ),
                    textarea(
                        "alternative_review",
                        "If the case does not meet the criteria for a DHR, what "
                        "alternative review or audit could yield useful learning?",
                        required=False,
                        error_name="the alternative review or audit",
                    ),
                ],
                intro="Answer from the information known to you. The first must be met in all "
                "cases, and one of the others as well.",
            )
        ],
    ),  # fmt: skip
]

SECTION_BY_SLUG = {s.slug: s for s in SECTIONS}
PAGE_BY_SLUG = {p.slug: (s, p) for s in SECTIONS for p in s.pages}


def all_questions() -> Iterator[Question]:
    for section in SECTIONS:
        for page in section.pages:
            yield from page.questions


def group_of(slug: str) -> Group | None:
    section = SECTION_BY_SLUG.get(slug)
    return section.group if section else None


def born_after_death(answers: dict[str, Any]) -> list[str]:
    """Whose date of birth (``deceased``, ``suspect``) is after the deceased's date of death: the
    one rule, checked on the page (``cross_check``) and on the whole referral (the schema)."""
    death = answers.get("deceased_date_of_death")
    return [
        who
        for who in ("deceased", "suspect")
        if (dob := answers.get(f"{who}_dob")) and death and dob > death
    ]


def cross_check(page_answers: dict[str, Any], answers: dict[str, Any]) -> tuple[str, str] | None:
    """Checks between answers on different pages: (field on this page, message), or None."""
    for who in born_after_death({**answers, **page_answers}):
        if f"{who}_dob" in page_answers:
            return f"{who}_dob", DOB_AFTER_DEATH
        if "deceased_date_of_death" in page_answers:
            return "deceased_date_of_death", DEATH_BEFORE_DOB
    return None


# --- marshmallow: the whole referral, checked before it is submitted -------------------------


def _mm_field(q: Question) -> mf.Field:
    kw: dict[str, Any] = {"required": q.required, "allow_none": not q.required}
    if q.kind == "date":
        return mf.Date(**kw)
    if q.kind == "choice":
        return mf.String(validate=OneOf([v for v, _ in q.choices], error=q.missing), **kw)
    checks: list[Any] = [Length(min=1 if q.required else 0, max=q.max_length), no_control(q)]
    if q.kind in FORMAT_CHECKS:
        checks.append(raises(FORMAT_CHECKS[q.kind], q))
    return mf.String(validate=checks, **kw)


def _details_field(q: Question) -> mf.Field:
    details = details_question(q)
    return mf.String(load_default=None, allow_none=True,
                     validate=[Length(max=details.max_length), no_control(details)])  # fmt: skip


def _question_fields(questions: Iterable[Question]) -> dict[str, mf.Field]:
    attrs: dict[str, Any] = {}
    for q in questions:
        attrs[q.name] = _mm_field(q)
        if q.details:
            attrs[q.details] = _details_field(q)
    return attrs


def _build_schema() -> type[Schema]:
    attrs = _question_fields(all_questions())
    for section in SECTIONS:
        if section.group:
            g = section.group
            attrs[g.any_name] = mf.String(required=True, validate=lambda v: v in ("yes", "no"))
            attrs[g.name] = mf.List(
                mf.Nested(type(f"{g.name}_item", (Schema,), _question_fields(g.questions))),
                load_default=list,
            )

    def check_dates(self: Schema, data: dict[str, Any], **_: Any) -> None:
        for who in born_after_death(data):
            raise ValidationError(DOB_AFTER_DEATH, f"{who}_dob")

    class Meta:
        # A draft may hold answers to a question the form no longer asks: kept, not checked.
        unknown = EXCLUDE

    attrs["Meta"] = Meta
    attrs["check_dates"] = validates_schema(check_dates)
    return type("ReferralSchema", (Schema,), attrs)


ReferralSchema = _build_schema()
SECURE_QUESTIONS = [q for q in all_questions() if q.secure]


def problems(answers: dict[str, Any], partnership: Partnership | None = None) -> dict[str, Any]:
    """What is missing or wrong in a whole referral (empty when it can be submitted); with the
    partnership, an address that must be secure and is not is a problem too."""
    found = ReferralSchema().validate(answers)
    if partnership is not None:
        for q in SECURE_QUESTIONS:
            value = answers.get(q.name)
            message = secure_problem(value, partnership) if value else None
            if message and q.name not in found:
                found[q.name] = [message]
    return found


# --- reading answers back --------------------------------------------------------------------


def age_at(dob: str | None, on: str | None) -> int | None:
    if not dob or not on:
        return None
    born, died = dt.date.fromisoformat(dob), dt.date.fromisoformat(on)
    return died.year - born.year - ((died.month, died.day) < (born.month, born.day))


def appears_to_meet_criteria(answers: dict[str, Any]) -> tuple[bool, list[str]]:
    """Guidance, never a decision: whether the answers appear to meet the statutory definition
    (16 or over, and related/intimate partner, or same household, or suicide with concerning
    circumstances), with the reasons."""
    reasons: list[str] = []
    age = age_at(answers.get("deceased_dob"), answers.get("deceased_date_of_death"))
    if age is not None:
        over_16 = age >= 16
        reasons.append(f"The deceased was {age} at the date of death.")
    else:
        over_16 = answers.get("criteria_age") == "yes"
        reasons.append("The age at death could not be worked out from the dates given.")
    routes = {
        "criteria_related": "related to, or in an intimate relationship with, the suspect",
        "criteria_household": "a member of the same household as the suspect",
        "criteria_suicide": "a suicide whose circumstances gave rise to concern",
    }
    met = [text for key, text in routes.items() if answers.get(key) == "yes"]
    if met:
        reasons.append("The referrer answered yes to: " + "; ".join(met) + ".")
    else:
        reasons.append("The referrer answered no to each of the relationship criteria.")
    return over_16 and bool(met), reasons


@dataclass(frozen=True)
class SectionAnswers:
    section: Section
    rows: list[Row]
    # For an "add another" section: the yes/no answer, then one list of rows per item.
    any_answer: str | None = None
    items: list[list[Row]] = field(default_factory=list)


def answer_rows(answers: dict[str, Any]) -> list[SectionAnswers]:
    """Every question with its answer, in the form's order: for check-your-answers, the PDF and
    the officer's view of a referral."""
    out: list[SectionAnswers] = []
    for section in SECTIONS:
        if section.group:
            g = section.group
            items = [
                [Row(q.label, show(q, item.get(q.name)), q.name, section.slug) for q in g.questions]
                for item in answers.get(g.name) or []
            ]
            any_answer = show(Question(g.any_name, g.question, "choice", choices=YES_NO),
                              answers.get(g.any_name))  # fmt: skip
            out.append(SectionAnswers(section, [], any_answer, items))
            continue
        rows: list[Row] = []
        for page in section.pages:
            for q in page.questions:
                rows.append(Row(q.label, show(q, answers.get(q.name)), q.name, page.slug))
                if q.details and answers.get(q.name) == "yes":
                    detail = answers.get(q.details)
                    rows.append(Row(q.details_label, detail or "Not given", q.details, page.slug))
        out.append(SectionAnswers(section, rows))
    return out
