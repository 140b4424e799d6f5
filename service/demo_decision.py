"""What `dhr demo` adds after the decision on its open case, so the officer sees what has been
notified and what is due, and can download the family's letters.

The open case (``service.demo_data.ensure_case``) gets the referral it was opened from, made
through the service's own functions as if it had happened over the last few weeks: the referral
arrived five weeks ago, signed by the referrer and the safeguarding lead; the sub-group decided
to hold a review three weeks ago, which drafted the notifications with their deadline; the DHR
officer sent the Home Office's and the sub-group chair's, and the Coroner's and the partnership
chair's are still due. The victim's mother was asked for consent by a letter the police family
liaison officer handed over, so the letters to the family have someone to go to.

Everything here is fictional. It is added once; later runs leave it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import clock
from service.consent import requests as consent_requests
from service.models import (
    Case,
    ConsentDelivery,
    DecisionNotification,
    NotificationKind,
    Partnership,
    Referral,
    ReferralStatus,
)
from service.referrals import decisions, submission
from service.reviews import notifications
from service.workdays import LONDON, london_date

#: Who did what in the demo's history, in the audit trail.
ACTOR = "demo-decision"
#: The notifications the officer has sent already; the others are still due.
SENT = (NotificationKind.HOME_OFFICE, NotificationKind.SUBGROUP_CHAIR)
MOTHER = "Alex Example"


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).astimezone(dt.UTC)


def _answers(case: Case, received: dt.date) -> dict:
    """The referral's answers, from the case's people (all invented)."""
    people = {p.role.value: p for p in case.people}
    deceased, suspect = people["deceased"], people["suspect"]
    household = [p for p in case.people if p.role.value == "victim_household"]
    signed = (received - dt.timedelta(days=1)).isoformat()
    return {
        "referrer_name": "Robin Referrer", "referrer_agency": "Exampleshire Police",
        "referrer_job_title": "Detective Sergeant", "referrer_phone": "01632 960 111",
        "referrer_email": "robin.referrer@exampleshire.gov.uk", "referrer_date": signed,
        "lead_name": "Lee Lead", "lead_agency": "Exampleshire Police",
        "lead_job_title": "Safeguarding lead", "lead_phone": "01632 960 112",
        "lead_email": "lee.lead@exampleshire.gov.uk", "lead_date": received.isoformat(),
        "deceased_name": deceased.name, "deceased_dob": deceased.date_of_birth.isoformat(),
        "deceased_date_of_death": case.date_of_death.isoformat(),
        "deceased_address": deceased.address,
        "suspect_name": suspect.name, "suspect_dob": suspect.date_of_birth.isoformat(),
        "suspect_address": suspect.address,
        "victim_household_any": "yes" if household else "no",
        "victim_household": [
            {"name": p.name, "dob": p.date_of_birth.isoformat() if p.date_of_birth else None,
             "relationship": p.relationship_to_victim}
            for p in household
        ],
        "suspect_household_any": "no", "suspect_household": [],
        "other_agencies_any": "no", "other_agencies": [],
        "summary": "Demo data: a fictional death at the family home after a history of "
        "reported abuse by her partner.",
        "criteria_age": "yes", "criteria_related": "yes", "criteria_household": "yes",
        "criteria_suicide": "no",
        "referrer_signature": "Robin Referrer", "referrer_signed_on": signed,
        "lead_signature": "Lee Lead", "lead_signed_on": received.isoformat(),
    }  # fmt: skip


def ensure_decision(
    session: Session, partnership: Partnership, case: Case | None
) -> Referral | None:
    """The open case's referral, its decision and what followed (see the module's docstring).
    Added on the first run, with dates counted back from today; later runs find it."""
    if case is None:
        return None
    found = session.scalar(select(Referral).where(Referral.case_id == case.id).limit(1))
    if found is not None:
        return found
    today = london_date(clock.now())
    received = today - dt.timedelta(weeks=5)
    decided = today - dt.timedelta(weeks=3)
    referral = Referral(
        partnership_id=partnership.id,
        status=ReferralStatus.SUBMITTED,
        reference=submission.new_reference(session),
        answers=_answers(case, received),
        created_at=_moment(received, 9),
        submitted_at=_moment(received, 10),
        decision_due_at=_moment(received, 10) + dt.timedelta(days=partnership.decision_days),
    )
    session.add(referral)
    session.flush()
    with clock.frozen_at(_moment(decided, 14)):
        decisions.record_decision(
            session, referral, meets_criteria="yes",
            relevant_people="Morgan Example (the victim), Casey Sample (her partner), "
            "Riley Example (her son)",
            trawl_years=case.trawl_years or 5, date_received=received,
            date_considered=decided,
            recommendation="The death appears to have resulted from violence by her partner, "
            "with whom she lived, after reported abuse known to several agencies.",
            date_notified_chair=None, date_notified_home_office=None, actor=ACTOR,
        )  # fmt: skip
        # The case was opened before the referral was kept in the service: link them as
        # opening the case would have.
        referral.case_id = case.id
        referral.status = ReferralStatus.ACCEPTED
        notifications.link_case(session, referral, case)
        session.flush()
    _send_some(session, referral, decided)
    _family(session, case, decided)
    return referral


def _send_some(session: Session, referral: Referral, decided: dt.date) -> None:
    """The officer sent the Home Office's and the sub-group chair's notifications two days after
    the decision; the rest are still due."""
    with clock.frozen_at(_moment(decided + dt.timedelta(days=2), 11)):
        for notification in session.scalars(
            select(DecisionNotification)
            .where(
                DecisionNotification.referral_id == referral.id,
                DecisionNotification.kind.in_(SENT),
            )
            .order_by(DecisionNotification.id)
        ).all():
            notifications.send(session, notification, actor=ACTOR)
    session.flush()


def _family(session: Session, case: Case, decided: dt.date) -> None:
    """The victim's mother was asked for consent by a letter the police family liaison officer
    handed over: she is on file for the letters to the family."""
    with clock.frozen_at(_moment(decided + dt.timedelta(days=3), 10)):
        consent_requests.create(
            session, case,
            consent_requests.NewRequest(
                name=MOTHER, relationship_to_victim="Mother", delivery=ConsentDelivery.LETTER,
                email=None, ask_about_suspect=True,
            ),
            created_by=None, actor=ACTOR,
        )  # fmt: skip
    session.flush()
