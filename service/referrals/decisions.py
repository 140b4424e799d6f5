"""The officer's side of a referral: recording the decision (sections 2 and 3 of the form), and
opening a case from a referral that meets the criteria.

    submitted ──decision "no"──▶ not accepted
        │
        └──decision "yes"──▶ submitted (decided) ──open_case──▶ accepted, with its case

A decision can be corrected until a case is opened; after that, only the details can change,
not whether it met the criteria. No Flask here: the console views call these functions inside
their transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mail import routing
from service import audit, clock
from service.models import Case, CasePerson, Partnership, PersonRole, Referral, ReferralStatus
from service.reviews import notifications, timescales
from service.trawls import initial

#: The officer is reminded this long before a decision is due.
REMINDER_BEFORE = dt.timedelta(days=7)

DUE_MESSAGE = routing.purpose(
    "referral.decision_due",
    title="Referral decision due in 7 days",
    template="referral_decision_due",
    audience="inbox:dhr_officer",
)
OVERDUE_MESSAGE = routing.purpose(
    "referral.decision_overdue",
    title="Referral decision overdue",
    template="referral_decision_overdue",
    audience="inbox:dhr_officer",
)

#: The fields of sections 2 and 3, as stored on the referral.
DECISION_FIELDS = (
    "meets_criteria",
    "relevant_people",
    "trawl_years",
    "date_received",
    "date_considered",
    "recommendation",
    "date_notified_chair",
    "date_notified_home_office",
)

DECIDABLE = (ReferralStatus.SUBMITTED, ReferralStatus.ACCEPTED, ReferralStatus.NOT_ACCEPTED)


class DecisionRefused(ValueError):
    """Why the decision cannot be recorded or the case opened; safe to show to the officer."""


def is_decided(referral: Referral) -> bool:
    return referral.decided_at is not None


def awaiting_case(referral: Referral) -> bool:
    """Decided to meet the criteria, and no case opened from it yet."""
    return (
        referral.status is ReferralStatus.SUBMITTED
        and referral.meets_criteria == "yes"
        and referral.case_id is None
    )


def is_overdue(referral: Referral, now: dt.datetime | None = None) -> bool:
    """Still waiting for a decision after it was due."""
    due = clock.as_utc(referral.decision_due_at)
    return (
        referral.status is ReferralStatus.SUBMITTED
        and referral.decided_at is None
        and due is not None
        and due <= (now or clock.now())
    )


def record_decision(
    session: Session,
    referral: Referral,
    *,
    meets_criteria: str | None,
    relevant_people: str | None,
    trawl_years: int | None,
    date_received: dt.date | None,
    date_considered: dt.date | None,
    recommendation: str | None,
    date_notified_chair: dt.date | None,
    date_notified_home_office: dt.date | None,
    actor: str,
    client_address: str | None = None,
) -> list[str]:
    """Store sections 2 and 3 on a submitted (or already decided) referral; the names of the
    fields that changed.

    With ``meets_criteria`` "no" the referral is not accepted; with "yes" it stays submitted
    until a case is opened from it. Left empty, nothing is decided yet (the officer may record
    the date received first).
    """
    if referral.status not in DECIDABLE:
        raise DecisionRefused("This referral has not been submitted")
    if meets_criteria not in (None, "yes", "no"):
        raise DecisionRefused("Select yes if the case meets the criteria for a review")
    if trawl_years is not None and not 1 <= trawl_years <= 20:
        raise DecisionRefused("The number of years must be between 1 and 20")
    if referral.case_id is not None and meets_criteria != "yes":
        raise DecisionRefused(
            "A case has been opened from this referral, so it must stay as meeting the criteria"
        )
    values: dict[str, Any] = {
        "meets_criteria": meets_criteria,
        "relevant_people": (relevant_people or "").strip() or None,
        "trawl_years": trawl_years,
        "date_received": date_received,
        "date_considered": date_considered,
        "recommendation": (recommendation or "").strip() or None,
        "date_notified_chair": date_notified_chair,
        "date_notified_home_office": date_notified_home_office,
    }
    partnership = session.get(Partnership, referral.partnership_id)
    # Correcting the date received moves the one-month deadline (and its reminders).
    timescales.move_decision_deadline(referral, partnership, date_received)
    changed = [name for name in DECISION_FIELDS if getattr(referral, name) != values[name]]
    for name in changed:
        setattr(referral, name, values[name])
    if "meets_criteria" in changed or (meets_criteria and referral.decided_at is None):
        referral.decided_at = clock.now() if meets_criteria else None
    if referral.case_id is None:
        referral.status = (
            ReferralStatus.NOT_ACCEPTED if meets_criteria == "no" else ReferralStatus.SUBMITTED
        )
    audit.record(
        session,
        "referral.decision_recorded",
        actor=actor,
        partnership_id=referral.partnership_id,
        object_type="referral",
        object_id=referral.id,
        client_address=client_address,
        case_id=referral.case_id,
        changed=changed,
        status=referral.status.value,
    )
    if referral.status is ReferralStatus.NOT_ACCEPTED:
        initial.stop_chasing(session, referral)  # no review: its information is not chased
    # Who must now be told, and by when.
    notifications.on_decision(session, referral, actor=actor, client_address=client_address)
    return changed


# --- opening the case -------------------------------------------------------------------------


def submission_year(referral: Referral) -> int:
    moment = clock.as_utc(referral.submitted_at or referral.created_at) or clock.now()
    return moment.astimezone(clock.LONDON).year


def next_case_reference(session: Session, partnership: Partnership, year: int) -> str:
    """``<PREFIX>-DHR-<year>-<NN>``: the partnership's next number for the year, from 01."""
    stem = f"{partnership.case_prefix}-DHR-{year}-"
    taken = session.scalars(
        select(Case.reference).where(
            Case.partnership_id == partnership.id, Case.reference.startswith(stem, autoescape=True)
        )
    )
    numbers = [int(r[len(stem) :]) for r in taken if r[len(stem) :].isdigit()]
    return f"{stem}{max(numbers, default=0) + 1:02d}"


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value not in (None, "") else None


