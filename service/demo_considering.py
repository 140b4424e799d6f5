"""What `dhr demo` adds before a decision: a referral the partnership is still considering,
with its initial information request (the Greater Manchester guidance, Appendix 1), so the
decision page shows what the agencies asked have returned.

Made through the service's own functions as if over the last fortnight: the referral arrived ten
days ago; eight days ago the DHR officer asked three agencies what they hold and invited them to
the scoping meeting; the police answered three days later with a short involvement and named
who will represent them; the GP practice and children's social care have not answered, and
their replies are not yet due.

Everything here is fictional. It is added once; later runs leave it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import clock
from service.demo_data import DEMO_NOTE
from service.models import Agency, AuditEvent, Partnership, Referral, ReferralStatus, Trawl
from service.referrals import submission
from service.trawls import initial, returns, sending
from service.trawls import submission as trawl_submission
from service.workdays import LONDON, Calendar, london_date

#: Who sent the initial request, in its audit event: how a later run knows it is there.
ACTOR = "demo-considering"
#: The agencies asked (the example partnership's keys); the first has answered.
AGENCIES = ("police", "gp", "childrens-social-care")
ADDRESS = "9 Example Lane\nExampletown\nEX3 6JK"


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).astimezone(dt.UTC)


def _answers(received: dt.date, death: dt.date) -> dict:
    """The referral's answers (all invented)."""
    signed = (received - dt.timedelta(days=1)).isoformat()
    return {
        "referrer_name": "Sam Referrer", "referrer_agency": "Exampleshire Police",
        "referrer_job_title": "Detective Sergeant", "referrer_phone": "01632 960 131",
        "referrer_email": "sam.referrer@example.police.uk", "referrer_date": signed,
        "lead_name": "Lee Lead", "lead_agency": "Exampleshire Police",
        "lead_job_title": "Safeguarding lead", "lead_phone": "01632 960 112",
        "lead_email": "lee.lead@example.police.uk", "lead_date": received.isoformat(),
        "deceased_name": "Taylor Example", "deceased_dob": "1990-04-12",
        "deceased_date_of_death": death.isoformat(), "deceased_address": ADDRESS,
        "suspect_name": "Jamie Sample", "suspect_dob": "1988-12-02",
        "suspect_address": ADDRESS,
        "victim_household_any": "no", "victim_household": [],
        "suspect_household_any": "no", "suspect_household": [],
        "other_agencies_any": "no", "other_agencies": [],
        "summary": "Demo data: a fictional death at home; her partner has been charged.",
        "criteria_age": "yes", "criteria_related": "yes", "criteria_household": "yes",
        "criteria_suicide": "no",
        "referrer_signature": "Sam Referrer", "referrer_signed_on": signed,
        "lead_signature": "Lee Lead", "lead_signed_on": received.isoformat(),
    }  # fmt: skip


def _police_answers(trawl: Trawl, death: dt.date) -> dict:
    """The police's return: one call-out to the couple's home, nothing else (all invented)."""
    victim, suspect = trawl.people
    call_out = death - dt.timedelta(days=200)
    return {
        "people": {
            str(victim.id): {
                "involvement": "yes",
                "nature": "One call-out after a neighbour heard an argument; no offence recorded.",
                "first_contact": call_out.isoformat(), "last_contact": call_out.isoformat(),
                "services": "Given the domestic abuse service's details.",
                "dash_risk": "standard", "marac": "no", "risk_other": "",
                "records_secured": "yes",
            },
            str(suspect.id): {"involvement": "no_trace"},
        },
        "systems_checked": "Niche RMS and command logs",
        "chronology": [],
        "completed_by": {"name": "Robin Records", "role": "Public protection unit",
                         "email": "robin.records@example.police.uk", "phone": "01632 960 101"},
        "representative": {"name": "Robin Records", "role": "Public protection unit"},
        "declaration": True,
        "dates_confirmed": True,
    }  # fmt: skip


def ensure_considering(session: Session, partnership: Partnership) -> Referral:
    """The referral awaiting its decision and its initial request (see the module's
    docstring). Added on the first run, with dates counted back from today; later runs find
    it."""
    sent = session.scalar(
        select(AuditEvent.object_id)
        .where(
            AuditEvent.action == "trawl.sent",
            AuditEvent.actor == ACTOR,
            AuditEvent.partnership_id == partnership.id,
        )
        .limit(1)
    )
    if sent:
        return session.get(Referral, session.get(Trawl, int(sent)).referral_id)
    today = london_date(clock.now())
    received = today - dt.timedelta(days=10)
    death = received - dt.timedelta(days=6)
    referral = Referral(
        partnership_id=partnership.id,
        status=ReferralStatus.SUBMITTED,
        reference=submission.new_reference(session),
        answers=_answers(received, death),
        created_at=_moment(received, 9),
        submitted_at=_moment(received, 10),
        decision_due_at=_moment(received, 10) + dt.timedelta(days=partnership.decision_days),
    )
    session.add(referral)
    session.flush()
    asked_on = today - dt.timedelta(days=8)
    with clock.frozen_at(_moment(asked_on, 11)):
        trawl = initial.start(session, referral, created_by=None)
        trawl.agency_ids = list(
            session.scalars(
                select(Agency.id).where(
                    Agency.partnership_id == partnership.id, Agency.key.in_(AGENCIES)
                )
            )
        )
        trawl.scope_from = dt.date(death.year - 5, death.month, 1)
        trawl.note = DEMO_NOTE
        trawl.meeting_date = Calendar.of(partnership).add(today, 5)
        trawl.meeting_time = "10am to 12 noon"
        trawl.meeting_place = "Room 2, Exampleshire Town Hall"
        sending.send(session, trawl, actor=ACTOR)
    session.flush()
    police = next(r for r in trawl.requests if r.agency.key == AGENCIES[0])
    answers = _police_answers(trawl, death)
    # The police save their answers and send them, as the return form does.
    with clock.frozen_at(_moment(asked_on + dt.timedelta(days=3), 14)):
        returns.save_draft(session, police, answers)
        session.flush()
        trawl_submission.send(session, police, answers)
    session.flush()
    return referral
