"""Email bodies from templates/email, outside any Flask request (workers and the CLI render too)."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

from config.settings import ROOT


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(ROOT / "templates" / "email")),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, context: dict[str, Any]) -> tuple[str, str | None]:
    """The plain-text body and, when the template has one, the HTML body."""
    env = _env()
    text = env.get_template(f"{template}.txt").render(context)
    try:
        html_template = env.get_template(f"{template}.html")
    except jinja2.TemplateNotFound:
        return text, None
    return text, html_template.render(context)
