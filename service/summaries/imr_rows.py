"""What the IMRs written in the service add to the collated summary: their chronology rows (the
latest version of each agency's IMR) for the merged chronology, the officer's columns kept on
its rows, and the case's action plan."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.actions import plan
from service.models import Case, CasePerson, ChronologyNote, ImrRequest
from service.summaries import chronology


def entries(session: Session, case: Case, people: Any) -> list[chronology.Entry]:
    """Every chronology row of the latest written version of each agency's IMR. ``people`` is
    the summary's people (``build._People``): the case's people by ``person-<id>``."""
    found: list[chronology.Entry] = []
    requests = session.scalars(
        select(ImrRequest)
        .where(ImrRequest.case_id == case.id)
        .options(selectinload(ImrRequest.agency), selectinload(ImrRequest.submissions))
        .order_by(ImrRequest.id)
    )
    labels = {
        f"person-{p.id}": p
        for p in session.scalars(select(CasePerson).where(CasePerson.case_id == case.id))
    }
    for request in requests:
        latest = next((s for s in reversed(request.submissions) if s.report is not None), None)
        if latest is None:
            continue
        for row in (latest.report or {}).get("chronology") or []:
            if not row.get("date"):
                continue
            key = f"person-{row.get('contact_with')}" if row.get("contact_with") else None
            summary = people.summaries.get(key) if key in labels else None
            found.append(
                chronology.Entry(
                    date=row["date"],
                    time=row.get("time") or None,
                    agency_id=request.agency_id,
                    agency=request.agency.name,
                    person_key=key if summary else None,
                    family_member=summary.label if summary else "",
                    information=row.get("event") or "",
                    source=row.get("source") or None,
                    professional=row.get("professional") or None,
                    outcome=row.get("outcome") or None,
                    victim_seen=bool(summary and key in people.victims),
                    sources=[f"IMR, version {latest.version}"],
                    comment=row.get("comments") or None,
                    from_imr=True,
                )
            )
    return found


def apply_notes(session: Session, case: Case, merged: list[chronology.Entry]) -> None:
    """The officer's columns onto the rows they were written for, by each row's key."""
    notes = {
        n.row_key: n
        for n in session.scalars(select(ChronologyNote).where(ChronologyNote.case_id == case.id))
    }
    for entry in merged:
        note = notes.get(entry.key)
        if note is not None:
            entry.management_comment = note.management_comment
            entry.panel_notes = note.panel_notes


def action_lines(session: Session, case: Case) -> list[plan.Line]:
    return plan.lines(session, plan.for_case(session, case.id))
