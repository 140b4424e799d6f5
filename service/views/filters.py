"""Jinja filters shared by every page: times and dates in UK time, as GOV.UK writes them (the
wording lives in ``service.clock``)."""

from __future__ import annotations

from flask import Flask

from service import clock


def init_app(app: Flask) -> None:
    app.add_template_filter(clock.london_time, "london_time")
    app.add_template_filter(clock.long_date, "long_date")
