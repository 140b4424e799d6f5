"""Cases, sent trawls and initial information requests for the trawl tests: built through the
service's own functions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import clock
from service.models import Agency, Case, CasePerson, Partnership, PersonRole, Referral, Trawl
from service.trawls import initial, sending

#: A Monday: due 14 days later, Monday 21 December 2026; the first chaser goes on Tuesday 22nd;
#: the second three working days later across Christmas, the bank holidays and the example
#: partnership's closure days (29-31 December): Monday 4 January 2027.
SENT_AT = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)

PEOPLE = [
    dict(role=PersonRole.DECEASED, name="Alice Example", date_of_birth=dt.date(1985, 3, 14),
         address="1 Harbour Row, Exampletown EX1 1AA", relationship_to_victim=None),
    dict(role=PersonRole.SUSPECT, name="Brian Sample", date_of_birth=dt.date(1982, 7, 2),
         address="1 Harbour Row, Exampletown EX1 1AA", relationship_to_victim="Partner"),
    dict(role=PersonRole.VICTIM_HOUSEHOLD, name="Chloe Example",
         date_of_birth=dt.date(2012, 5, 20), address="1 Harbour Row, Exampletown EX1 1AA",
         relationship_to_victim="Daughter"),
]  # fmt: skip


def make_case(session: Session, partnership: Partnership, *, reference: str | None = None,
              trawl_years: int = 5) -> Case:  # fmt: skip
    """An open case with a victim, a suspect and a child (flushed, not committed)."""
    count = session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) or 0
    case = Case(
        partnership_id=partnership.id,
        reference=reference or f"{partnership.case_prefix}-DHR-2026-{count + 1:02d}",
        date_of_death=dt.date(2026, 9, 1),
        trawl_years=trawl_years,
    )
    case.people = [CasePerson(position=i, **p) for i, p in enumerate(PEOPLE)]
    session.add(case)
    session.flush()
    return case


def agencies(session: Session, partnership: Partnership, n: int) -> list[Agency]:
    """The first ``n`` of the partnership's agencies with a secure address, by name."""
    rows = session.scalars(
        select(Agency).where(Agency.partnership_id == partnership.id).order_by(Agency.name)
    ).all()
    secure = [a for a in rows if sending.has_secure_address(partnership, a)]
    return secure[:n]


def sent_trawl(
    session: Session,
    partnership: Partnership,
    *,
    case: Case | None = None,
    agency_count: int = 5,
    at: dt.datetime = SENT_AT,
    actor: str = "test",
) -> Trawl:
    """A trawl of ``case`` (a new one by default) sent at ``at`` to ``agency_count`` agencies
    with every person on the case (flushed, not committed: commit before a request or a
    separate process must see it)."""
    case = case or make_case(session, partnership)
    with clock.frozen_at(at):
        trawl = sending.start(session, case, created_by=None)
        trawl.agency_ids = [a.id for a in agencies(session, partnership, agency_count)]
        sending.send(session, trawl, actor=actor)
    session.flush()
    return trawl


def sent_initial_request(
    session: Session,
    referral: Referral,
    *,
    agency_count: int = 2,
    at: dt.datetime = SENT_AT,
    actor: str = "test",
) -> Trawl:
    """An initial information request from ``referral``, awaiting its decision (no case), sent
    at ``at`` to ``agency_count`` agencies about everyone the referral names, for the five
    years before the death (flushed, not committed)."""
    partnership = session.get(Partnership, referral.partnership_id)
    with clock.frozen_at(at):
        trawl = initial.start(session, referral, created_by=None)
        trawl.agency_ids = [a.id for a in agencies(session, partnership, agency_count)]
        # The sub-group sets the period only with its decision: until then the officer does.
        trawl.scope_to = trawl.scope_to or dt.date(2026, 10, 1)
        trawl.scope_from = trawl.scope_from or trawl.scope_to.replace(year=trawl.scope_to.year - 5)
        sending.send(session, trawl, actor=actor)
    session.flush()
    return trawl
