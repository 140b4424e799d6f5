"""The collated summary as a PDF: the console page's body in the PDF layout."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from service import clock
from service.models import Case, Partnership
from service.pdf import render_html, write_pdf
from service.summaries.build import Summary, build
from service.workdays import london_date

PDF_CONTENT_TYPE = "application/pdf"


def pdf_filename(case: Case, *, now: dt.datetime | None = None) -> str:
    """``EXA-DHR-2026-01-summary-2026-11-28.pdf``: the reference and the date, nothing personal."""
    day = london_date(now or clock.now())
    return f"{case.reference}-summary-{day.isoformat()}.pdf"


def summary_html(session: Session, case: Case, summary: Summary | None = None) -> str:
    """The PDF's HTML (for ``summary`` when given, else the case's summary now)."""
    summary = summary or build(session, case)
    partnership = session.get(Partnership, case.partnership_id)
    return render_html(
        "pdf/summary.html",
        summary=summary,
        partnership_name=partnership.name if partnership else "",
        change_panel_url="",
    )


def summary_pdf(session: Session, case: Case, summary: Summary | None = None) -> bytes:
    """The case's summary as a PDF, marked OFFICIAL-SENSITIVE on every page."""
    return write_pdf(summary_html(session, case, summary))
