"""What `dhr demo` adds to the example partnership so a new user sees the console working: a
demo officer to sign in as, fictional outbox history (one message that failed, one held), one
open case to send a trawl from, and one case part-way through its trawl.

The part-way case is made through the service's own functions, as if it had happened over the
last few weeks (the clock is set back for each step): a trawl sent to four agencies whose due
date was the day before the last working day, so it is always just overdue; the police returned
with involvement and a chronology, then amended it; the hospital returned with involvement, and
one of its chronology entries is the same night the police recorded (a probable duplicate); the
GP practice found no trace; adult social care has not answered and was sent its first chaser on
the last working day, when the DHR officer was also sent the collated summary with what was
outstanding. A second trawl went to the ambulance service two days ago and is not yet due. A
family member gave consent (by a letter handed over by the police family liaison officer), and
the police wrote their IMR in the service (``service.demo_imr``: its chronology is in the case's
merged chronology, its two actions in the action plan) and sent it with its quality assurance
checklist (one criterion answered No, one Partially).

Everything here is fictional and marked as demo data. It is added once; later runs leave it.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from mail import outbox
from service import audit, clock, demo_imr
from service.auth import accounts
from service.consent import requests as consent_requests
from service.consent import responses as consent_responses
from service.imrs import requesting as imr_requesting
from service.imrs import submission as imr_submission
from service.models import (
    Agency,
    AuditEvent,
    Case,
    CasePerson,
    ConsentDelivery,
    InsecureRecipientAction,
    Message,
    Partnership,
    PersonRole,
    Role,
    Trawl,
    TrawlRequest,
    User,
    UserStatus,
)
from service.pdf import write_pdf
from service.referrals import decisions
from service.requests import chasing
from service.summaries import to_officer
from service.trawls import returns, sending
from service.trawls import submission as trawl_submission
from service.workdays import LONDON, Calendar, at_hour, london_date

DEMO_OFFICER = "demo.officer@exampleshire.gov.uk"
#: The officer of the Welsh example partnership (config/partnerships/dyffryn-example.yaml).
DEMO_WELSH_OFFICER = "swyddog.demo@dyffryn-example.gov.wales"
DEMO_REFERENCE = "DEMO-0001"
#: Who opened the demo case, in its audit event: how a later run knows it is there.
DEMO_ACTOR = "demo"
DEMO_ADDRESS = "7 Example Street\nExampletown\nEX1 3CD"
#: The demo case's people: a victim, the suspect and the victim's son. All invented.
DEMO_PEOPLE = (
    dict(role=PersonRole.DECEASED, name="Morgan Example", date_of_birth=dt.date(1984, 2, 9),
         address=DEMO_ADDRESS, relationship_to_victim=None),
    dict(role=PersonRole.SUSPECT, name="Casey Sample", date_of_birth=dt.date(1981, 11, 23),
         address="22 Sample Road\nExampletown\nEX2 4EF", relationship_to_victim="Partner"),
    dict(role=PersonRole.VICTIM_HOUSEHOLD, name="Riley Example",
         date_of_birth=dt.date(2017, 6, 30), address=DEMO_ADDRESS, relationship_to_victim="Son"),
)  # fmt: skip


def ensure_officer(
    session: Session, partnership: Partnership, email: str = DEMO_OFFICER
) -> tuple[User, str | None]:
    """The partnership's demo officer, and a set-up link if they have not set up their account
    yet."""
    user = session.scalar(
        select(User).where(User.partnership_id == partnership.id, User.email == email)
    )
    if user is None:
        user, link = accounts.create_user(
            session, partnership, email=email, role=Role.OFFICER, name="Demo Officer",
            actor="demo",
        )  # fmt: skip
        return user, link
    if user.status is UserStatus.INVITED:
        return user, accounts.new_setup_link(session, user, actor="demo")
    return user, None


def seed_outbox(session: Session, partnership: Partnership) -> None:
    """A delivery that failed and a message held for a decision, as the officer would meet them."""
    if session.scalar(select(Message.id).where(Message.reference == DEMO_REFERENCE).limit(1)):
        return
    (failed,) = outbox.queue_message(
        session,
        partnership=partnership,
        purpose="mail.test",
        reference=DEMO_REFERENCE,
        to=["old.mailbox@exampleshire.gov.uk"],
        actor="demo",
    )
    session.flush()
    # Move it through the real status changes, as a worker would after the mail server's refusal.
    now = clock.now()
    outbox.claim(session, failed.id, now)
    session.refresh(failed)
    outbox.mark_failed_attempt(
        session,
        failed,
        failed.claimed_at,
        "550 5.1.1 <old.mailbox@exampleshire.gov.uk>: mailbox unavailable (demo data)",
        permanent=True,
    )
    action = partnership.insecure_recipient_action
    partnership.insecure_recipient_action = InsecureRecipientAction.HOLD
    outbox.queue_message(
        session,
        partnership=partnership,
        purpose="mail.test",
        reference=DEMO_REFERENCE,
        to=["safeguarding@exampleshire-recovery.org.uk"],
        actor="demo",
    )
    partnership.insecure_recipient_action = action


def ensure_case(session: Session, partnership: Partnership) -> Case | None:
    """One open case, as if opened from a referral that met the criteria, so the officer can
    send a trawl from the console at once. Added on the first run; later runs find it."""
    opened = session.scalar(
        select(AuditEvent.object_id)
        .where(
            AuditEvent.action == "case.opened",
            AuditEvent.actor == DEMO_ACTOR,
            AuditEvent.partnership_id == partnership.id,
        )
        .limit(1)
    )
    if opened:
        return session.get(Case, int(opened))
    case = Case(
        partnership_id=partnership.id,
        reference=decisions.next_case_reference(
            session, partnership, london_date(clock.now()).year
        ),
        date_of_death=dt.date(2026, 8, 14),
        trawl_years=5,
    )
    case.people = [CasePerson(position=i, **p) for i, p in enumerate(DEMO_PEOPLE)]
    session.add(case)
    session.flush()
    audit.record(
        session,
        "case.opened",
        actor=DEMO_ACTOR,
        partnership_id=partnership.id,
        object_type="case",
        object_id=case.id,
        case_id=case.id,
    )
    return case


# --- the case part-way through its trawl -------------------------------------------------------

#: Who opened the part-way case, in its audit event: how a later run knows it is there.
PARTWAY_ACTOR = "demo-partway"
PARTWAY_ADDRESS = "3 Sample Close\nExampletown\nEX4 5GH"
#: The part-way case's people. All invented.
PARTWAY_PEOPLE = (
    dict(role=PersonRole.DECEASED, name="Jordan Example", date_of_birth=dt.date(1979, 5, 3),
         address=PARTWAY_ADDRESS, relationship_to_victim=None),
    dict(role=PersonRole.SUSPECT, name="Alex Sample", date_of_birth=dt.date(1976, 1, 17),
         address=PARTWAY_ADDRESS, relationship_to_victim="Husband"),
    dict(role=PersonRole.VICTIM_HOUSEHOLD, name="Sky Example", date_of_birth=dt.date(2011, 9, 8),
         address=PARTWAY_ADDRESS, relationship_to_victim="Daughter"),
)  # fmt: skip
#: The first trawl's agencies (the example partnership's keys), and the later one's.
PARTWAY_AGENCIES = ("police", "acute-trust", "gp", "adult-social-care")
LATER_AGENCY = "ambulance"
DEMO_NOTE = "Demo data: everything in this trawl is fictional."


def _moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """``hour``:``minute`` London time on ``day``, as UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(dt.UTC)


