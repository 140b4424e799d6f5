"""The collated summary as a PDF: the console page's body in the PDF layout.

The PDF is drawn by ``service.pdf_flow`` from ``pdf_blocks`` (a chronology of thousands of rows in
a second or two, in the look of the other PDFs); ``summary_html`` is the same body as HTML in the
WeasyPrint layout, for reading it on its own.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from service import clock, pdf_flow
from service.models import Case, Partnership
from service.pdf import render_html
from service.summaries import pdf_blocks
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
    """The case's summary as a PDF, marked OFFICIAL-SENSITIVE on every page (made now: the
    console and the emails take the kept one, ``service.summaries.cache``)."""
    summary = summary or build(session, case)
    partnership = session.get(Partnership, case.partnership_id)
    return render(summary, partnership.name if partnership else "")


def render(summary: Summary, name: str) -> bytes:
    """``summary`` as a PDF, for the partnership called ``name``."""
    return pdf_flow.write_pdf(
        pdf_blocks.blocks(summary, name),
        title=f"Summary of returns {summary.reference}",
        author=name,
        footer=f"Case {summary.reference}, summary of returns as at {summary.generated_text}",
    )
