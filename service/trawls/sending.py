"""The officer's trawl: choose agencies and people, set the scoping period, then send.

A trawl starts as a draft on its case, with the partnership's standard trawl list and every
person on the case chosen, and the scoping period the referral decision set (N years before
the death). ``send`` copies the people, creates one request per agency with its own link and
due date, and queues one email per agency, all in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mail import outbox, policy, routing
from service import audit, clock
from service.models import (
    Agency,
    Case,
    CasePerson,
    Partnership,
    PersonRole,
    Trawl,
    TrawlPerson,
    TrawlRequest,
    TrawlStatus,
)
from service.trawls import links, messages, schedule

ROLE_LABELS = {
    PersonRole.DECEASED: "Victim",
    PersonRole.SUSPECT: "Suspect or perpetrator",
    PersonRole.VICTIM_HOUSEHOLD: "Lived at the victim's address",
    PersonRole.SUSPECT_HOUSEHOLD: "Lived at the suspect's address",
    PersonRole.OTHER: "Other",
}


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
    return list(
        session.scalars(
            select(CasePerson)
            .where(CasePerson.case_id == trawl.case_id, CasePerson.id.in_(trawl.person_ids))
            .order_by(CasePerson.position, CasePerson.id)
        )
    )


def has_secure_address(partnership: Partnership, agency: Agency) -> bool:
    """True if at least one of the agency's addresses may receive case content."""
    for address in agency.secure_addresses or ():
        try:
            if policy.is_secure(partnership, policy.normalise(address)):
                return True
        except policy.InvalidAddress:
            continue
    return False


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
    case: Case, trawl: Trawl, request: TrawlRequest | None, agency: Agency, link: str | None
) -> dict:
    """What the request email says (also used for the officer's preview)."""
    return {
        "agency_name": agency.name,
        "case_reference": case.reference,
        "due_date": clock.long_date(request.due_date if request else trawl.due_date),
        "scope_from": clock.long_date(trawl.scope_from),
        "scope_to": clock.long_date(trawl.scope_to),
        "note": trawl.note,
        "link": link,
    }


def send(
    session: Session, trawl: Trawl, *, actor: str, client_address: str | None = None
) -> list[TrawlRequest]:
    """Send a draft trawl: one request, link and email per chosen agency."""
    if trawl.status is not TrawlStatus.DRAFT:
        raise SendRefused("This trawl has already been sent")
    ready = check(session, trawl)
    if ready.problems:
        raise SendRefused(ready.problems[0][1])
    case = session.get(Case, trawl.case_id)
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
    # the first chasers go (the morning after the due date): see service.summaries.delivery.
    trawl.summary_due_at = schedule.first_chaser_at(partnership, trawl.due_date)
    trawl.people = [
        TrawlPerson(
            case_person_id=p.id,
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
            next_chaser_at=schedule.first_chaser_at(partnership, trawl.due_date),
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
    agency = session.get(Agency, request.agency_id)
    url = links.issue(session, request) if new_link else links.current_url(session, request)
    if url is None:
        url = links.issue(session, request)
    try:
        outbox.queue_message(
            session,
            partnership=partnership,
            purpose=messages.REQUEST.name,
            reference=case.reference,
            agency=agency,
            context=email_context(case, request.trawl, request, agency, url),
            actor=actor,
        )
    except (routing.RoutingError, outbox.MessageRefused):
        # No usable address at all: nothing is sent; the tracker shows the link as withheld
        # until the officer adds an address and resends.
        request.link_withheld = True
