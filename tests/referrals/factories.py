"""Referral answers for the tests: a whole referral, answered as the form stores it.

Every name, address, phone number and email address here is invented: the phone numbers are in
Ofcom's range for drama and the addresses are on Example Street.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from service import clock
from service.models import Partnership, Referral, ReferralStatus

_VULNERABILITIES = (
    "mental_ill_health",
    "drug_use",
    "alcohol_use",
    "pregnancy",
    "physical_disability",
    "learning_disability",
)
_FACTORS = (
    "forced_marriage",
    "honour_based_violence",
    "physical_violence",
    "coercive_control",
    "stalking",
    "digital_stalking",
    "financial_abuse",
    "trafficking",
    "kidnapping",
    "immigration_issues",
)

_COMPLETE: dict[str, Any] = {
    # The referrer and the safeguarding lead.
    "referrer_name": "Robin Referrer",
    "referrer_agency": "Exampleshire County Council Adult Social Care",
    "referrer_job_title": "Senior Social Worker",
    "referrer_phone": "01632 960 123",
    "referrer_email": "robin.referrer@exampleshire.gov.uk",
    "referrer_date": "2026-10-05",
    "lead_name": "Lee Leadperson",
    "lead_agency": "Exampleshire County Council",
    "lead_job_title": "Head of Safeguarding",
    "lead_phone": "01632 960 124",
    "lead_email": "lee.leadperson@exampleshire.gov.uk",
    "lead_date": "2026-10-07",
    # 1.1 The deceased person.
    "deceased_name": "Alex Example",
    "deceased_dob": "1980-05-17",
    "deceased_date_of_death": "2026-10-01",
    "deceased_address": "12 Example Street\nExampletown\nEX1 2AB",
    "deceased_sex": "Female",
    "deceased_sexual_orientation": "Heterosexual",
    "deceased_ethnicity": "White British",
    "deceased_country_of_birth": "Wales",
    "deceased_religion": "Quakerism",
    "deceased_caring": "yes",
    "deceased_caring_details": "Cared for her teenage son at weekends",
    **{f"deceased_{key}": "no" for key in _VULNERABILITIES},
    **{f"deceased_{key}_extent": None for key in _VULNERABILITIES},
    "deceased_mental_ill_health": "yes",
    "deceased_mental_ill_health_extent": "Treated for anxiety by her GP since 2024",
    "deceased_relationships": "Partner Sam Sample; sister Jo Example",
    "deceased_services": "yes",
    "deceased_services_details": "Riverside Medical Practice; Exampleshire Domestic Abuse Service",
    "deceased_abuse": "yes",
    "deceased_abuse_details": "Two police call-outs to the home in 2025",
    "deceased_marac": "not_known",
    "deceased_marac_details": None,
    # 1.2 Others at the victim's address.
    "victim_household_any": "yes",
    "victim_household": [
        {
            "name": "Jo Example",
            "dob": "1984-02-29",
            "phone": "01632 960 125",
            "email": "jo.example@exampleshire.gov.uk",
            "relationship": "Sister",
        },
        {
            "name": "Chris Example",
            "dob": "2010-08-09",
            "phone": None,
            "email": None,
            "relationship": "Son",
        },
    ],
    # 1.3 The fatal incident.
    "incident_address": "12 Example Street\nExampletown\nEX1 2AB",
    "incident_investigator": "Detective Inspector Casey Investigator",
    "incident_multiple": "no",
    "incident_other_referrals": "yes",
    "incident_other_referrals_details": "Referred to the Safeguarding Children Partnership",
    # 1.4 The suspect/perpetrator.
    "suspect_name": "Sam Sample",
    "suspect_dob": "1978-11-03",
    "suspect_date_of_death": None,
    "suspect_address": "40 Example Street\nExampletown\nEX1 4CD",
    "suspect_sex": "Male",
    "suspect_sexual_orientation": None,
    "suspect_ethnicity": "Mixed heritage",
    "suspect_country_of_birth": "Scotland",
    "suspect_religion": None,
    "suspect_caring": "no",
    "suspect_caring_details": None,
    **{f"suspect_{key}": "not_known" for key in _VULNERABILITIES},
    **{f"suspect_{key}_extent": None for key in _VULNERABILITIES},
    "suspect_alcohol_use": "yes",
    "suspect_alcohol_use_extent": "Drinking daily, according to the family",
    "suspect_relationships": "Partner of the deceased since 2019",
    "suspect_services": "no",
    "suspect_services_details": None,
    "suspect_abuse": "yes",
    "suspect_abuse_details": "Cautioned for assaulting a previous partner in 2017",
    "suspect_mappa": "no",
    "suspect_probation": "no",
    "suspect_programme": "not_known",
    # 1.5 Others at the suspect's address.
    "suspect_household_any": "yes",
    "suspect_household": [
        {
            "name": "Pat Sample",
            "dob": None,
            "phone": "01632 960 126",
            "email": None,
            "relationship": "Lodger",
        },
    ],
    # 1.6 The relationship.
    **{f"factor_{key}": "no" for key in _FACTORS},
    "factor_coercive_control": "believed",
    "factor_physical_violence": "known",
    # 1.7 Other agencies.
    "other_agencies_any": "yes",
    "other_agencies": [
        {
            "agency": "Exampleshire Hospitals NHS Trust",
            "contact_name": "Dana Nurse",
            "phone": "01632 960 127",
            "email": "dana.nurse@nhs.net",
            "reason": "Treated the deceased in the emergency department in March 2026",
        },
        {
            "agency": "Exampleshire District Council Housing",
            "contact_name": None,
            "phone": None,
            "email": None,
            "reason": "Rehousing application by the deceased in 2025",
        },
    ],
    # 1.8 Summary.
    "summary": "The deceased was found at her home on 1 October 2026. Her partner has been "
    "charged with her murder. Police had attended the address twice in 2025.",
    # 1.9 Criteria.
    "criteria_age": "yes",
    "criteria_related": "yes",
    "criteria_household": "no",
    "criteria_suicide": "no",
    "alternative_review": None,
}


def complete_answers(**overrides: Any) -> dict[str, Any]:
    """A complete, valid set of answers to the whole referral form (a fresh copy each time)."""
    answers = copy.deepcopy(_COMPLETE)
    answers.update(overrides)
    return answers


def draft_referral(
    session: Session, partnership: Partnership, answers: dict[str, Any] | None = None
) -> Referral:
    """A draft referral of ``partnership`` (flushed, not committed) holding ``answers``."""
    referral = Referral(
        partnership_id=partnership.id,
        status=ReferralStatus.DRAFT,
        answers=complete_answers() if answers is None else answers,
        expires_at=clock.now() + timedelta(days=28),
    )
    session.add(referral)
    session.flush()
    return referral
