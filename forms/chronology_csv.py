"""A chronology as a CSV file, for every form that has one (the trawl return, the IMR): the
template of headings, and reading an upload row by row, each problem named by its row and
column. Plain functions: the form gives its columns, the schema that checks one entry and the
people "contact with" may name.

The messages are in the page's language; the headings are the file's format, in English.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any, Protocol

from flask_babel import gettext
from marshmallow import Schema

from forms.questions import normal_time

CSV_MAX_BYTES = 1024 * 1024
CSV_MAX_PROBLEMS = 25


class Named(Protocol):
    """Someone "contact with" may name: by ``name``, as the form shows it."""

    id: int
    name: str


class CsvRefused(ValueError):
    """The file cannot be imported; ``problems`` are the messages, by row and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def template(columns: Sequence[tuple[str, str]]) -> bytes:
    """The headings row, with a byte-order mark so that spreadsheets open it as UTF-8."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([title for _, title in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _heading(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").split()).casefold()


def csv_date(value: str) -> str | None:
    """A day as the agencies' spreadsheets write it (14/10/2025, 2025-10-14, ...), as ISO."""
    value = value.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date().isoformat()
        except ValueError:
            continue
    return None


def _name_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _records(data: bytes) -> list[list[str]]:
    if len(data) > CSV_MAX_BYTES:
        raise CsvRefused([gettext("The selected file must be smaller than 1 MB")])
    if not data.strip():
        raise CsvRefused([gettext("The selected file is empty")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRefused(
            [
                gettext(
                    "The selected file must be saved as ‘CSV UTF-8’: it has characters that "
                    "are not UTF-8"
                )
            ]  # fmt: skip
        ) from None
    if "\x00" in text:
        raise CsvRefused([gettext("The selected file must be a CSV file")])
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise CsvRefused([gettext("The selected file could not be read as a CSV file")]) from None
    if not records:
        raise CsvRefused([gettext("The selected file is empty")])
    return records


def _keys(header_row: list[str], columns: Sequence[tuple[str, str]]) -> list[str]:
    expected = {_heading(title): key for key, title in columns}
    header = [_heading(h) for h in header_row]
    while header and not header[-1]:
        header.pop()
    unknown = [h for h in header if h not in expected]
    missing = [title for key, title in columns if _heading(title) not in header]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if unknown or missing or repeated:
        found = []
        if missing:
            found.append(gettext("Row 1: the column headings must include %(columns)s",
                                 columns=", ".join(f"‘{m}’" for m in missing)))  # fmt: skip
        if unknown:
            found.append(gettext("Row 1: remove the columns the template does not have: "
                                 "%(columns)s",
                                 columns=", ".join(f"‘{u}’" for u in unknown[:10])))  # fmt: skip
        if repeated:
            found.append(gettext("Row 1: each column heading must appear once: %(columns)s",
                                 columns=", ".join(f"‘{r}’" for r in repeated)))  # fmt: skip
        raise CsvRefused(found)
    return [expected[h] for h in header]


def read(
    data: bytes,
    *,
    columns: Sequence[tuple[str, str]],
    schema: Schema,
    people: Sequence[Named],
    room: int,
    most: int,
) -> list[dict[str, Any]]:
    """Every row of an uploaded chronology, checked with ``schema``; CsvRefused (importing
    nothing) if any row or the file itself has a problem. ``columns``: (answer key, heading) in
    the template's order, with "date", "time" and "contact_with" among them; ``room``: how many
    entries may still be added, of ``most`` in all."""
    records = _records(data)
    keys = _keys(records[0], columns)
    titles = dict(columns)
    by_name: dict[str, list[Named]] = {}
    for p in people:
        by_name.setdefault(_name_key(p.name), []).append(p)
    found: list[str] = []
    entries: list[dict[str, Any]] = []
    for number, cells in enumerate(records[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if any(c.strip() for c in cells[len(keys) :]):
            found.append(gettext("Row %(row)s: it has more cells than there are column headings",
                                 row=number))  # fmt: skip
            continue
        raw = {key: (cells[i].strip() if i < len(cells) else "") for i, key in enumerate(keys)}
        entry: dict[str, Any] = {k: (v or None) for k, v in raw.items()}
        row_problems: dict[str, str] = {}
        if raw["date"]:
            iso = csv_date(raw["date"])
            if iso is None:
                row_problems["date"] = gettext("Enter a real date, like 14/10/2025")
            entry["date"] = iso
        if raw["time"]:
            entry["time"] = normal_time(raw["time"]) or raw["time"]
        if raw["contact_with"]:
            matches = by_name.get(_name_key(raw["contact_with"]), [])
            if len(matches) == 1:
                entry["contact_with"] = str(matches[0].id)
            else:
                entry["contact_with"] = None
                row_problems["contact_with"] = (
                    gettext("Enter the full name of one of the people in this request, as the "
                            "form shows it")
                    if not matches
                    else gettext("Two people in this request have this name: add this entry on "
                                 "the form instead")
                )  # fmt: skip
        for key, messages in schema.validate(entry).items():
            row_problems.setdefault(key, messages[0] if isinstance(messages, list) else "")
        for key, _title in columns:
            if key in row_problems:
                found.append(gettext("Row %(row)s, column ‘%(column)s’: %(problem)s", row=number,
                                     column=titles[key], problem=row_problems[key]))  # fmt: skip
        if not row_problems:
            entries.append({k: entry.get(k) for k, _ in columns})
    if not found and not entries:
        found.append(gettext("The selected file has no entries under its column headings"))
    if not found and len(entries) > room:
        found.append(
            gettext("The chronology can have up to %(most)s entries: this file has %(count)s, "
                    "and there is room for %(room)s", most=most, count=len(entries), room=room)
        )  # fmt: skip
    if found:
        if len(found) > CSV_MAX_PROBLEMS:
            more = len(found) - CSV_MAX_PROBLEMS
            found = [*found[:CSV_MAX_PROBLEMS],
                     gettext("And %(count)s more problems in the file", count=more)]  # fmt: skip
        raise CsvRefused(found)
    return entries
