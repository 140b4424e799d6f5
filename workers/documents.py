"""The rq job that makes a case's big document (the collated summary PDF) and keeps it, so that
no request and no sweep waits for it (``service.summaries.cache``)."""

from __future__ import annotations

from service import runtime
from service.summaries import cache


def make_summary_pdf(case_id: int) -> str:
    """Make and keep the case's summary PDF as it stands now (nothing when it is current)."""
    runtime.bootstrap()
    data = cache.prepare(case_id, wait=True)
    return f"{len(data or b'')} bytes"
