"""The initial information request: a trawl sent from a referral while the partnership
considers whether to hold a review (the Greater Manchester guidance, Appendix 1).

It is a trawl like any other (its links, return form, chasers and tracker are the trawl's),
with ``purpose`` INITIAL and its wording: the partnership is *considering* a review. Until a
case exists it belongs to the referral alone (``Trawl.referral_id``; no ``case_id``) and the
people it asks about are the referral's, by their position in it. When a case is opened from
the referral, ``link_case`` makes the trawl, its requests and its people the case's, so its
returns are part of the case's trawls and collated summary; it stays the referral's too, so a
decision not to review keeps its returns with the referral.

    start, latest_draft     the referral's draft request, with the defaults filled in
    people, chosen_people   the referral's people, as the draft pages offer them
    case_of                 a trawl's or request's case, or the referral standing for one
    returns_of              what the agencies returned, for the decision page
    link_case               the case opened from the referral takes its requests

No Flask here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from service.auth.scope import Scope
from service.models import (
    Agency,
    Case,
    CaseStatus,
    PersonRole,
    Referral,
    ReferralStatus,
    Trawl,
    TrawlPerson,
    TrawlPurpose,
    TrawlRequest,
    TrawlStatus,
)


@dataclass(frozen=True)
class Considering:
    """A referral the partnership is considering, where a trawl's code asks for its case: the
    referral's reference names the request in emails; there is no case id yet."""

    referral_id: int
    partnership_id: int
    reference: str
    id: None = None
    status: CaseStatus = CaseStatus.OPEN


@dataclass(frozen=True)
class ReferralPerson:
    """Someone the referral names, as the draft pages show a case's people; ``id`` is their
    position in the referral."""

    id: int
    role: PersonRole
    name: str
    date_of_birth: dt.date | None
    address: str | None
    relationship_to_victim: str | None


def may_start(referral: Referral) -> bool:
    """A submitted referral with no case yet: the partnership is still considering it."""
    return referral.status is ReferralStatus.SUBMITTED and referral.case_id is None


def people(referral: Referral) -> list[ReferralPerson]:
    from service.referrals.decisions import people_of

    return [
        ReferralPerson(
            id=i,
            role=p["role"],
            name=p["name"],
            date_of_birth=p["date_of_birth"],
            address=p["address"],
            relationship_to_victim=p["relationship_to_victim"],
        )
        for i, p in enumerate(people_of(referral.answers or {}))
    ]


def chosen_people(session: Session, trawl: Trawl) -> list[ReferralPerson]:
    referral = session.get(Referral, trawl.referral_id)
    wanted = set(trawl.person_ids or ())
    return [p for p in people(referral) if p.id in wanted]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def start(session: Session, referral: Referral, *, created_by: int | None) -> Trawl:
    """A new draft initial request for ``referral``: the partnership's standard trawl list,
    everyone the referral names, and the period the sub-group set, if it has."""
    from service.referrals.decisions import _date

    standard = session.scalars(
        select(Agency.id)
        .where(Agency.partnership_id == referral.partnership_id, Agency.on_standard_trawl_list)
        .order_by(Agency.name)
    ).all()
    scope_to = _date((referral.answers or {}).get("deceased_date_of_death"))
    years = referral.trawl_years
    trawl = Trawl(
        partnership_id=referral.partnership_id,
        case_id=None,
        referral_id=referral.id,
        purpose=TrawlPurpose.INITIAL,
        status=TrawlStatus.DRAFT,
        agency_ids=list(standard),
        person_ids=[p.id for p in people(referral)],
        scope_from=_years_before(scope_to, years) if scope_to and years else None,
        scope_to=scope_to,
        created_by=created_by,
    )
    session.add(trawl)
    session.flush()
    return trawl


def latest_draft(session: Session, sc: Scope, referral: Referral) -> Trawl | None:
    return session.scalar(
        sc.select(
            Trawl,
            Trawl.referral_id == referral.id,
            Trawl.purpose == TrawlPurpose.INITIAL,
            Trawl.status == TrawlStatus.DRAFT,
        )
        .order_by(Trawl.id.desc())
        .limit(1)
    )


