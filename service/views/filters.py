"""Jinja filters shared by every page: times in the UK's local time, as GOV.UK writes them."""

from __future__ import annotations

from datetime import datetime
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


london_date = clock.long_date


def init_app(app: Flask) -> None:
    app.add_template_filter(london_time, "london_time")
    app.add_template_filter(london_date, "london_date")
