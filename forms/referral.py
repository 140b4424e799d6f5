"""The DHR referral form, defined once.

Every question of the referral form (the protocol's Appendix A: referrer, safeguarding lead,
sections 1.1 to 1.9) is declared here, in the form's order and wording. From this one definition
come the form of each question page (``forms.referral_pages``, through ``page_form``),
the marshmallow schema that checks a whole referral before it is submitted (``problems``),
and the order of the answers on the check-your-answers page and in the PDF (``answer_rows``).

Every text speaks the page's language (lazy: the pages are made once, for pages in Welsh and in
English); outside a request, or in ``service.i18n.speaking("en")``, it is English. Each sentence
is translated whole: what 1.1 and 1.4 say about each person is in ``forms.referral_people``.

Answers are stored as one JSON object: simple questions by field name (dates as ISO strings),
"add another" groups as lists of objects under the group's name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from flask_babel import gettext, lazy_gettext
from marshmallow import EXCLUDE, Schema, ValidationError, validates_schema
from marshmallow import fields as mf
from marshmallow.validate import Length, OneOf

from forms.questions import (
    FORMAT_CHECKS,
    LONG,
    SECURE_EMAIL_PROBLEM,
    SHORT,
    Question,
    Row,
    details_question,
    length_message,
    no_control,
    page_language,
    raises,
    secure_problem,
    show,
    shown,
)
from forms.referral_people import PEOPLE

if TYPE_CHECKING:
    from service.models import Partnership

__all__ = ["LONG", "SECURE_EMAIL_PROBLEM", "SHORT", "YES_NO", "Question", "Row", "show"]

SUMMARY = 10000  # the brief summary of the case

#: The most items an "add another" list may hold.
MAX_ITEMS = 50

DOB_AFTER_DEATH = lazy_gettext("The date of birth must be before the date of death")
DEATH_BEFORE_DOB = lazy_gettext("The date of death must be after the date of birth")

YES, NO, NOT_KNOWN = lazy_gettext("Yes"), lazy_gettext("No"), lazy_gettext("Not known")
YES_NO = [("yes", YES), ("no", NO)]
YES_NO_NOT_KNOWN = [("yes", YES), ("no", NO), ("not_known", NOT_KNOWN)]
KNOWN_BELIEVED = [
    ("known", lazy_gettext("Known")),
    ("believed", lazy_gettext("Believed")),
    ("no", NO),
    ("not_known", NOT_KNOWN),
]

#: A yes/no question's follow-up box: (its name on check your answers, its label on the page).
#: The label is written whole: "If yes, " and the name cannot be joined in Welsh.
GIVE_DETAILS = (lazy_gettext("Give details"), lazy_gettext("If yes, give details"))
EXTENT = (lazy_gettext("The extent, if known"), lazy_gettext("If yes, the extent, if known"))
WHICH_SERVICES = (lazy_gettext("Which services?"), lazy_gettext("If yes, which services?"))
WHAT_DETAILS = (lazy_gettext("What details are known?"),
                lazy_gettext("If yes, what details are known?"))  # fmt: skip
WHEN = (lazy_gettext("When?"), lazy_gettext("If yes, when?"))


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

    def item_heading(self, number: int) -> str:
        """An item's heading where it has no name of its own ("Person 2")."""
        if self.item == "agency":
            return gettext("Agency %(number)s", number=number)
        return gettext("Person %(number)s", number=number)


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


def choice(
    name: str,
    label: str,
    choices=YES_NO_NOT_KNOWN,  # noqa: ANN001
    *,
    follow_up: tuple[str, str] | None = None,
    **kw: Any,
) -> Question:
    """A choice; with ``details``, its follow-up box is named and labelled by ``follow_up``."""
    if kw.get("details"):
        kw["details_label"], kw["details_prompt"] = follow_up or GIVE_DETAILS
    return Question(name, label, "choice", choices=choices, **kw)


#: The vulnerabilities 1.1 and 1.4 ask about: (key, label).
VULNERABILITIES = [
    ("mental_ill_health", lazy_gettext("Mental ill-health")),
    ("drug_use", lazy_gettext("Problematic drug use")),
    ("alcohol_use", lazy_gettext("Problematic alcohol use")),
    ("pregnancy", lazy_gettext("Pregnancy in last 12 months")),
    ("physical_disability", lazy_gettext("Physical disability")),
    ("learning_disability", lazy_gettext("Learning disability")),
]


