"""The officer's trawl: choose agencies and people, set the scoping period, then send.

A trawl starts as a draft on its case, with the partnership's standard trawl list and every
person on the case chosen, and the scoping period the referral decision set (N years before
the death). ``send`` copies the people, creates one request per agency with its own link and
due date, and queues one email per agency, all in the caller's transaction.

``TRAWL`` is the trawl request as a kind of agency request (``service.requests``): the kernel
delivers it and chases it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mail import routing
from service import audit, clock, runtime
from service.models import (
    Agency,
    Case,
    CasePerson,
    ExtensionStatus,
    Partnership,
    PersonRole,
    Trawl,
    TrawlExtension,
    TrawlPerson,
    TrawlRequest,
    TrawlStatus,
)
from service.requests import delivery, kinds
from service.requests.delivery import has_secure_address
from service.trawls import initial, links, messages, schedule
from service.workdays import london_date

__all__ = [
    "TRAWL",
    "Readiness",
    "SendRefused",
    "check",
    "chosen_agencies",
    "chosen_people",
    "deliver_request",
    "email_context",
    "has_secure_address",
    "language_of",
    "role_text",
    "send",
    "start",
]

ROLE_LABELS = {
    PersonRole.DECEASED: "Victim",
    PersonRole.SUSPECT: "Suspect or perpetrator",
    PersonRole.VICTIM_HOUSEHOLD: "Lived at the victim's address",
    PersonRole.SUSPECT_HOUSEHOLD: "Lived at the suspect's address",
    PersonRole.OTHER: "Other",
}


def role_text(person: CasePerson) -> str:
    """ "Suspect or perpetrator (Partner)"; someone added later by their relationship alone."""
    label = ROLE_LABELS.get(person.role, str(person.role))
    relation = person.relationship_to_victim
    if not relation:
        return label
    return relation if person.role is PersonRole.OTHER else f"{label} ({relation})"


class SendRefused(ValueError):
    """Why the trawl cannot be sent; safe to show to the officer."""


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def start(session: Session, case: Case, *, created_by: int | None) -> Trawl:
    """A new draft trawl for ``case`` with the defaults filled in."""
    standard = session.scalars(
        select(Agency.id)
        .where(Agency.partnership_id == case.partnership_id, Agency.on_standard_trawl_list)
        .order_by(Agency.name)
    ).all()
    scope_to = case.date_of_death
    scope_from = (
        _years_before(scope_to, case.trawl_years) if scope_to and case.trawl_years else None
    )
    trawl = Trawl(
        partnership_id=case.partnership_id,
        case_id=case.id,
        status=TrawlStatus.DRAFT,
        agency_ids=list(standard),
        person_ids=[p.id for p in case.people],
        scope_from=scope_from,
        scope_to=scope_to,
        created_by=created_by,
    )
    session.add(trawl)
    session.flush()
    return trawl


def chosen_agencies(session: Session, trawl: Trawl) -> list[Agency]:
    if not trawl.agency_ids:
        return []
    return list(
        session.scalars(
            select(Agency)
            .where(Agency.partnership_id == trawl.partnership_id, Agency.id.in_(trawl.agency_ids))
            .order_by(Agency.name)
        )
    )


def chosen_people(session: Session, trawl: Trawl) -> list[CasePerson]:
    if not trawl.person_ids:
        return []
    if trawl.case_id is None:  # an initial request: the referral's people
        return initial.chosen_people(session, trawl)
    return list(
        session.scalars(
            select(CasePerson)
            .where(CasePerson.case_id == trawl.case_id, CasePerson.id.in_(trawl.person_ids))
            .order_by(CasePerson.position, CasePerson.id)
        )
    )


@dataclass
class Readiness:
    problems: list[tuple[str, str]]  # (field id, message) for the error summary
    insecure: list[Agency]  # chosen agencies that will get a notice, not the link


def check(session: Session, trawl: Trawl) -> Readiness:
    partnership = session.get(Partnership, trawl.partnership_id)
    agencies = chosen_agencies(session, trawl)
    problems = []
    if not agencies:
        problems.append(("agencies", "Select at least one agency"))
    if not chosen_people(session, trawl):
        problems.append(("people", "Select at least one person for agencies to search for"))
    if trawl.scope_from is None or trawl.scope_to is None:
        problems.append(("scope_from", "Enter the scoping period"))
    elif trawl.scope_from > trawl.scope_to:
        problems.append(("scope_from", "The start of the scoping period must be before its end"))
    insecure = [a for a in agencies if not has_secure_address(partnership, a)]
    return Readiness(problems, insecure)


def email_context(
    case: Case,
    trawl: Trawl,
    request: TrawlRequest | None,
    agency: Agency,
    link: str | None,
    *,
    language: str = "en",
) -> dict:
    """What the request email says (also used for the officer's preview), its dates in
    ``language``: the email's own (``language_of``)."""
    return {
        "agency_name": agency.name,
        "case_reference": case.reference,
        "due_date": clock.long_date(request.due_date if request else trawl.due_date, language),
        "scope_from": clock.long_date(trawl.scope_from, language),
        "scope_to": clock.long_date(trawl.scope_to, language),
        "note": trawl.note,
        "link": link,
        # Sent while the partnership considers whether to hold a review (the initial
        # information request), or during the review.
        "considering": trawl.considering,
        "meeting_date": (
            clock.long_date(trawl.meeting_date, language) if trawl.meeting_date else None
        ),
        "meeting_time": trawl.meeting_time,
        "meeting_place": trawl.meeting_place,
    }


def request_purpose(trawl: Trawl) -> routing.Purpose:
    """The request email's purpose: the initial request has its own subject."""
    return messages.INITIAL_REQUEST if trawl.considering else messages.REQUEST


def language_of(session: Session, purpose: routing.Purpose, agency: Agency) -> str:
    """The language of the agency's email of ``purpose``: its dates are written in it too."""
    return routing.language(purpose, session.get(Partnership, agency.partnership_id), agency)


def send(
    session: Session, trawl: Trawl, *, actor: str, client_address: str | None = None
) -> list[TrawlRequest]:
    """Send a draft trawl: one request, link and email per chosen agency."""
    if trawl.status is not TrawlStatus.DRAFT:
        raise SendRefused("This trawl has already been sent")
    ready = check(session, trawl)
    if ready.problems:
        raise SendRefused(ready.problems[0][1])
    case = initial.case_of(session, trawl)
    partnership = session.get(Partnership, trawl.partnership_id)
    now = clock.now()
    # Claimed with a conditional update: of two sends at once (a double click, two officers),
    # only one finds it still a draft.
    claimed = session.execute(
        update(Trawl)
        .where(Trawl.id == trawl.id, Trawl.status == TrawlStatus.DRAFT)
        .values(status=TrawlStatus.SENT, sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise SendRefused("This trawl has already been sent")
    trawl.status = TrawlStatus.SENT
    trawl.sent_at = now
    trawl.due_date = schedule.due_date(partnership, now)
    # The collated summary goes to the DHR officer with what is still outstanding at the moment
    # the first chasers go (the morning after the due date): see service.summaries.to_officer.
    trawl.summary_due_at = schedule.first_chaser_at(partnership, trawl.due_date)
    trawl.people = [
        TrawlPerson(
            case_person_id=p.id if trawl.case_id is not None else None,
            position=i,
            name=p.name,
            date_of_birth=p.date_of_birth,
            address=p.address,
            relation=p.relationship_to_victim or ROLE_LABELS.get(p.role),
        )
        for i, p in enumerate(chosen_people(session, trawl))
    ]
    insecure = {a.id for a in ready.insecure}
    requests = []
    for agency in chosen_agencies(session, trawl):
        request = TrawlRequest(
            trawl=trawl,
            partnership_id=trawl.partnership_id,
            case_id=trawl.case_id,
            agency_id=agency.id,
            sent_at=now,
            due_date=trawl.due_date,
            link_withheld=agency.id in insecure,
            next_chaser_at=TRAWL.first_chaser_at(partnership, trawl.due_date),
            last_activity_at=now,
        )
        session.add(request)
        session.flush()
        deliver_request(session, request, partnership=partnership, case=case, actor=actor)
        requests.append(request)
    audit.record(
        session,
        "trawl.sent",
        actor=actor,
        partnership_id=trawl.partnership_id,
        object_type="trawl",
        object_id=trawl.id,
        case_id=trawl.case_id,
        client_address=client_address,
        agencies=len(requests),
        referral_id=trawl.referral_id,
        purpose=trawl.purpose.value,
    )
    return requests


def deliver_request(
    session: Session,
    request: TrawlRequest,
    *,
    partnership: Partnership,
    case: Case,
    actor: str,
    new_link: bool = True,
) -> None:
    """Queue the request email to the agency: with a new link, or resending its current one.
    An agency without a secure address gets the partnership's content-free notice instead."""
    delivery.deliver_request(
        TRAWL, session, request, partnership=partnership, case=case, actor=actor, new_link=new_link
    )


# --- the trawl request as a kind of agency request ------------------------------------------


def _letter(
    session: Session, request: TrawlRequest, case: Case, agency: Agency, link: str | None
) -> kinds.Letter:
    trawl = request.trawl
    purpose = request_purpose(trawl)
    language = language_of(session, purpose, agency)
    return kinds.Letter(
        email_context(case, trawl, request, agency, link, language=language), purpose=purpose
    )


def _extension_waiting(session: Session, request: TrawlRequest) -> bool:
    return (
        session.scalar(
            select(TrawlExtension.id)
            .where(
                TrawlExtension.request_id == request.id,
                TrawlExtension.status == ExtensionStatus.REQUESTED,
            )
            .limit(1)
        )
        is not None
    )


def _chaser_context(
    session: Session, request: TrawlRequest, case: Case, agency: Agency, number: int
) -> dict:
    """What a chaser says. It resends the agency's current link: a revoked or expired one is not
    replaced (revoking is the officer's decision), so the chaser then asks the agency to contact
    the DHR officer. While the agency's request for more time waits, the chaser says so."""
    language = language_of(session, messages.CHASER, agency)
    return {
        "agency_name": agency.name,
        "case_reference": case.reference,
        "sent_date": clock.long_date(london_date(request.sent_at), language),
        "due_date": clock.long_date(request.due_date, language),
        "link": links.current_url(session, request),
        "extension_requested": _extension_waiting(session, request),
        "chaser_number": number,
        "considering": request.trawl.considering and request.case_id is None,
    }


def _tracker_link(request: TrawlRequest) -> str:
    base = runtime.settings().SERVICE_URL.rstrip("/")
    if request.case_id is None:
        return f"{base}/console/referrals/{request.trawl.referral_id}/information"
    return f"{base}/console/cases/{request.case_id}/trawls"


#: An approved extension starts a new round of chasers (``service.trawls.extensions``), so an
#: agency that misses its new date too is escalated again.
TRAWL = kinds.register(
    kinds.RequestKind(
        name="trawl",
        model=TrawlRequest,
        object_type="trawl_request",
        links=links.LINKS,
        request=messages.REQUEST,
        chaser=messages.CHASER,
        escalation=messages.ESCALATION,
        escalation_officer=messages.ESCALATION_OFFICER,
        letter=_letter,
        chaser_context=_chaser_context,
        tracker_link=_tracker_link,
        case_of=initial.case_of,
        title="Trawl request",
        restart_due=lambda partnership, request, now: schedule.due_date(partnership, now),
        page=lambda request: f"/console/trawl-requests/{request.id}",
    )
)
