"""PDF documents (referrals, trawl returns, later summaries): HTML templates under
templates/pdf/ rendered with WeasyPrint, outside any Flask request. A document loads nothing from
outside itself: every URL the HTML could name is refused.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import weasyprint

from config.settings import ROOT
from service import clock

LONDON = ZoneInfo("Europe/London")
TEMPLATES = ROOT / "templates"


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def london_moment(moment: datetime | None) -> str:
    """``22 November 2026 at 7:15am`` in UK time; empty for no time."""
    if moment is None:
        return ""
    local = clock.as_utc(moment).astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def london_date(moment: datetime | None) -> str:
    """``22 December 2026``: the moment's date in the UK; empty for no time."""
    if moment is None:
        return ""
    local = clock.as_utc(moment).astimezone(LONDON)
    return f"{local.day} {local:%B %Y}"


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"a PDF document loads no external resources (asked for {url[:80]!r})")


def render_html(template: str, **context: Any) -> str:
    """``templates/<template>`` rendered with ``context`` (strict: a missing name is an error)."""
    return _env().get_template(template).render(**context)


def write_pdf(html: str) -> bytes:
    """``html`` as a PDF document (bytes)."""
    document = weasyprint.HTML(
        string=html, base_url=str(TEMPLATES / "pdf"), url_fetcher=_refuse_fetch
    )
    return document.write_pdf()