def _person(prefix: str) -> list[Page]:
    """1.1 and 1.4 ask the same things about the deceased and the suspect/perpetrator, each in
    its own words (``forms.referral_people``).

    The referrer may know little about the suspect ("tell us what you know"): their date of
    birth, address and date of death may be left blank, and pregnancy is never required, since
    it does not apply to everyone.
    """
    deceased = prefix == "deceased"
    says = PEOPLE[prefix]
    return [
        Page(
            f"{prefix}-details",
            says.details_title,
            [
                text(f"{prefix}_name", lazy_gettext("Full name"), error_name=says.name_error),
                date(
                    f"{prefix}_dob",
                    lazy_gettext("Date of birth"),
                    hint=says.dob_hint,
                    required=deceased,
                    error_name=says.dob_error,
                ),
                date(
                    f"{prefix}_date_of_death",
                    lazy_gettext("Date of death or serious incident"),
                    hint=says.death_hint,
                    required=deceased,
                    error_name=lazy_gettext("the date of death or serious incident"),
                ),
                textarea(
                    f"{prefix}_address",
                    lazy_gettext("Home address"),
                    max_length=SHORT * 2,
                    required=deceased,
                    hint=says.address_hint,
                    error_name=says.address_error,
                ),
            ],
        ),
        Page(
            f"{prefix}-identity",
            says.about_title,
            [
                text(f"{prefix}_sex", lazy_gettext("Sex"), required=False),
                text(f"{prefix}_sexual_orientation", lazy_gettext("Sexual orientation"),
                     required=False),
                text(f"{prefix}_ethnicity", lazy_gettext("Ethnicity"), required=False),
                text(f"{prefix}_country_of_birth", lazy_gettext("Country of birth"),
                     required=False),
                text(f"{prefix}_religion", lazy_gettext("Religion or belief"), required=False),
            ],
            intro=lazy_gettext("Answer what you know. You can leave any of these blank."),
        ),
        Page(
            f"{prefix}-vulnerabilities",
            says.vulnerabilities_title,
            [
                choice(
                    f"{prefix}_caring",
                    says.caring,
                    details=f"{prefix}_caring_details",
                    error=says.caring_error,
                ),
                *[
                    choice(
                        f"{prefix}_{key}",
                        label,
                        details=f"{prefix}_{key}_extent",
                        follow_up=EXTENT,
                        required=key != "pregnancy",
                        hint=lazy_gettext("Leave blank if this does not apply")
                        if key == "pregnancy"
                        else None,
                        error=says.vulnerability_errors[key],
                    )
                    for key, label in VULNERABILITIES
                ],
            ],
            intro=lazy_gettext(
                "For each vulnerability, answer yes (and the extent, if known), no or not known."
            ),
        ),
        Page(
            f"{prefix}-history",
            says.history_title,
            [
                textarea(
                    f"{prefix}_relationships",
                    says.relationships,
                    hint=lazy_gettext("Partner, carer or family members"),
                    required=False,
                    error_name=says.relationships_error,
                ),
                choice(
                    f"{prefix}_services",
                    says.services,
                    details=f"{prefix}_services_details",
                    follow_up=WHICH_SERVICES,
                    error=says.services_error,
                ),
                *(
                    [
                        choice(
                            "deceased_abuse",
                            lazy_gettext(
                                "Had the deceased person experienced domestic abuse by a "
                                "current or previous partner or family member?"
                            ),
                            details="deceased_abuse_details",
                            follow_up=WHAT_DETAILS,
                            error=lazy_gettext(
                                "Select yes if the deceased had experienced domestic abuse by "
                                "a current or previous partner or family member"
                            ),
                        ),
                        choice(
                            "deceased_marac",
                            lazy_gettext("Had the deceased person's case been heard at MARAC?"),
                            details="deceased_marac_details",
                            follow_up=WHEN,
                            error=lazy_gettext(
                                "Select yes if the deceased's case had been heard at MARAC"
                            ),
                        ),
                    ]
                    if deceased
                    else [
                        choice(
                            "suspect_abuse",
                            lazy_gettext(
                                "Had the suspect/perpetrator perpetrated domestic abuse against "
                                "a previous partner or family member?"
                            ),
                            details="suspect_abuse_details",
                            follow_up=WHAT_DETAILS,
                            error=lazy_gettext(
                                "Select yes if the suspect had perpetrated domestic abuse "
                                "against a previous partner or family member"
                            ),
                        ),
                    ]
                ),
            ],
        ),
    ]  # fmt: skip


