"""The console's retention pages, for the browser tests: a closed case under a legal hold whose
deletion is due within 30 days (so the dashboard lists it, and its deferral page has its form),
made once in the live server's database through the service's own code."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from service import clock, db
from service.models import Case, CaseOutcome
from service.retention import closing, holds

REFERENCE = "EXA-DHR-2020-07"


def closed_case(partnership_id: int) -> Case:
    """The closed, held case (made on first use)."""
    with db.transaction() as s:
        case = s.scalar(select(Case).where(Case.reference == REFERENCE))
        if case is None:
            case = Case(partnership_id=partnership_id, reference=REFERENCE)
            s.add(case)
            s.flush()
            today = clock.london_date(clock.now())
            closing.close(
                s, case, outcome=CaseOutcome.PUBLISHED, user_id=None, actor="test",
                ended_on=today.replace(year=today.year - 6) + dt.timedelta(days=10),
            )  # fmt: skip
            holds.place(s, case, reason="Criminal proceedings", user_id=None, actor="test")
    return case


def retention_pages(console_data) -> list[str]:  # noqa: ANN001
    """Every retention page: for the open case (close, hold, the deferral it cannot have yet),
    for the closed one (its case page, its deferral form), and the subject access search."""
    case_id = console_data["case"].id
    closed = closed_case(console_data["partnership"].id).id
    return [
        f"/console/cases/{case_id}/close",
        f"/console/cases/{case_id}/legal-hold",
        f"/console/cases/{case_id}/deletion/defer",
        f"/console/cases/{closed}",
        f"/console/cases/{closed}/deletion/defer",
        "/console/subject-access",
    ]
