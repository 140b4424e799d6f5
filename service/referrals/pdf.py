"""The referral as a PDF: every answer in the form's order, for the partnership's referral inbox.

Rendered from templates/pdf/referral.html with WeasyPrint, outside any Flask request (the
submission may run anywhere). The document loads nothing from outside itself: every URL the
HTML could name is refused.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import weasyprint

from config.settings import ROOT
from forms.referral import age_at, answer_rows, appears_to_meet_criteria
from service import clock
from service.models import Partnership, Referral

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
    raise ValueError(f"the referral PDF loads no external resources (asked for {url[:80]!r})")


def render_referral_html(referral: Referral, partnership: Partnership) -> str:
    answers = referral.answers or {}
    meets, reasons = appears_to_meet_criteria(answers)
    return (
        _env()
        .get_template("pdf/referral.html")
        .render(
            referral=referral,
            partnership=partnership,
            submitted=london_moment(referral.submitted_at),
            sections=answer_rows(answers),
            age_at_death=age_at(answers.get("deceased_dob"), answers.get("deceased_date_of_death")),
            meets_criteria=meets,
            criteria_reasons=reasons,
        )
    )


def render_referral_pdf(referral: Referral, partnership: Partnership) -> bytes:
    """The referral as a PDF document (bytes), marked OFFICIAL-SENSITIVE on every page."""
    html = render_referral_html(referral, partnership)
    document = weasyprint.HTML(
        string=html, base_url=str(TEMPLATES / "pdf"), url_fetcher=_refuse_fetch
    )
    return document.write_pdf()
