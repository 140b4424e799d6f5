"""Searching the whole database for people: every column of every table (found through
SQLAlchemy's metadata, so a table added later is searched too), text, JSON and stored bytes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

import service.models  # noqa: F401  (registers every table)
from service.db import Base


def date_forms(day: dt.date) -> list[str]:
    """How a date of birth may be written down: ISO, 3 May 1979, 03/05/1979."""
    return [day.isoformat(), f"{day.day} {day:%B %Y}", f"{day:%d/%m/%Y}"]


def _texts(value: object) -> Iterable[str]:
    if value is None:
        return []
    if isinstance(value, bytes | bytearray | memoryview):
        return [bytes(value).decode("latin-1")]
    if isinstance(value, dict | list):
        return [json.dumps(value, ensure_ascii=False, default=str)]
    return [str(value)]


def find(session: Session, names: list[str], births: list[dt.date]) -> list[str]:
    """Where any of ``names`` or ``births`` appears: "table.column" for each."""
    session.rollback()
    needles = [n.casefold() for n in names]
    needles += [f.casefold() for day in births for f in date_forms(day)]
    found = set()
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            for column, value in row.items():
                if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                    if value in births:
                        found.add(f"{table.name}.{column}")
                    continue
                for text in _texts(value):
                    folded = text.casefold()
                    if any(needle in folded for needle in needles):
                        found.add(f"{table.name}.{column}")
    return sorted(found)