def people_of(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The people a referral names, in order: the deceased, the suspect, then those living at
    the victim's address and at the suspect's address. Each a dict of ``CasePerson`` fields."""
    people: list[dict[str, Any]] = []
    for role, prefix in ((PersonRole.DECEASED, "deceased"), (PersonRole.SUSPECT, "suspect")):
        name = _text(answers.get(f"{prefix}_name"))
        if name:
            people.append(
                {
                    "role": role,
                    "name": name,
                    "date_of_birth": _date(answers.get(f"{prefix}_dob")),
                    "address": _text(answers.get(f"{prefix}_address")),
                    "relationship_to_victim": None,
                    "contact": None,
                }
            )
    households = (
        (PersonRole.VICTIM_HOUSEHOLD, "victim_household", "deceased_address"),
        (PersonRole.SUSPECT_HOUSEHOLD, "suspect_household", "suspect_address"),
    )
    for role, group, address in households:
        for item in answers.get(group) or []:
            name = _text(item.get("name"))
            if not name:
                continue
            contact = [_text(item.get(k)) for k in ("phone", "email")]
            people.append(
                {
                    "role": role,
                    "name": name,
                    "date_of_birth": _date(item.get("dob")),
                    # They lived at the victim's (or the suspect's) address.
                    "address": _text(answers.get(address)),
                    "relationship_to_victim": _text(item.get("relationship")),
                    "contact": ", ".join(c for c in contact if c) or None,
                }
            )
    return people


def relevant_people_text(answers: dict[str, Any]) -> str:
    """The names the form offers for "relevant people": one a line."""
    return "\n".join(p["name"] for p in people_of(answers))


def open_case(
    session: Session, referral: Referral, *, actor: str, client_address: str | None = None
) -> Case:
    """Open the case for a referral decided to meet the criteria; the referral is accepted.

    The case gets the next reference for the partnership and the year of submission, the date
    of death, the years to trawl, and the people the referral names. If two officers open it
    at once, one gets DecisionRefused; if two cases take the same number at once, the database
    refuses the second (IntegrityError), and the caller may try again.
    """
    if referral.case_id is not None:
        raise DecisionRefused("A case has already been opened from this referral")
    if referral.status is not ReferralStatus.SUBMITTED or referral.meets_criteria != "yes":
        raise DecisionRefused(
            "Record a decision that the referral meets the criteria before opening a case"
        )
    partnership = session.get(Partnership, referral.partnership_id)
    answers = referral.answers or {}
    case = Case(
        partnership_id=partnership.id,
        reference=next_case_reference(session, partnership, submission_year(referral)),
        date_of_death=_date(answers.get("deceased_date_of_death")),
        trawl_years=referral.trawl_years,
    )
    case.people = [CasePerson(position=i, **p) for i, p in enumerate(people_of(answers))]
    session.add(case)
    session.flush()
    # Only one caller links the referral: the other finds it already taken.
    linked = session.execute(
        update(Referral)
        .where(
            Referral.id == referral.id,
            Referral.case_id.is_(None),
            Referral.status == ReferralStatus.SUBMITTED,
        )
        .values(case_id=case.id, status=ReferralStatus.ACCEPTED, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if linked.rowcount != 1:
        raise DecisionRefused("A case has already been opened from this referral")
    session.refresh(referral)
    notifications.link_case(session, referral, case)
    initial.link_case(session, referral, case)  # its initial information requests
    audit.record(
        session,
        "case.opened",
        actor=actor,
        partnership_id=partnership.id,
        object_type="case",
        object_id=case.id,
        client_address=client_address,
        case_id=case.id,
        referral_id=referral.id,
    )
    audit.record(
        session,
        "referral.accepted",
        actor=actor,
        partnership_id=partnership.id,
        object_type="referral",
        object_id=referral.id,
        client_address=client_address,
        case_id=case.id,
    )
    return case
