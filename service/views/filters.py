"""Jinja filters shared by every page: times in the UK's local time, as GOV.UK writes them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask

from service import clock

LONDON = ZoneInfo("Europe/London")


def _local(moment: datetime) -> datetime:
    return clock.as_utc(moment).astimezone(LONDON)


def london_time(moment: datetime | None) -> str:
    """``22 Nov 2026 09:15`` in London time; empty for no time."""
    if moment is None:
        return ""
    local = _local(moment)
    return f"{local.day} {local:%b %Y %H:%M}"


def london_date(moment: datetime | date | None) -> str:
    """``22 November 2026``: a moment's date in London, or a calendar date as it is."""
    if moment is None:
        return ""
    day = _local(moment).date() if isinstance(moment, datetime) else moment
    return f"{day.day} {day:%B %Y}"


def init_app(app: Flask) -> None:
    app.add_template_filter(london_time, "london_time")
    app.add_template_filter(london_date, "london_date")
