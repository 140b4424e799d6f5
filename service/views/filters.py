"""Jinja filters shared by every page: times and dates in UK time, as GOV.UK writes them (the
wording lives in ``service.clock``), in the page's language (``service.i18n``)."""

from __future__ import annotations

from flask import Flask, has_request_context

from service import clock


def _language() -> str:
    if not has_request_context():
        return "en"
    from service import i18n

    return i18n.select_locale()


def init_app(app: Flask) -> None:
    app.add_template_filter(lambda m: clock.london_time(m, _language()), "london_time")
    app.add_template_filter(lambda v: clock.long_date(v, _language()), "long_date")
    app.add_template_filter(lambda m: clock.long_moment(m, _language()), "long_moment")
