"""The spreadsheet formula guard: every cell the service exports (audit trail CSV, trawl
statistics, summary tables, panel comments) goes through ``safe_cell``, so nothing anyone typed
can run as a formula when the file is opened."""

from __future__ import annotations

from typing import Any

#: A cell a spreadsheet would read as a formula (or that starts with a control character that
#: can hide one) gets a leading quote, so it is shown as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell as text, never something a spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text
