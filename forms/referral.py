"""The DHR referral form, defined once.

Every question of the referral form (the protocol's Appendix A: referrer, safeguarding lead,
sections 1.1 to 1.9) is declared here, in the form's order and wording. From this one definition
come the Flask-WTF class of each question page (``page_form``), the marshmallow schema that checks
a whole referral before it is submitted (``ReferralSchema``), and the order of the answers on the
check-your-answers page and in the PDF (``answer_rows``).

Answers are stored as one JSON object: simple questions by field name (dates as ISO strings),
"add another" groups as lists of objects under the group's name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from flask_wtf import FlaskForm
from marshmallow import EXCLUDE, Schema, ValidationError, validates_schema
from marshmallow import fields as mf
from wtforms import Field, Form, FormField, RadioField, StringField, TextAreaField
from wtforms import validators as wv

from forms import options
from forms.base import ServiceForm, control_message, has_control
from mail import policy
from service import clock

if TYPE_CHECKING:
    from service.models import Partnership

SHORT = 200  # names, job titles, single-line answers
LONG = 5000  # free-text answers
SUMMARY = 10000  # the brief summary of the case

DOB_AFTER_DEATH = "The date of birth must be before the date of death"
DEATH_BEFORE_DOB = "The date of death must be after the date of birth"

YES_NO = [("yes", "Yes"), ("no", "No")]
YES_NO_NOT_KNOWN = [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")]
KNOWN_BELIEVED = [
    ("known", "Known"),
    ("believed", "Believed"),
    ("no", "No"),
    ("not_known", "Not known"),
]


@dataclass(frozen=True)
class Question:
    name: str
    label: str
    kind: str  # text, textarea, email, phone, date, choice
    required: bool = True
    hint: str | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    max_length: int = SHORT
    # For a choice: a follow-up text shown (and kept) only when the answer is "yes".
    details: str | None = None
    details_label: str = "Give details"
    past: bool = True  # dates: not in the future
    error_name: str | None = None  # how error messages name it ("the date of birth")
    # The whole message when it is not answered, where "Select …"/"Enter …" and the name would
    # not read as GOV.UK writes it ("Select yes if the suspect had caring responsibilities").
    error: str | None = None
    secure: bool = False  # emails: must be on the partnership's secure domains

    @property
    def said(self) -> str:
        return self.error_name or self.label[0].lower() + self.label[1:]

    @property
    def missing(self) -> str:
        """The error message when a required question is not answered."""
        if self.error:
            return self.error
        if self.kind == "choice":
            return f"Select {self.said}"
        if self.kind == "date":
            return f"Enter the {self.label[0].lower()}{self.label[1:]}"
        return f"Enter {self.said}"


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


# --- checks shared by the WTForms fields and the marshmallow schema --------------------------

_PHONE = re.compile(r"^\+?[\d\s()-]{10,20}$")


def phone_problem(value: str, q: Question) -> str | None:
    digits = re.sub(r"\D", "", value)
    if not _PHONE.match(value) or not 10 <= len(digits) <= 15:
        return (
            f"Enter {q.said} in the correct format, like 01632 960 001 or +44 808 157 0192"
            if q.error_name
            else "Enter a telephone number, like 01632 960 001 or +44 808 157 0192"
        )
    return None


def email_problem(value: str, q: Question) -> str | None:
    try:
        policy.normalise(value)
    except policy.InvalidAddress:
        return (
            f"Enter {q.said} in the correct format, like name@example.gov.uk"
            if q.error_name
            else "Enter an email address in the correct format, like name@example.gov.uk"
        )
    return None


#: The one message for an address that is not on the partnership's secure domains.
SECURE_EMAIL_PROBLEM = (
    "Enter a secure email address, like one ending .gov.uk, .police.uk or nhs.net"
)


def secure_problem(value: str, partnership: Partnership) -> str | None:
    """Whether a well-formed address may receive the partnership's sensitive email."""
    try:
        return None if policy.is_secure(partnership, value) else SECURE_EMAIL_PROBLEM
    except policy.InvalidAddress:
        return None  # email_problem says how to write it


# One person's initials: up to 4 letters, each on its own ("J.S.", "J S") or in capitals ("JS").
_INITIALS = re.compile(r"^(?:(?:[^\W\d_]|[^\W\d_a-z]{2,4})[.\s'-]*)+$")


def initials_problem(value: str, q: Question) -> str | None:
    letters = [c for c in value if c.isalpha()]
    if not _INITIALS.match(value) or not 1 <= len(letters) <= 4:
        return f"Enter {q.said} only, for example J.S."
    for run in re.findall(r"[^\W\d_]+", value):
        if len(run) > 1 and not run.isupper():
            return f"Enter {q.said} only, for example J.S."
    return None