def _demo_pdf(title: str, *paragraphs: str) -> bytes:
    """A small fictional document, marked as demo data."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return write_pdf(
        f"<html><head><meta charset='utf-8'><title>{escape(title)}</title></head><body>"
        f"<p><strong>OFFICIAL-SENSITIVE</strong> (demo data: fictional)</p>"
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )


def _person(nature: str, first: dt.date, last: dt.date, **more: str) -> dict:
    answer = {
        "involvement": "yes",
        "nature": nature,
        "first_contact": first.isoformat(),
        "last_contact": last.isoformat(),
        "services": "Safety planning; referral to the domestic abuse service.",
        "dash_risk": "high",
        "marac": "yes",
        "risk_other": "Recent separation; threats to kill.",
        "records_secured": "yes",
    }
    answer.update(more)
    return answer


def _answers(trawl: Trawl, people: dict[int, dict], *, systems: str, chronology: list[dict],
             completed_by: dict) -> dict:  # fmt: skip
    """A whole return: ``people`` by position in the trawl, everyone else "no trace"."""
    return {
        "people": {
            str(p.id): people.get(i, {"involvement": "no_trace"})
            for i, p in enumerate(trawl.people)
        },
        "systems_checked": systems,
        "chronology": chronology,
        "completed_by": completed_by,
        "declaration": True,
        "dates_confirmed": True,
    }


def _entry(trawl: Trawl, person: int, day: dt.date, **fields: str | None) -> dict:
    row = {"date": day.isoformat(), "time": None, "source": "Case record", "professional": None,
           "outcome": None}  # fmt: skip
    row.update(fields)
    row["contact_with"] = str(trawl.people[person].id)
    return row


def _return(session: Session, request: TrawlRequest, answers: dict, at: dt.datetime) -> None:
    """The agency saves its answers and sends them, as the return form does."""
    with clock.frozen_at(at):
        returns.save_draft(session, request, answers)
        session.flush()
        trawl_submission.send(session, request, answers)
    session.flush()


def _send_trawl(session: Session, case: Case, partnership: Partnership, keys: tuple[str, ...],
                at: dt.datetime) -> Trawl:  # fmt: skip
    with clock.frozen_at(at):
        trawl = sending.start(session, case, created_by=None)
        trawl.agency_ids = list(
            session.scalars(
                select(Agency.id).where(
                    Agency.partnership_id == partnership.id, Agency.key.in_(keys)
                )
            )
        )
        trawl.note = DEMO_NOTE
        sending.send(session, trawl, actor=DEMO_ACTOR)
    session.flush()
    return trawl


def ensure_partway_case(session: Session, partnership: Partnership) -> Case | None:
    """The case part-way through its trawl (see the module's docstring). Added on the first
    run, with dates counted back from today; later runs find it."""
    opened = session.scalar(
        select(AuditEvent.object_id)
        .where(
            AuditEvent.action == "case.opened",
            AuditEvent.actor == PARTWAY_ACTOR,
            AuditEvent.partnership_id == partnership.id,
        )
        .limit(1)
    )
    if opened:
        return session.get(Case, int(opened))
    today = london_date(clock.now())
    calendar = Calendar.of(partnership)
    # The first chaser (and the due-date summary) went at the dispatch hour on the last working
    # day before today: the trawl was due the day before that.
    chased_on = calendar.add(today, -1)
    chased_at = at_hour(chased_on, partnership.dispatch_hour)
    due = chased_on - dt.timedelta(days=1)
    sent_on = due - dt.timedelta(days=partnership.trawl_response_days)
    sent_at = _moment(sent_on, 10)
    death = sent_on - dt.timedelta(days=40)

    with clock.frozen_at(_moment(sent_on - dt.timedelta(days=7), 15)):
        case = Case(
            partnership_id=partnership.id,
            reference=decisions.next_case_reference(session, partnership, today.year),
            date_of_death=death,
            trawl_years=5,
        )
        case.people = [CasePerson(position=i, **p) for i, p in enumerate(PARTWAY_PEOPLE)]
        session.add(case)
        session.flush()
        audit.record(
            session, "case.opened", actor=PARTWAY_ACTOR, partnership_id=partnership.id,
            object_type="case", object_id=case.id, case_id=case.id, demo=True,
        )  # fmt: skip

    trawl = _send_trawl(session, case, partnership, PARTWAY_AGENCIES, sent_at)
    by_key = {r.agency.key: r for r in trawl.requests}
    night = death - dt.timedelta(days=150)
    police_people = {
        0: _person("Attended two reports of shouting at the family home.", night,
                   death - dt.timedelta(days=60)),
        1: _person("Arrested for assault after the March call-out; bailed with conditions.",
                   night, night + dt.timedelta(days=1), risk_other="Breached bail twice."),
    }  # fmt: skip
    police_night = _entry(
        trawl, 0, night, time="23:10", source="Command and control log", professional="PC 1234",
        event="Officers attended after neighbours reported shouting; she had a cut lip and "
        "said her husband had pushed her.",
        outcome="Husband arrested; DASH completed, high risk; referral to MARAC.",
    )  # fmt: skip
    police_by = {"name": "Robin Records", "role": "Public protection unit",
                 "email": "robin.records@example.police.uk", "phone": "01632 960 101"}  # fmt: skip
    first_police = _answers(trawl, {0: police_people[0]}, systems="Niche RMS and command logs",
                            chronology=[police_night], completed_by=police_by)  # fmt: skip
    _return(session, by_key["police"], first_police, _moment(sent_on + dt.timedelta(days=2), 11))
    _return(
        session, by_key["acute-trust"],
        _answers(
            trawl,
            {0: _person("Emergency department attendance with a facial injury.", night, night,
                        dash_risk="not_known", marac="not_known", risk_other="")},
            systems="Emergency department system and safeguarding referrals",
            chronology=[
                _entry(trawl, 0, night, source="Emergency department record",
                       professional="Staff nurse K",
                       event="Brought in by police after neighbours reported shouting at "
                       "the house; cut lip treated. She said her husband had pushed her.",
                       outcome="Discharged home; safeguarding referral made."),
                _entry(trawl, 0, death - dt.timedelta(days=20), time="14:30",
                       source="Fracture clinic letter",
                       event="Follow-up appointment for a wrist injury; did not attend."),
            ],
            completed_by={"name": "Harper Nurse", "role": "Named nurse for safeguarding",
                          "email": "harper.nurse@nhs.net", "phone": "01632 960 102"},
        ),
        _moment(sent_on + dt.timedelta(days=3), 15),
    )  # fmt: skip
    _return(
        session, by_key["gp"],
        _answers(trawl, {}, systems="EMIS Web", chronology=[],
                 completed_by={"name": "Drew Practice", "role": "Practice manager",
                               "email": "riverside.practice.exampleshire@nhs.net",
                               "phone": "01632 960 103"}),
        _moment(sent_on + dt.timedelta(days=4), 9, 30),
    )  # fmt: skip
    amended = _answers(
        trawl, police_people, systems="Niche RMS, command logs and the PNC",
        chronology=[police_night, _entry(
            trawl, 1, night + dt.timedelta(days=1), time="09:30", source="Custody record",
            event="Interviewed under caution and bailed with conditions.",
            outcome="Bail conditions: not to contact his wife.")],
        completed_by=police_by,
    )  # fmt: skip
    _return(session, by_key["police"], amended, _moment(sent_on + dt.timedelta(days=7), 10))

    # Adult social care has not answered: its first chaser, and the officer's summary with what
    # is outstanding, went on the last working day.
    with clock.frozen_at(chased_at):
        chasing.chase(sending.TRAWL, session, by_key["adult-social-care"], chased_at)
        session.flush()
        session.refresh(trawl)
        to_officer.send_to_officer(session, trawl, to_officer.DUE_DATE, chased_at)
    session.flush()

    _consent_given(session, case, at=_moment(sent_on + dt.timedelta(days=1), 12))
    _imr_submitted(session, case, partnership, asked=_moment(sent_on + dt.timedelta(days=5), 11),
                   sent=_moment(chased_on - dt.timedelta(days=1), 16), night=night)  # fmt: skip
    # Two days ago the police's return mentioned an ambulance call-out: a second trawl, not
    # yet due.
    _send_trawl(session, case, partnership, (LATER_AGENCY,),
                _moment(today - dt.timedelta(days=2), 10))  # fmt: skip
    return case


def _consent_given(session: Session, case: Case, *, at: dt.datetime) -> None:
    """The victim's sister, asked by letter, gave consent for both."""
    with clock.frozen_at(at):
        request = consent_requests.create(
            session, case,
            consent_requests.NewRequest(
                name="Charlie Example", relationship_to_victim="Sister",
                delivery=ConsentDelivery.LETTER, email=None, ask_about_suspect=True,
            ),
            created_by=None, actor=DEMO_ACTOR,
        )  # fmt: skip
        session.flush()
    with clock.frozen_at(at + dt.timedelta(days=2)):
        consent_responses.record(
            session, request, victim_information=True, suspect_information=True,
            signed_name="Charlie Example", signed_on=london_date(clock.now()),
        )  # fmt: skip
    session.flush()


#: The police's QA checklist: every criterion met but two.
IMR_CHECKLIST = {
    "agency": "Exampleshire Police",
    "completed_by": {"name": "Quinn Assurance", "email": "quinn.assurance@example.police.uk",
                     "phone": "01632 960 321"},
    "anonymised": {"victim_initials": "J.E.", "victim": "JE, 47, White British",
                   "perpetrator_initials": "A.S.",
                   "perpetrator": "AS, 50, White British, husband of JE",
                   "others": "SE, 15, daughter of JE"},
    "criteria": {str(n): {"answer": "yes", "comment": None} for n in range(1, 16)} | {
        "3": {"answer": "no", "comment": "Legal advice was not sought before the report was "
                                         "finalised."},
        "13": {"answer": "partially", "comment": "The research cited is more than ten years "
                                                 "old."},
    },
    "signed_name": "Quinn Assurance",
    "role": "Detective Superintendent, Public Protection",
}  # fmt: skip


def _imr_submitted(session: Session, case: Case, partnership: Partnership, *, asked: dt.datetime,
                   sent: dt.datetime, night: dt.date) -> None:  # fmt: skip
    """The police were asked for their IMR, wrote it in the service and sent it with the QA
    checklist."""
    today = london_date(clock.now())
    demo_imr.set_terms(session, case, actor=DEMO_ACTOR)
    police = session.scalar(
        select(Agency).where(Agency.partnership_id == partnership.id, Agency.key == "police")
    )
    with clock.frozen_at(asked):
        request = imr_requesting.send(
            session, case, police, due_date=london_date(asked) + dt.timedelta(days=42),
            filename="Terms of reference (demo).pdf",
            data=_demo_pdf("Terms of reference", f"Domestic Homicide Review {case.reference}.",
                           "Agencies are asked to review their involvement over five years."),
            note=DEMO_NOTE, created_by=None, actor=DEMO_ACTOR,
        )  # fmt: skip
        session.flush()
    with clock.frozen_at(sent):
        demo_imr.write(session, request, case, night=night, death=case.date_of_death,
                       today=today)  # fmt: skip
        checklist = dict(IMR_CHECKLIST, signed_on=london_date(sent).isoformat())
        imr_submission.save_checklist(session, request, checklist)
        session.flush()
        imr_submission.submit(session, request, is_final=False)
    session.flush()
