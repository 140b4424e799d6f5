"""The prefilled wording of each notification of a decision, for the officer to edit.

What goes to the Home Office is what it asks for and no more (001 section 3.1.4): the decision,
the full justification, the date of death, the partnership, the chair if one is appointed, and
about the people only their initials, ages and relationship. Never a full name, a date of birth
or an address, and nothing the referrer typed about anyone apart from the officer's own reasons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from service import clock
from service.models import NotificationKind, Partnership, Referral

#: Who each notification is for, as the console names them.
RECIPIENT_NAMES = {
    NotificationKind.HOME_OFFICE: "the Home Office",
    NotificationKind.CORONER: "the Coroner",
    NotificationKind.COMMISSIONER: "the Domestic Abuse Commissioner",
    NotificationKind.SUBGROUP_CHAIR: "the chair of the DHR sub-group",
    NotificationKind.PARTNERSHIP_CHAIR: "the chair of the partnership",
}

_RELATIONSHIP = {
    "criteria_related": "related to, or in an intimate personal relationship with, the suspect",
    "criteria_household": "a member of the same household as the suspect",
    "criteria_suicide": "took their own life in circumstances that gave rise to concern",
}


@dataclass(frozen=True)
class Facts:
    """What a notification may say: worked out once from the referral and the case."""

    partnership: Partnership
    reference: str
    held: bool
    decided_on: dt.date
    date_of_death: dt.date | None
    rationale: str | None
    chair: str | None
    victim: str
    suspect: str | None
    relationship: str | None
    report_due_on: dt.date | None


def initials(name: str | None) -> str:
    """``Alex Example`` → ``A.E.``: the only part of a name a notification carries."""
    parts = [p for p in (name or "").replace("-", " ").split() if p[:1].isalpha()]
    return "".join(f"{p[0].upper()}." for p in parts) or "not known"


def _age(born: Any, on: dt.date | None) -> int | None:
    try:
        day = dt.date.fromisoformat(str(born)) if born else None
    except ValueError:
        return None
    if day is None or on is None:
        return None
    return on.year - day.year - ((on.month, on.day) < (day.month, day.day))


def _person(name: Any, born: Any, died: dt.date | None) -> str:
    age = _age(born, died)
    return initials(name) + (f", aged {age}" if age is not None else ", age not known")


def facts(
    partnership: Partnership,
    referral: Referral,
    *,
    reference: str,
    decided_on: dt.date,
    chair: str | None,
    report_due_on: dt.date | None,
) -> Facts:
    answers = referral.answers or {}
    try:
        died = dt.date.fromisoformat(str(answers.get("deceased_date_of_death")))
    except ValueError:
        died = None
    suspect = answers.get("suspect_name")
    routes = [text for key, text in _RELATIONSHIP.items() if answers.get(key) == "yes"]
    return Facts(
        partnership=partnership,
        reference=reference,
        held=referral.meets_criteria == "yes",
        decided_on=decided_on,
        date_of_death=died,
        rationale=(referral.recommendation or "").strip() or None,
        chair=chair,
        victim=_person(answers.get("deceased_name"), answers.get("deceased_dob"), died),
        suspect=_person(suspect, answers.get("suspect_dob"), died) if suspect else None,
        relationship="; ".join(routes) or None,
        report_due_on=report_due_on,
    )


def _decision(f: Facts) -> str:
    verb = "to hold" if f.held else "not to hold"
    return (
        f"{f.partnership.name} has decided {verb} a Domestic Homicide Review "
        f"(reference {f.reference}). The decision was made on {clock.long_date(f.decided_on)}."
    )


def _death(f: Facts) -> str:
    return f"Date of death: {clock.long_date(f.date_of_death) or 'not known'}"


def _reasons(f: Facts) -> str:
    return "Reasons for the decision:\n" + (
        f.rationale or "[Give the full reasons for the decision]"
    )


def _people(f: Facts) -> str:
    lines = ["About the people (initials and ages at the date of death):"]
    lines.append(f"- The person who died: {f.victim}")
    if f.suspect:
        lines.append(f"- The suspect or perpetrator: {f.suspect}")
    lines.append(
        "- Relationship: the person who died was "
        + (f.relationship or "[describe the relationship, without names]")
    )
    return "\n".join(lines)


def _chair(f: Facts) -> str:
    if not f.held:
        return ""
    if f.chair:
        return f"Chair of the review: {f.chair}"
    return "Chair of the review: not yet appointed. We will tell you who it is once appointed."


def _contact(f: Facts) -> str:
    how = [x for x in (f.partnership.contact_email, f.partnership.contact_phone) if x]
    return "If you have any questions, contact the DHR officer" + (
        f": {', '.join(how)}." if how else "."
    )


def body(kind: NotificationKind, f: Facts) -> str:
    """The prefilled text of one notification."""
    if kind is NotificationKind.HOME_OFFICE:
        parts = [
            "Notification of a decision on a Domestic Homicide Review",
            _decision(f),
            _death(f),
            _people(f),
            _reasons(f),
            _chair(f),
            (
                f"We expect the overview report by {clock.long_date(f.report_due_on)}."
                if f.held and f.report_due_on
                else ""
            ),
            _contact(f),
        ]
    elif kind is NotificationKind.CORONER:
        parts = [
            "Notification of a Domestic Homicide Review",
            _decision(f),
            _death(f),
            f"The person who died: {f.victim}",
            "The review runs alongside the inquest and any criminal proceedings, and will not "
            "speak to any witness without first agreeing it with the police and, where needed, "
            "with you.",
            _contact(f),
        ]
    elif kind is NotificationKind.COMMISSIONER:
        parts = [
            "Notification of a decision on a Domestic Homicide Review",
            _decision(f),
            _death(f),
            _reasons(f),
            _contact(f),
        ]
    else:
        parts = [
            "The decision on a referral for a Domestic Homicide Review",
            _decision(f),
            _death(f),
            _reasons(f),
            _chair(f),
            (
                f"The overview report is due by {clock.long_date(f.report_due_on)}."
                if f.held and f.report_due_on
                else ""
            ),
            "The Home Office is being told of the decision within the month.",
        ]
    return "\n\n".join(p for p in parts if p)
