"""What the referral form says about each person it asks about (1.1, the deceased; 1.4, the
suspect/perpetrator), sentence by sentence.

Both sections ask the same questions, but each sentence is written whole for each person, never
put together from a name and the rest: Welsh mutates and reorders words around a name, so each
one is translated as it stands. ``forms.referral`` builds the pages from these.

Every text speaks the page's language (lazy: the catalogue is made once, for pages in either).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext


@dataclass(frozen=True)
class PersonTexts:
    """One person's titles, labels, hints and error messages."""

    details_title: str  # "Details of the deceased"
    name_error: str  # how error messages name the answers ("the deceased's full name")
    dob_hint: str
    dob_error: str
    death_hint: str
    address_hint: str | None
    address_error: str
    about_title: str
    vulnerabilities_title: str
    caring: str  # the question
    caring_error: str  # its message when it is not answered
    #: Each vulnerability's message when it is not answered, by its key.
    vulnerability_errors: dict[str, str]
    history_title: str
    relationships: str
    relationships_error: str
    services: str
    services_error: str


DECEASED = PersonTexts(
    details_title=lazy_gettext("Details of the deceased"),
    name_error=lazy_gettext("the deceased's full name"),
    dob_hint=lazy_gettext("For example, 27 3 1985"),
    dob_error=lazy_gettext("the deceased's date of birth"),
    death_hint=lazy_gettext("For example, 14 10 2026"),
    address_hint=None,
    address_error=lazy_gettext("the deceased's home address"),
    about_title=lazy_gettext("About the deceased"),
    vulnerabilities_title=lazy_gettext(
        "Caring responsibilities and vulnerabilities of the deceased"
    ),
    caring=lazy_gettext("Did the deceased have caring responsibilities?"),
    caring_error=lazy_gettext("Select yes if the deceased had caring responsibilities"),
    vulnerability_errors={
        "mental_ill_health": lazy_gettext("Select yes if the deceased had mental ill-health"),
        "drug_use": lazy_gettext("Select yes if the deceased had problematic drug use"),
        "alcohol_use": lazy_gettext("Select yes if the deceased had problematic alcohol use"),
        "pregnancy": lazy_gettext(
            "Select yes if the deceased had been pregnant in the last 12 months"
        ),
        "physical_disability": lazy_gettext("Select yes if the deceased had a physical disability"),
        "learning_disability": lazy_gettext("Select yes if the deceased had a learning disability"),
    },
    history_title=lazy_gettext("The deceased's relationships, services and history"),
    relationships=lazy_gettext("Significant relationships to the deceased"),
    relationships_error=lazy_gettext("the significant relationships to the deceased"),
    services=lazy_gettext("Was the deceased accessing services before the homicide?"),
    services_error=lazy_gettext(
        "Select yes if the deceased was accessing services before the homicide"
    ),
)  # fmt: skip

SUSPECT = PersonTexts(
    details_title=lazy_gettext("Details of the suspect/perpetrator"),
    name_error=lazy_gettext("the suspect/perpetrator's full name"),
    dob_hint=lazy_gettext("For example, 27 3 1985. Leave blank if you do not know it"),
    dob_error=lazy_gettext("the suspect/perpetrator's date of birth"),
    death_hint=lazy_gettext("For example, 14 10 2026. Leave blank if it does not apply"),
    address_hint=lazy_gettext("Leave blank if you do not know it"),
    address_error=lazy_gettext("the suspect/perpetrator's home address"),
    about_title=lazy_gettext("About the suspect/perpetrator"),
    vulnerabilities_title=lazy_gettext(
        "Caring responsibilities and vulnerabilities of the suspect/perpetrator"
    ),
    caring=lazy_gettext("Did the suspect/perpetrator have caring responsibilities?"),
    caring_error=lazy_gettext("Select yes if the suspect had caring responsibilities"),
    vulnerability_errors={
        "mental_ill_health": lazy_gettext("Select yes if the suspect had mental ill-health"),
        "drug_use": lazy_gettext("Select yes if the suspect had problematic drug use"),
        "alcohol_use": lazy_gettext("Select yes if the suspect had problematic alcohol use"),
        "pregnancy": lazy_gettext(
            "Select yes if the suspect had been pregnant in the last 12 months"
        ),
        "physical_disability": lazy_gettext("Select yes if the suspect had a physical disability"),
        "learning_disability": lazy_gettext("Select yes if the suspect had a learning disability"),
    },
    history_title=lazy_gettext("The suspect/perpetrator's relationships, services and history"),
    relationships=lazy_gettext("Significant relationships to the suspect/perpetrator"),
    relationships_error=lazy_gettext("the significant relationships to the suspect"),
    services=lazy_gettext("Was the suspect/perpetrator accessing services before the homicide?"),
    services_error=lazy_gettext(
        "Select yes if the suspect was accessing services before the homicide"
    ),
)  # fmt: skip

#: Each person's texts, by the prefix of their answers' names.
PEOPLE = {"deceased": DECEASED, "suspect": SUSPECT}