def details_question(q: Question) -> Question:
    """The follow-up text of a choice ("If yes, give details"): never required."""
    return Question(q.details or "", q.details_label, "textarea", required=False,
                    max_length=LONG, error_name="the details")  # fmt: skip


def date_problem(parts: dict[str, str], q: Question) -> tuple[str | None, dt.date | None]:
    """The GOV.UK date-input checks: (message, the date)."""
    day, month, year = (str(parts.get(k) or "").strip() for k in ("day", "month", "year"))
    label = q.label[0].lower() + q.label[1:]
    if not (day or month or year):
        return (q.missing if q.required else None), None
    missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
    if missing:
        return f"The {label} must include a {' and '.join(missing)}", None
    if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
        return f"The {label} must be a real date", None
    try:
        value = dt.date(int(year), int(month), int(day))
    except ValueError:
        return f"The {label} must be a real date", None
    if value.year < 1900:
        return f"The {label} must be after 1900", None
    if q.past and value > clock.now().date():
        return f"The {label} must be today or in the past", None
    return None, value


# --- WTForms: the question pages -------------------------------------------------------------


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


def _required(q: Question) -> Any:
    return wv.InputRequired(q.missing)


def _check(fn) -> Any:  # noqa: ANN001
    def check(form: Form, fld: Field) -> None:
        if fld.data:
            message = fn(fld.data.strip(), fld.question)
            if message:
                raise wv.ValidationError(message)

    return check


def _length(q: Question) -> Any:
    what = q.said[0].upper() + q.said[1:]
    return wv.Length(
        max=q.max_length, message=f"{what} must be {q.max_length:,} characters or fewer"
    )


def _secure(form: Form, fld: Field) -> None:
    partnership = getattr(form, "partnership", None)
    if fld.data and partnership is not None:
        message = secure_problem(fld.data.strip(), partnership)
        if message:
            raise wv.ValidationError(message)


def wtf_field(q: Question) -> Field:
    strip = [lambda v: v.strip() if isinstance(v, str) else v]
    if q.kind == "date":
        return GovukDateField(q)
    checks: list[Any] = [_required(q)] if q.required else [wv.Optional()]
    if q.kind == "choice":
        # A choice's message is its own, also for a value that is not one of the options.
        fld = RadioField(
            choices=options(q.choices),
            validators=[*checks, wv.AnyOf([v for v, _ in q.choices], message=q.missing)],
            validate_choice=False,
        )
    elif q.kind == "textarea":
        fld = TextAreaField(validators=[*checks, _length(q)], filters=strip)
    else:
        extra = {
            "email": [_check(email_problem), *([_secure] if q.secure else [])],
            "phone": [_check(phone_problem)],
            "initials": [_check(initials_problem)],
        }
        fld = StringField(validators=[*checks, _length(q), *extra.get(q.kind, [])], filters=strip)
    return fld


def _with_question(form: FlaskForm, questions: list[Question]) -> FlaskForm:
    for q in questions:
        getattr(form, q.name).question = q
        if q.details:
            getattr(form, q.details).question = details_question(q)
    return form


def page_form(
    questions: list[Question], *, partnership: Partnership | None = None, **kw: Any
) -> FlaskForm:
    """A Flask-WTF form for one page (or one group item) of questions; ``partnership`` is whose
    secure domains a secure email address is checked against."""
    attrs: dict[str, Any] = {}
    for q in questions:
        attrs[q.name] = wtf_field(q)
        if q.details:
            attrs[q.details] = wtf_field(details_question(q))
    cls = type("ReferralPageForm", (ServiceForm,), attrs)
    form = cls(**kw)
    form.partnership = partnership
    return _with_question(form, questions)


def cross_check(page_answers: dict[str, Any], answers: dict[str, Any]) -> tuple[str, str] | None:
    """Checks between answers on different pages: (field on this page, message), or None.

    The same rule as the schema's: neither date of birth may be after the date of death.
    """
    merged = {**answers, **page_answers}
    death = merged.get("deceased_date_of_death")
    for who in ("deceased", "suspect"):
        dob = merged.get(f"{who}_dob")
        if not (dob and death and dob > death):
            continue
        if f"{who}_dob" in page_answers:
            return f"{who}_dob", DOB_AFTER_DEATH
        if "deceased_date_of_death" in page_answers:
            return "deceased_date_of_death", DEATH_BEFORE_DOB
    return None