_HOUSEHOLD = [
    text("name", lazy_gettext("Name"), error_name=lazy_gettext("their name")),
    date("dob", lazy_gettext("Date of birth"), required=False,
         hint=lazy_gettext("For example, 27 3 1985"),
         error_name=lazy_gettext("their date of birth")),
    Question("phone", lazy_gettext("Telephone number"), "phone", required=False),
    Question("email", lazy_gettext("Email address"), "email", required=False),
    text("relationship", lazy_gettext("Relationship to the victim"),
         error_name=lazy_gettext("their relationship to the victim")),
]  # fmt: skip

#: The relationship factors (1.6): (key, label, the message when it is not answered).
FACTORS = [
    ("forced_marriage", lazy_gettext("Forced marriage"),
     lazy_gettext("Select if forced marriage was a known or believed factor")),
    ("honour_based_violence", lazy_gettext("Honour-based violence"),
     lazy_gettext("Select if honour-based violence was a known or believed factor")),
    ("physical_violence", lazy_gettext("Physical violence"),
     lazy_gettext("Select if physical violence was a known or believed factor")),
    ("coercive_control", lazy_gettext("Coercive control"),
     lazy_gettext("Select if coercive control was a known or believed factor")),
    ("stalking", lazy_gettext("Stalking"),
     lazy_gettext("Select if stalking was a known or believed factor")),
    ("digital_stalking", lazy_gettext("Digital stalking"),
     lazy_gettext("Select if digital stalking was a known or believed factor")),
    ("financial_abuse", lazy_gettext("Financial abuse"),
     lazy_gettext("Select if financial abuse was a known or believed factor")),
    ("trafficking", lazy_gettext("Trafficking"),
     lazy_gettext("Select if trafficking was a known or believed factor")),
    ("kidnapping", lazy_gettext("Kidnapping"),
     lazy_gettext("Select if kidnapping was a known or believed factor")),
    ("immigration_issues", lazy_gettext("Immigration issues"),
     lazy_gettext("Select if immigration issues were a known or believed factor")),
]  # fmt: skip

