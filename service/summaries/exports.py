"""The summary's tables as spreadsheets: the agency table and the merged chronology, as CSV and
as XLSX. Every text cell goes through ``service.spreadsheets.safe_cell`` (the guard on every
export), so nothing an agency typed can run as a formula: a cell starting ``=``, ``+``, ``-`` or
``@`` gets a leading quote. Numbers stay numbers, and days and moments stay dates: real dates in
the XLSX (shown dd/mm/yyyy, moments in UK time), ISO 8601 in the CSV.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from service import clock
from service.models import Case
from service.spreadsheets import CSV_TYPE, XLSX_TYPE, as_csv, as_xlsx
from service.summaries import chronology
from service.summaries.build import AgencyLine, Summary
from service.workdays import london_date

__all__ = ["CSV_TYPE", "XLSX_TYPE", "as_csv", "as_xlsx"]

AGENCY_COLUMNS = [
    "Agency",
    "Trawl",
    "Sent",
    "Due",
    "Status",
    "Returned",
    "Days taken",
    "Latest version",
    "Extension to",
    "Extension requested to",
    "Link withheld",
    "Systems checked",
    "Records secured",
    "Completed by",
    "Invited to the scoping meeting",
    "Representative at the scoping meeting",
    "Email bounced on",
]
#: The template's "Date (dd/mm/yyyy)" is a real date in the XLSX and ISO 8601 in the CSV, so the
#: exports call it "Date".
CHRONOLOGY_COLUMNS = ["Entry", "Date", *chronology.COLUMNS[1:]]

#: What each table is called: in file names and as the worksheet's title.
TABLES = {"agencies": "Agencies", "chronology": "Chronology"}


def agency_row(line: AgencyLine) -> list[Any]:
    return [
        line.name,
        line.trawl_number,
        line.sent_at,
        line.due_date,
        line.status_text,
        line.returned_at,
        line.days_taken,
        line.version,
        line.extension_date,
        line.extension_requested_date,
        "Yes" if line.link_withheld else "No",
        line.systems_checked,
        "; ".join(f"{r.person}: {r.answer}" for r in line.records_secured),
        line.completed_by,
        "Yes" if line.invited else "No",
        line.representative,
        line.bounced_at,
    ]


def rows(summary: Summary, table: str) -> tuple[list[str], list[list[Any]]]:
    """The table's headings and rows, cells as they are (not yet made safe)."""
    if table == "agencies":
        return AGENCY_COLUMNS, [agency_row(line) for line in summary.agencies]
    if table == "chronology":
        return CHRONOLOGY_COLUMNS, [
            [e.number, dt.date.fromisoformat(e.date), *e.cells()[1:]] for e in summary.chronology
        ]
    raise ValueError(f"no table called {table!r}")


def export(summary: Summary, table: str, kind: str) -> bytes:
    """``table`` ("agencies" or "chronology") as ``kind`` ("csv" or "xlsx")."""
    headings, body = rows(summary, table)
    if kind == "csv":
        return as_csv(headings, body)
    if kind == "xlsx":
        return as_xlsx(TABLES[table], headings, body)
    raise ValueError(f"no export as {kind!r}")


def filename(case: Case, table: str, kind: str, *, now: dt.datetime | None = None) -> str:
    """``EXA-DHR-2026-01-chronology-2026-12-15.xlsx``: nothing personal."""
    day = london_date(now or clock.now())
    return f"{case.reference}-{table}-{day.isoformat()}.{kind}"