def answers_from(form: FlaskForm, questions: list[Question]) -> dict[str, Any]:
    """The page's answers as they are stored: dates as ISO strings, details only with "yes"."""
    out: dict[str, Any] = {}
    for q in questions:
        fld = getattr(form, q.name)
        out[q.name] = fld.iso if q.kind == "date" else (fld.data or None)
        if q.details:
            out[q.details] = getattr(form, q.details).data or None if out[q.name] == "yes" else None
    return out


def form_data(answers: dict[str, Any], questions: list[Question]) -> dict[str, Any]:
    """Stored answers back into a page's form fields (for "change" and returning to a page)."""
    data: dict[str, Any] = {}
    for q in questions:
        value = answers.get(q.name)
        if q.kind == "date":
            if value:
                d = dt.date.fromisoformat(value)
                data[q.name] = SimpleNamespace(day=str(d.day), month=str(d.month), year=str(d.year))
        elif value is not None:
            data[q.name] = value
        if q.details and answers.get(q.details):
            data[q.details] = answers[q.details]
    return data


# --- marshmallow: the whole referral, checked before it is submitted -------------------------


def _raises(fn, q: Question):  # noqa: ANN001, ANN202
    """A marshmallow validator from one of the checks above."""

    def check(value: str) -> None:
        message = fn(value, q)
        if message:
            raise ValidationError(message)

    return check


def _no_control(q: Question):  # noqa: ANN202
    def check(value: str) -> None:
        if has_control(value):
            raise ValidationError(control_message(q.said))

    return check


def _mm_field(q: Question) -> mf.Field:
    kw: dict[str, Any] = {"required": q.required, "allow_none": not q.required}
    if q.kind == "date":
        return mf.Date(**kw)
    if q.kind == "choice":
        from marshmallow.validate import OneOf

        return mf.String(validate=OneOf([v for v, _ in q.choices], error=q.missing), **kw)
    from marshmallow.validate import Length

    checks: list[Any] = [Length(min=1 if q.required else 0, max=q.max_length), _no_control(q)]
    kinds = {"email": email_problem, "phone": phone_problem, "initials": initials_problem}
    if q.kind in kinds:
        checks.append(_raises(kinds[q.kind], q))
    return mf.String(validate=checks, **kw)


def _details_field(q: Question) -> mf.Field:
    from marshmallow.validate import Length

    details = details_question(q)
    return mf.String(load_default=None, allow_none=True,
                     validate=[Length(max=details.max_length), _no_control(details)])  # fmt: skip


def _schema_class(name: str, questions: list[Question]) -> type[Schema]:
    attrs: dict[str, Any] = {}
    for q in questions:
        attrs[q.name] = _mm_field(q)
        if q.details:
            attrs[q.details] = _details_field(q)
    return type(name, (Schema,), attrs)


def _build_schema() -> type[Schema]:
    attrs: dict[str, Any] = {}
    for q in all_questions():
        attrs[q.name] = _mm_field(q)
        if q.details:
            attrs[q.details] = _details_field(q)
    for section in SECTIONS:
        if section.group:
            g = section.group
            attrs[f"{g.name}_any"] = mf.String(required=True, validate=lambda v: v in ("yes", "no"))
            attrs[g.name] = mf.List(
                mf.Nested(_schema_class(f"{g.name}_item", g.questions)), load_default=list
            )

    def check_dates(self: Schema, data: dict[str, Any], **_: Any) -> None:
        death = data.get("deceased_date_of_death")
        for who in ("deceased", "suspect"):
            dob = data.get(f"{who}_dob")
            if dob and death and dob > death:
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


def show(q: Question, value: Any) -> str:
    if value in (None, ""):
        return "Not answered"
    if q.kind == "date":
        return clock.long_date(value)
    if q.kind == "choice":
        return dict(q.choices).get(value, value)
    return str(value)


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
class Row:
    label: str
    value: str
    page: str  # the page slug that asks it (for "Change" links)
    name: str


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
                [Row(q.label, show(q, item.get(q.name)), section.slug, q.name) for q in g.questions]
                for item in answers.get(g.name) or []
            ]
            any_answer = show(Question(f"{g.name}_any", g.question, "choice", choices=YES_NO),
                              answers.get(f"{g.name}_any"))  # fmt: skip
            out.append(SectionAnswers(section, [], any_answer, items))
            continue
        rows: list[Row] = []
        for page in section.pages:
            for q in page.questions:
                rows.append(Row(q.label, show(q, answers.get(q.name)), page.slug, q.name))
                if q.details and answers.get(q.name) == "yes":
                    detail = answers.get(q.details)
                    rows.append(Row(q.details_label, detail or "Not given", page.slug, q.details))
        out.append(SectionAnswers(section, rows))
    return out