SECTIONS: list[Section] = [
    Section(
        "referrer",
        "",
        lazy_gettext("Referrer's details"),
        [
            Page(
                "referrer",
                lazy_gettext("Your details"),
                [
                    text(
                        "referrer_name",
                        lazy_gettext("Full name"),
                        error_name=lazy_gettext("your full name"),
                    ),
                    text(
                        "referrer_agency",
                        lazy_gettext("Agency"),
                        error_name=lazy_gettext("your agency"),
                    ),
                    text(
                        "referrer_job_title",
                        lazy_gettext("Job title"),
                        error_name=lazy_gettext("your job title"),
                    ),
                    Question(
                        "referrer_phone",
                        lazy_gettext("Telephone number"),
                        "phone",
                        error_name=lazy_gettext("your telephone number"),
                    ),
                    Question(
                        "referrer_email",
                        lazy_gettext("Secure email address"),
                        "email",
                        hint=lazy_gettext(
                            "Your work address, on a secure domain. We send the "
                            "acknowledgement here."
                        ),
                        error_name=lazy_gettext("your email address"),
                        secure=True,
                    ),
                    date(
                        "referrer_date",
                        lazy_gettext("Date of referral to the safeguarding lead"),
                        hint=lazy_gettext("For example, 14 10 2026"),
                    ),
                ],
            )
        ],
    ),  # fmt: skip
    Section(
        "lead",
        "",
        lazy_gettext("Safeguarding lead's details"),
        [
            Page(
                "lead",
                lazy_gettext("Safeguarding lead's details"),
                [
                    text(
                        "lead_name",
                        lazy_gettext("Full name"),
                        error_name=lazy_gettext("the safeguarding lead's name"),
                    ),
                    text(
                        "lead_agency",
                        lazy_gettext("Agency"),
                        error_name=lazy_gettext("the safeguarding lead's agency"),
                    ),
                    text(
                        "lead_job_title",
                        lazy_gettext("Job title"),
                        error_name=lazy_gettext("the safeguarding lead's job title"),
                    ),
                    Question(
                        "lead_phone",
                        lazy_gettext("Telephone number"),
                        "phone",
                        error_name=lazy_gettext("the safeguarding lead's telephone number"),
                    ),
                    Question(
                        "lead_email",
                        lazy_gettext("Secure email address"),
                        "email",
                        hint=lazy_gettext(
                            "Their work address, on a secure domain. We send the "
                            "acknowledgement here too."
                        ),
                        error_name=lazy_gettext("the safeguarding lead's email address"),
                        secure=True,
                    ),
                    date(
                        "lead_date",
                        lazy_gettext("Date of referral to the partnership"),
                        hint=lazy_gettext("For example, 15 10 2026"),
                    ),
                ],
            )
        ],
    ),  # fmt: skip
    Section(
        "deceased", "1.1", lazy_gettext("Details of the deceased person"), _person("deceased")
    ),  # fmt: skip
    Section(
        "victim-household",
        "1.2",
        lazy_gettext("Others residing at the victim's address"),
        group=Group(
            "victim_household",
            "person",
            lazy_gettext("Did anyone else live at the victim's address?"),
            _HOUSEHOLD,
        ),
    ),
    Section(
        "incident",
        "1.3",
        lazy_gettext("The fatal incident"),
        [
            Page(
                "incident",
                lazy_gettext("The fatal incident"),
                [
                    textarea(
                        "incident_address",
                        lazy_gettext("Address or location of the incident(s)"),
                        max_length=SHORT * 2,
                        error_name=lazy_gettext("the address or location of the incident"),
                    ),
                    text(
                        "incident_investigator",
                        lazy_gettext("Who is the lead investigator?"),
                        required=False,
                        error_name=lazy_gettext("the lead investigator"),
                    ),
                    choice(
                        "incident_multiple",
                        lazy_gettext(
                            "Could this case form part of an investigation of multiple "
                            "victims or offenders?"
                        ),
                        error=lazy_gettext(
                            "Select yes if this case could form part of an "
                            "investigation of multiple victims or offenders"
                        ),
                    ),
                    choice(
                        "incident_other_referrals",
                        lazy_gettext(
                            "Have any referrals to the Safeguarding Adults Board or the "
                            "Safeguarding Children Partnership been made, or are any "
                            "planned, about this incident?"
                        ),
                        details="incident_other_referrals_details",
                        error=lazy_gettext(
                            "Select yes if referrals to the Safeguarding Adults "
                            "Board or the Safeguarding Children Partnership have "
                            "been made or are planned"
                        ),
                    ),
                ],
            )
        ],
    ),  # fmt: skip
    Section(
        "suspect",
        "1.4",
        lazy_gettext("Suspect/perpetrator details"),
        [
            *_person("suspect"),
            Page(
                "suspect-supervision",
                lazy_gettext(
                    "Was the suspect/perpetrator managed or supervised by any of the following?"
                ),
                [
                    choice(
                        "suspect_mappa",
                        lazy_gettext("MAPPA"),
                        hint=lazy_gettext("Multi-agency public protection arrangements"),
                        error=lazy_gettext("Select yes if the suspect was managed under MAPPA"),
                    ),
                    # The Probation Service: since June 2021 it also does the work of the
                    # former private probation companies, so it is one question.
                    choice(
                        "suspect_probation",
                        lazy_gettext("The Probation Service"),
                        error=lazy_gettext(
                            "Select yes if the suspect was supervised by the Probation Service"
                        ),
                    ),
                    choice(
                        "suspect_programme",
                        lazy_gettext("Attended or attending a perpetrator programme"),
                        error=lazy_gettext(
                            "Select yes if the suspect attended or is attending "
                            "a perpetrator programme"
                        ),
                    ),
                ],
            ),
        ],
    ),  # fmt: skip
    Section(
        "suspect-household",
        "1.5",
        lazy_gettext("Others residing at the suspect's address"),
        group=Group(
            "suspect_household",
            "person",
            lazy_gettext("Did anyone else live at the suspect/perpetrator's address?"),
            _HOUSEHOLD,
        ),
    ),
    Section(
        "relationship",
        "1.6",
        lazy_gettext("The relationship between the deceased and the suspect/perpetrator"),
        [
            Page(
                "relationship",
                lazy_gettext(
                    "Are any of these known or believed to be factors in the "
                    "relationship between the deceased and the suspect/perpetrator?"
                ),
                [
                    choice(f"factor_{key}", label, choices=KNOWN_BELIEVED, error=error)
                    for key, label, error in FACTORS
                ],
            )
        ],
    ),  # fmt: skip
    Section(
        "agencies",
        "1.7",
        lazy_gettext("Other agencies with known involvement"),
        group=Group(
            "other_agencies",
            "agency",
            lazy_gettext("Are other agencies known to have been involved?"),
            [
                text(
                    "agency",
                    lazy_gettext("Agency"),
                    error_name=lazy_gettext("the name of the agency"),
                ),
                text(
                    "contact_name",
                    lazy_gettext("Name of contact"),
                    required=False,
                    error_name=lazy_gettext("the name of the contact"),
                ),
                Question("phone", lazy_gettext("Telephone number"), "phone", required=False),
                Question("email", lazy_gettext("Email address"), "email", required=False),
                textarea(
                    "reason",
                    lazy_gettext("Reason for involvement"),
                    error_name=lazy_gettext("the reason for the agency's involvement"),
                ),
            ],
        ),
    ),  # fmt: skip
    Section(
        "summary",
        "1.8",
        lazy_gettext("Brief summary of the case"),
        [
            Page(
                "summary",
                lazy_gettext("Brief summary of the case"),
                [
                    textarea(
                        "summary",
                        lazy_gettext("Outline the events and circumstances"),
                        max_length=SUMMARY,
                        hint=lazy_gettext(
                            "The information you give is used to decide whether "
                            "the case meets the criteria for a Domestic Homicide "
                            "Review."
                        ),
                        error_name=lazy_gettext("a summary of the case"),
                    ),
                ],
            )
        ],
    ),  # fmt: skip
    Section(
        "criteria",
        "1.9",
        lazy_gettext("Criteria for a DHR"),
        [
            Page(
                "criteria",
                lazy_gettext("Criteria for a Domestic Homicide Review"),
                [
                    choice(
                        "criteria_age",
                        lazy_gettext("Is the deceased person aged 16 or over?"),
                        choices=YES_NO,
                        hint=lazy_gettext("This criterion must be met in all cases."),
                        error=lazy_gettext("Select yes if the deceased person is aged 16 or over"),
                    ),
                    choice(
                        "criteria_related",
                        lazy_gettext(
                            "Has the death, or does the death appear to have, "
                            "resulted from violence, abuse or neglect by a person to "
                            "whom the deceased was related or with whom they were or "
                            "had been in an intimate personal relationship?"
                        ),
                        choices=YES_NO,
                        error=lazy_gettext(
                            "Select yes if the death resulted, or appears to have "
                            "resulted, from violence, abuse or neglect by a "
                            "relative or an intimate partner"
                        ),
                    ),
                    choice(
                        "criteria_household",
                        lazy_gettext(
                            "Has the death, or does the death appear to have, "
                            "resulted from violence, abuse or neglect by a member of "
                            "the same household as the deceased?"
                        ),
                        choices=YES_NO,
                        error=lazy_gettext(
                            "Select yes if the death resulted, or appears to have "
                            "resulted, from violence, abuse or neglect by a "
                            "member of the same household"
                        ),
                    ),
                    choice(
                        "criteria_suicide",
                        lazy_gettext(
                            "Did the deceased take their own life (suicide) and the "
                            "circumstances gave rise to concern?"
                        ),
                        choices=YES_NO,
                        hint=lazy_gettext(
                            "For example, coercive controlling behaviour in the relationship."
                        ),
                        error=lazy_gettext(
                            "Select yes if the deceased took their own life and "
                            "the circumstances gave rise to concern"
                        ),
                    ),
                    textarea(
                        "alternative_review",
                        lazy_gettext(
                            "If the case does not meet the criteria for a DHR, what "
                            "alternative review or audit could yield useful "
                            "learning?"
                        ),
                        required=False,
                        error_name=lazy_gettext("the alternative review or audit"),
                    ),
                ],
                intro=lazy_gettext(
                    "Answer from the information known to you. The first must "
                    "be met in all cases, and one of the others as well."
                ),
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
            return f"{who}_dob", str(DOB_AFTER_DEATH)
        if "deceased_date_of_death" in page_answers:
            return "deceased_date_of_death", str(DEATH_BEFORE_DOB)
    return None


# --- marshmallow: the whole referral, checked before it is submitted -------------------------


def _mm_field(q: Question) -> mf.Field:
    kw: dict[str, Any] = {"required": q.required, "allow_none": not q.required}
    if q.required:
        kw["error_messages"] = {"required": q.missing, "null": q.missing}
    if q.kind == "date":
        return mf.Date(**kw)
    if q.kind == "choice":
        return mf.String(validate=OneOf([v for v, _ in q.choices], error=q.missing), **kw)
    checks: list[Any] = [Length(max=q.max_length, error=length_message(q)), no_control(q)]
    if q.required:
        checks.insert(0, Length(min=1, error=q.missing))
    if q.kind in FORMAT_CHECKS:
        checks.append(raises(FORMAT_CHECKS[q.kind], q))
    return mf.String(validate=checks, **kw)


def _details_field(q: Question) -> mf.Field:
    details = details_question(q)
    return mf.String(load_default=None, allow_none=True,
                     validate=[Length(max=details.max_length, error=length_message(details)),
                               no_control(details)])  # fmt: skip


def _question_fields(questions: Iterable[Question]) -> dict[str, mf.Field]:
    attrs: dict[str, Any] = {}
    for q in questions:
        attrs[q.name] = _mm_field(q)
        if q.details:
            attrs[q.details] = _details_field(q)
    return attrs


def _build_schema() -> type[Schema]:
    """The schema, its messages in the language it is built in."""
    attrs = _question_fields(all_questions())
    for section in SECTIONS:
        if section.group:
            g = section.group
            answer = gettext("Select yes or no")
            attrs[g.any_name] = mf.String(
                required=True, validate=OneOf(("yes", "no"), error=answer),
                error_messages={"required": answer, "null": answer},
            )  # fmt: skip
            attrs[g.name] = mf.List(
                mf.Nested(type(f"{g.name}_item", (Schema,), _question_fields(g.questions))),
                load_default=list,
            )

    def check_dates(self: Schema, data: dict[str, Any], **_: Any) -> None:
        for who in born_after_death(data):
            raise ValidationError(str(DOB_AFTER_DEATH), f"{who}_dob")

    class Meta:
        # A draft may hold answers to a question the form no longer asks: kept, not checked.
        unknown = EXCLUDE

    attrs["Meta"] = Meta
    attrs["check_dates"] = validates_schema(check_dates)
    return type("ReferralSchema", (Schema,), attrs)


@cache
def _schema_in(code: str) -> type[Schema]:
    """The schema with its messages in language ``code``, made once a language (called in it)."""
    return _build_schema()


def referral_schema() -> type[Schema]:
    """The schema whose messages are in the page's language."""
    return _schema_in(page_language())


ReferralSchema = referral_schema()  # in English: built outside any request
SECURE_QUESTIONS = [q for q in all_questions() if q.secure]


def problems(answers: dict[str, Any], partnership: Partnership | None = None) -> dict[str, Any]:
    """What is missing or wrong in a whole referral (empty when it can be submitted); with the
    partnership, an address that must be secure and is not is a problem too. The messages are
    in the page's language."""
    found = referral_schema()().validate(answers)
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
        reasons.append(gettext("The deceased was %(age)s at the date of death.", age=age))
    else:
        over_16 = answers.get("criteria_age") == "yes"
        reasons.append(gettext("The age at death could not be worked out from the dates given."))
    routes = {
        "criteria_related": lazy_gettext(
            "related to, or in an intimate relationship with, the suspect"
        ),
        "criteria_household": lazy_gettext("a member of the same household as the suspect"),
        "criteria_suicide": lazy_gettext("a suicide whose circumstances gave rise to concern"),
    }
    met = [str(text) for key, text in routes.items() if answers.get(key) == "yes"]
    if met:
        reasons.append(gettext("The referrer answered yes to: %(routes)s.", routes="; ".join(met)))
    else:
        reasons.append(gettext("The referrer answered no to each of the relationship criteria."))
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
    the officer's view of a referral (in the language of the page or document)."""
    out: list[SectionAnswers] = []
    for section in SECTIONS:
        if section.group:
            g = section.group
            items = [
                [Row(str(q.label), shown(q, item.get(q.name)), q.name, section.slug)
                 for q in g.questions]
                for item in answers.get(g.name) or []
            ]  # fmt: skip
            any_answer = shown(Question(g.any_name, g.question, "choice", choices=YES_NO),
                               answers.get(g.any_name))  # fmt: skip
            out.append(SectionAnswers(section, [], any_answer, items))
            continue
        rows: list[Row] = []
        for page in section.pages:
            for q in page.questions:
                rows.append(Row(str(q.label), shown(q, answers.get(q.name)), q.name, page.slug))
                if q.details and answers.get(q.name) == "yes":
                    detail = answers.get(q.details) or gettext("Not given")
                    rows.append(Row(str(q.details_label), detail, q.details, page.slug))
        out.append(SectionAnswers(section, rows))
    return out
