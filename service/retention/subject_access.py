"""Finding a person for a subject access request: where a name (and a date of birth, when one
is given) appears across the partnership's cases and referrals.

A name matches when what is stored contains what was typed, ignoring case and spacing; a row
with a date of birth matches only if it is the one given. Everything is read through the
officer's Scope. The search itself is audited by the caller, without the name.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from service.auth.scope import Scope
from service.models import (
    Case,
    CasePerson,
    ConsentRequest,
    PanelMember,
    Referral,
    ReferralStatus,
    Trawl,
    TrawlPerson,
    TrawlRequest,
    TrawlReturn,
)
from service.referrals.decisions import people_of

ROLE_TEXT = {
    "deceased": "the person who died",
    "suspect": "the suspect or perpetrator",
    "victim_household": "lived at the victim's address",
    "suspect_household": "lived at the suspect's address",
    "other": "someone else in the review",
}


def _norm(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


@dataclass
class Found:
    """Where the person appears in one case (or one referral without a case)."""

    reference: str
    case_id: int | None
    referral_id: int | None = None
    places: list[str] = field(default_factory=list)


class _Matcher:
    def __init__(self, name: str, born: dt.date | None) -> None:
        self.name = _norm(name)
        self.born = born

    def __call__(self, name: str | None, born: dt.date | None = None) -> bool:
        if not self.name or self.name not in _norm(name):
            return False
        return self.born is None or born is None or born == self.born

    def in_text(self, value: object) -> bool:
        return bool(self.name) and self.name in _norm(json.dumps(value, ensure_ascii=False))


def search(session: Session, sc: Scope, name: str, born: dt.date | None) -> list[Found]:
    """Every case and referral of the partnership in which the person appears."""
    match = _Matcher(name, born)
    cases: dict[int, Found] = {}

    def at(case: Case) -> Found:
        return cases.setdefault(case.id, Found(case.reference, case.id))

    for case in session.scalars(sc.select(Case).order_by(Case.created_at, Case.id)):
        for person in session.scalars(sc.select(CasePerson, CasePerson.case_id == case.id)):
            if match(person.name, person.date_of_birth):
                at(case).places.append(f"A person in the case: {ROLE_TEXT[person.role.value]}")
        for trawl in session.scalars(sc.select(Trawl, Trawl.case_id == case.id)):
            for person in session.scalars(sc.select(TrawlPerson, TrawlPerson.trawl_id == trawl.id)):
                if match(person.name, person.date_of_birth):
                    at(case).places.append(f"Asked about in trawl {trawl.id}")
        requests = session.scalars(sc.select(TrawlRequest, TrawlRequest.case_id == case.id))
        for request in requests:
            for row in session.scalars(
                sc.select(TrawlReturn, TrawlReturn.request_id == request.id)
            ):
                if match.in_text(row.answers):
                    at(case).places.append(
                        f"Named in {request.agency.name}'s trawl return, version {row.version}"
                    )
        for row in session.scalars(sc.select(ConsentRequest, ConsentRequest.case_id == case.id)):
            if match(row.name):
                at(case).places.append("A family member asked for consent")
        for row in session.scalars(sc.select(PanelMember, PanelMember.case_id == case.id)):
            if match(row.name):
                at(case).places.append("A member of the review panel")
    alone: list[Found] = []
    referrals = session.scalars(
        sc.select(Referral, Referral.status != ReferralStatus.DRAFT).order_by(Referral.id)
    )
    for referral in referrals:
        people = people_of(referral.answers or {})
        if not any(match(p["name"], p["date_of_birth"]) for p in people):
            continue
        case = sc.get(session, Case, referral.case_id) if referral.case_id else None
        if case is not None:
            at(case).places.append(f"Named in referral {referral.reference}")
        else:
            alone.append(
                Found(
                    referral.reference or "",
                    None,
                    referral.id,
                    [f"Named in referral {referral.reference} (no case opened)"],
                )
            )
    return [*cases.values(), *alone]
