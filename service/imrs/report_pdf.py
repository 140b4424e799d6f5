"""The IMR written in the service as a PDF, laid out like the IMR template: the cover sheet as
its two-column table, the numbered sections, the comprehensive agency chronology and the single
agency recommendations for action in the template's columns (on landscape pages), with the
template's own headings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import imr_report as catalogue
from service import clock
from service.imrs import report as writing
from service.models import (
    Agency,
    Case,
    CasePerson,
    ImrRequest,
    Partnership,
    PersonRole,
    Trawl,
    TrawlStatus,
)
from service.pdf import render_html, write_pdf

STRICTLY_CONFIDENTIAL = (
    "STRICTLY CONFIDENTIAL. NOT TO BE DISTRIBUTED OR REPRODUCED WITHOUT THE PERMISSION OF THE "
    "REVIEW PANEL CHAIR"
)


def _period(session: Session, case: Case) -> str:
    """The dates of the terms of reference: the period agencies were asked to search."""
    trawl = session.scalar(
        select(Trawl)
        .where(Trawl.case_id == case.id, Trawl.status == TrawlStatus.SENT)
        .order_by(Trawl.sent_at.desc(), Trawl.id.desc())
        .limit(1)
    )
    if trawl is None or not (trawl.scope_from and trawl.scope_to):
        return "As given in the terms of reference"
    return f"{clock.long_date(trawl.scope_from)} to {clock.long_date(trawl.scope_to)}"


def _victim(session: Session, case: Case) -> CasePerson | None:
    return session.scalar(
        select(CasePerson)
        .where(CasePerson.case_id == case.id, CasePerson.role == PersonRole.DECEASED)
        .order_by(CasePerson.position, CasePerson.id)
        .limit(1)
    )


def _blank_unless_given(answers: dict[str, Any] | None) -> defaultdict[str, Any]:
    """A section's answers, an answer not given yet read as blank."""
    return defaultdict(str, answers or {})


def report_html(
    session: Session, request: ImrRequest, report: dict[str, Any], *, version: int,
    first_submitted: dt.datetime | None, revised: dt.datetime | None,
    final: dt.datetime | None,
) -> str:  # fmt: skip
    """The report's PDF as HTML: ``version`` and the template's three dates as they will be
    once this version is sent."""
    case = session.get(Case, request.case_id)
    agency = session.get(Agency, request.agency_id)
    partnership = session.get(Partnership, request.partnership_id)
    ctx = writing.context(session, request)
    names = ctx["names"]
    victim = _victim(session, case)
    # A section not written yet reads as blank answers (the preview of a report just begun).
    cover = _blank_unless_given(report.get("cover"))
    people = ctx["people"]
    chronology_qs = catalogue.chronology_questions(names)
    return render_html(
        "pdf/imr_report.html",
        case=case,
        agency=agency,
        partnership=partnership,
        version=version,
        confidential=STRICTLY_CONFIDENTIAL,
        cover=cover,
        date_of_birth=clock.long_date(victim.date_of_birth) if victim else "",
        date_of_death=clock.long_date(case.date_of_death),
        first_submitted=clock.long_date(first_submitted) or "This version",
        revised=clock.long_date(revised) or "Not applicable",
        final=clock.long_date(final) or "Not applicable",
        period=_period(session, case),
        people_named=", ".join(p.label for p in people) or "None recorded",
        methodology=_blank_unless_given(report.get("methodology")),
        terms=catalogue.term_questions(ctx["terms"]),
        term_answers=report.get("terms") or {},
        involvement=(report.get("involvement") or {}).get("involvement") or "",
        chronology=[
            {q.name: catalogue.rows_of([q], row, people)[0].value for q in chronology_qs}
            | {"date_text": _dmy(row.get("date"))}
            for row in report.get("chronology") or []
        ],
        chronology_labels={q.name: q.label for q in chronology_qs},
        summary=(report.get("summary") or {}).get("summary") or "",
        analysis=_answered(catalogue.ANALYSIS_QUESTIONS, report.get("analysis") or {}),
        lessons=_answered(catalogue.LESSONS_QUESTIONS, report.get("lessons") or {}),
        actions=[
            {**a, "date_text": _dmy(a.get("target_date"))} for a in report.get("actions") or []
        ],
    )


def _dmy(value: str | None) -> str:
    """dd/mm/yyyy, as the template writes its dates "to facilitate merging"."""
    if not value:
        return ""
    return dt.date.fromisoformat(value).strftime("%d/%m/%Y")


def _answered(questions: list, answers: dict[str, Any]) -> list[tuple[str, str]]:
    return [(q.label, answers.get(q.name) or "Not answered") for q in questions]


def report_pdf(
    session: Session, request: ImrRequest, report: dict[str, Any], **dates: Any
) -> bytes:
    """The report as a PDF, marked OFFICIAL-SENSITIVE on every page."""
    return write_pdf(report_html(session, request, report, **dates))


def filename(case: Case, agency: Agency, version: int) -> str:
    return f"imr-{case.reference}-{agency.key}-v{version}.pdf"
