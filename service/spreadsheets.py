"""Spreadsheets the service writes, and the formula guard.

Every cell the service exports (audit trail CSV, trawl statistics, summary tables, the action
plan, panel comments) goes through ``safe_cell``, so nothing anyone typed can run as a formula
when the file is opened. ``as_csv`` and ``as_xlsx`` keep numbers as numbers and days and moments
as dates: real dates in the XLSX (shown dd/mm/yyyy, moments in UK time) with column widths set
from what they hold, ISO 8601 in the CSV (days as 2026-03-14, moments in UK time with their
offset), so that any program reads them the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from service import clock
from service.clock import LONDON

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: A cell a spreadsheet would read as a formula (or that starts with a control character that
#: can hide one) gets a leading quote, so it is shown as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell as text, never something a spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


#: How a day and a moment show in the XLSX: as UK readers write them.
DATE_FORMAT = "dd/mm/yyyy"
MOMENT_FORMAT = "dd/mm/yyyy hh:mm"
#: Column widths, in characters: wide enough for the longest line, within these bounds.
NARROWEST, WIDEST = 10, 60


def _uk_time(moment: dt.datetime) -> dt.datetime:
    """The moment in UK time, as the naive value a spreadsheet holds (it has no time zones)."""
    return clock.as_utc(moment).astimezone(LONDON).replace(tzinfo=None)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | dt.date):
        return value
    return safe_cell(value)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return clock.as_utc(value).astimezone(LONDON).isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return _cell(value)


def as_csv(headings: list[str], body: Iterable[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheets read it as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headings)
    writer.writerows([_csv_cell(cell) for cell in row] for row in body)
    return out.getvalue().encode("utf-8")


def _shown_width(value: Any) -> int:
    """About how many characters ``value`` takes on screen: its longest line."""
    if isinstance(value, dt.datetime):
        return len(MOMENT_FORMAT)
    if isinstance(value, dt.date):
        return len(DATE_FORMAT)
    return max((len(line) for line in str(value).splitlines()), default=0)


def as_xlsx(title: str, headings: list[str], body: Iterable[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in body:
        sheet.append([_uk_time(c) if isinstance(c, dt.datetime) else _cell(c) for c in row])
    for column in sheet.iter_cols():
        for cell in column[1:]:
            if isinstance(cell.value, str):
                # An explicit string type too: openpyxl would otherwise store "=..." as a formula.
                cell.data_type = "s"
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif isinstance(cell.value, dt.datetime):
                cell.number_format = MOMENT_FORMAT
            elif isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT
        # The heading may wrap, so it counts only as far as its longest word.
        heading = max((len(word) for word in str(column[0].value).split()), default=0)
        wanted = max([heading, *(_shown_width(cell.value) for cell in column[1:])]) + 2
        letter = column[0].column_letter
        sheet.column_dimensions[letter].width = min(max(wanted, NARROWEST), WIDEST)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
