"""The case's action plan as CSV and XLSX (``service.spreadsheets``: dates as dates, widths set)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from service import clock
from service.actions.plan import Line
from service.models import Case
from service.spreadsheets import as_csv, as_xlsx
from service.workdays import london_date

COLUMNS = [
    "No.",
    "Recommendation",
    "Key actions",
    "Scope",
    "Owner",
    "Lead officer",
    "Target date",
    "Status",
    "Progress",
    "Evidence",
    "Source",
]


def row(line: Line) -> list[Any]:
    return [
        line.number, line.recommendation, line.key_actions, line.scope, line.owner,
        line.lead_officer, line.target_date, line.status, line.progress, line.evidence,
        line.source,
    ]  # fmt: skip


def export(lines: list[Line], kind: str) -> bytes:
    body = [row(line) for line in lines]
    if kind == "csv":
        return as_csv(COLUMNS, body)
    if kind == "xlsx":
        return as_xlsx("Action plan", COLUMNS, body)
    raise ValueError(f"no export as {kind!r}")


def filename(case: Case, kind: str, *, now: dt.datetime | None = None) -> str:
    """``EXA-DHR-2026-01-action-plan-2027-01-15.xlsx``: nothing personal."""
    return f"{case.reference}-action-plan-{london_date(now or clock.now()).isoformat()}.{kind}"
