"""Welsh and English: which language a page speaks, and the switch between them.

A partnership offers the languages in its file's ``languages`` (``["en"]`` by default;
``["en", "cy"]`` for a partnership in Wales, the first being its default). A visitor's choice
(``?lang=cy`` from the language switcher) is kept for the visit; a language the partnership does
not offer is never chosen. Pages with no partnership speak English.

Text goes through Flask-Babel's gettext (``_()`` in code and templates); the Welsh catalogue
is ``translations/cy/LC_MESSAGES/messages.po``, compiled by ``make install``
(``translations/README.md`` says how a translator corrects it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Flask, current_app, g, request, session
from flask_babel import Babel

from config import settings as settings_mod

#: Every language the service speaks, by code, named in its own language (as a switcher shows).
NAMES = {"en": "English", "cy": "Cymraeg"}
DEFAULT = "en"
SESSION_KEY = "lang"


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    href: str
    current: bool


def offered() -> list[str]:
    """The languages the page's partnership offers (English where there is none)."""
    partnership = current_app.extensions["dhr.page_partnership"]()
    languages = list(getattr(partnership, "languages", None) or [DEFAULT])
    return [code for code in languages if code in NAMES] or [DEFAULT]


def select_locale() -> str:
    """The language of this request: the one asked for, or chosen earlier in the visit, or the
    partnership's default."""
    if "language" in g:
        return g.language
    languages = offered()
    asked = request.args.get("lang")
    if asked in languages:
        session[SESSION_KEY] = asked
        chosen = asked
    elif session.get(SESSION_KEY) in languages:
        chosen = session[SESSION_KEY]
    else:
        chosen = languages[0]
    g.language = chosen
    return chosen


def language_links() -> list[LanguageLink]:
    """The switcher's links: none for a partnership that offers only one language."""
    languages = offered()
    if len(languages) < 2:
        return []
    current = select_locale()
    links = []
    for code in languages:
        query = {k: v for k, v in request.args.items() if k != "lang"}
        query["lang"] = code
        links.append(
            LanguageLink(code, NAMES[code], f"{request.path}?{urlencode(query)}", code == current)
        )
    return links


def init_app(app: Flask, page_partnership: Callable[[], object | None]) -> None:
    """``page_partnership``: the partnership the page speaks for (``views.public``)."""
    app.extensions["dhr.page_partnership"] = page_partnership
    Babel(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(settings_mod.ROOT / "translations"),
    )

    @app.context_processor
    def _language_context() -> dict[str, object]:
        return {"page_language": select_locale, "language_links": language_links}
