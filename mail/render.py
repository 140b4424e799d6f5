"""Email bodies from templates/email, outside any Flask request (workers and the CLI render too).

A template's text is marked for translation (``{% trans %}``, ``_()``) where it is written in
Welsh as well: ``render`` writes it in the language asked for, from the Welsh catalogue, and
gives the template ``language`` (its ``lang``) and ``marking`` (the classification marking, in
both languages where the subject has both, ``mail.routing.marking``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from flask_babel import get_translations

from config.settings import ROOT
from mail import routing
from service.i18n import speaking


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(ROOT / "templates" / "email")),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Looked up at each call, so the text follows the language ``speaking`` sets.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
    )
    return env


def render(
    template: str, context: dict[str, Any], *, language: str = "en"
) -> tuple[str, str | None]:
    """The plain-text body and, when the template has one, the HTML body, in ``language``."""
    env = _env()
    context = {
        "language": language,
        "marking": routing.marking(context.get("partnership"), language),
        **context,
    }
    with speaking(language):
        text = env.get_template(f"{template}.txt").render(context)
        try:
            html_template = env.get_template(f"{template}.html")
        except jinja2.TemplateNotFound:
            return text, None
        return text, html_template.render(context)
