"""PDF documents (referrals, trawl returns, later summaries): HTML templates under
templates/pdf/ rendered with WeasyPrint, outside any Flask request. A document loads nothing from
outside itself: every URL the HTML could name is refused.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import jinja2

from config.settings import ROOT

if TYPE_CHECKING:
    import weasyprint

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


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"a PDF document loads no external resources (asked for {url[:80]!r})")


def render_html(template: str, **context: Any) -> str:
    """``templates/<template>`` rendered with ``context`` (strict: a missing name is an error)."""
    return _env().get_template(template).render(**context)


def layout(html: str) -> weasyprint.Document:
    """``html`` laid out on pages: the boxes ``write_pdf`` draws, for checking where they fall."""
    # WeasyPrint takes seconds to import: only what draws a document pays for it, not every
    # command (a sweep, a worker starting) that merely could.
    import weasyprint

    return weasyprint.HTML(
        string=html, base_url=str(TEMPLATES / "pdf"), url_fetcher=_refuse_fetch
    ).render()


def write_pdf(html: str) -> bytes:
    """``html`` as a PDF document (bytes)."""
    return layout(html).write_pdf()