def case_of(session: Session, row: Trawl | TrawlRequest) -> Case | Considering:
    """The case a trawl or one of its requests is about; before there is one, its referral."""
    if row.case_id is not None:
        return session.get(Case, row.case_id)
    trawl = row if isinstance(row, Trawl) else row.trawl
    referral = session.get(Referral, trawl.referral_id)
    return Considering(referral.id, referral.partnership_id, referral.reference)


# --- what the agencies returned --------------------------------------------------------------


def sent_requests(session: Session, sc: Scope, referral: Referral) -> list[Trawl]:
    """The referral's sent initial requests, newest first, each with its requests loaded."""
    return list(
        session.scalars(
            sc.select(
                Trawl,
                Trawl.referral_id == referral.id,
                Trawl.purpose == TrawlPurpose.INITIAL,
                Trawl.status == TrawlStatus.SENT,
            )
            .options(
                selectinload(Trawl.requests).selectinload(TrawlRequest.returns),
                selectinload(Trawl.requests).selectinload(TrawlRequest.agency),
                selectinload(Trawl.people),
            )
            .order_by(Trawl.id.desc())
        )
    )


def returns_of(trawl: Trawl) -> list[dict[str, Any]]:
    """Each agency's answer, by agency name: its request, its latest return (or None) and, for
    a return, the people it knew and who will represent it at the scoping meeting."""
    from forms import trawl_representative

    rows = []
    for req in sorted(trawl.requests, key=lambda r: (r.agency.name.casefold(), r.id)):
        latest = req.latest_return
        answers = (latest.answers or {}) if latest else {}
        known = [
            p.name
            for p in trawl.people
            if ((answers.get("people") or {}).get(str(p.id)) or {}).get("involvement") == "yes"
        ]
        rows.append(
            {
                "request": req,
                "agency": req.agency,
                "latest": latest,
                "known": known,
                "representative": trawl_representative.shown(answers),
            }
        )
    return rows


# --- when a case is opened from the referral -------------------------------------------------


def link_case(session: Session, referral: Referral, case: Case) -> None:
    """The case opened from ``referral`` takes its initial requests: the trawls, their
    requests, and their people (matched to the case's by name and date of birth)."""
    trawls = list(
        session.scalars(
            select(Trawl).where(Trawl.referral_id == referral.id, Trawl.case_id.is_(None))
        )
    )
    if not trawls:
        return
    ids = [t.id for t in trawls]
    session.execute(
        update(TrawlRequest)
        .where(TrawlRequest.trawl_id.in_(ids))
        .values(case_id=case.id)
        .execution_options(synchronize_session="fetch")
    )
    by_position = {p.position: p for p in case.people}
    by_identity = {(p.name, p.date_of_birth): p for p in case.people}
    for trawl in trawls:
        trawl.case_id = case.id
        if trawl.status is TrawlStatus.DRAFT:
            trawl.person_ids = [
                by_position[i].id for i in trawl.person_ids or () if i in by_position
            ]
            continue
        for person in session.scalars(select(TrawlPerson).where(TrawlPerson.trawl_id == trawl.id)):
            match = by_identity.get((person.name, person.date_of_birth))
            if match is not None and person.case_person_id is None:
                person.case_person_id = match.id
    session.flush()


def stop_chasing(session: Session, referral: Referral) -> int:
    """Decided not to hold a review: the agencies that have not answered are not chased again
    (their links still work, and what they send is kept with the referral). The requests
    stopped."""
    ids = select(Trawl.id).where(Trawl.referral_id == referral.id, Trawl.case_id.is_(None))
    stopped = session.execute(
        update(TrawlRequest)
        .where(
            TrawlRequest.trawl_id.in_(ids),
            TrawlRequest.returned_at.is_(None),
            TrawlRequest.next_chaser_at.is_not(None),
        )
        .values(next_chaser_at=None)
        .execution_options(synchronize_session=False)
    )
    return stopped.rowcount
