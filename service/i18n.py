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

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

from flask import Flask, current_app, g, has_app_context, render_template, request, session
from flask_babel import Babel, force_locale, gettext, refresh
from markupsafe import Markup

from config import settings as settings_mod
from service import clock

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
    one the page prefers (``prefer``), or the partnership's default."""
    if "language" in g:
        return g.language
    languages = offered()
    asked = request.args.get("lang")
    if asked in languages:
        session[SESSION_KEY] = asked
        chosen = asked
    elif session.get(SESSION_KEY) in languages:
        chosen = session[SESSION_KEY]
    elif g.get("preferred_language") in languages:
        chosen = g.preferred_language
    else:
        chosen = languages[0]
    g.language = chosen
    return chosen


def prefer(code: str | None) -> None:
    """This page speaks ``code`` unless the visitor chose a language: a page for one person (a
    panel member's) in the language they chose for their emails, not the partnership's default.
    The view calls it before it renders."""
    g.preferred_language = code
    g.pop("language", None)
    refresh()


def long_date(value: object) -> str:
    """A date as the page's language writes it (``clock.long_date``)."""
    return clock.long_date(value, select_locale())  # type: ignore[arg-type]


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


@cache
def _correspondence_app() -> Flask:
    """An app with nothing but the catalogue: Flask-Babel translates only inside an app context,
    and workers, the sweep and the CLI write emails outside one."""
    app = Flask(__name__)
    Babel(app, default_translation_directories=str(settings_mod.ROOT / "translations"))
    return app


@contextmanager
def speaking(code: str) -> Iterator[None]:
    """Text translated inside (``gettext``, templates' ``{% trans %}``) is in language ``code``,
    whatever the page's own language, with or without a request or an app."""
    if has_app_context() and "babel" in current_app.extensions:
        with force_locale(code):
            yield
    else:
        with _correspondence_app().app_context(), force_locale(code):
            yield


@dataclass(frozen=True)
class Part:
    """One language's half of a page written in both."""

    code: str
    html: Markup


def for_anyone(body: str, title: str, *, layout: str = "base.html", **context: object) -> str:
    """A page that cannot know whose it is (a link that does not work says nothing of its
    partnership): in Welsh and English, Welsh first, when any partnership in the service offers
    Welsh; in English otherwise. ``body`` is a template of the page's content only; ``title``
    the English of its title, in the catalogue; ``layout`` the page around them."""
    from sqlalchemy import select

    from service import db
    from service.models import Partnership

    offered_anywhere = {
        code for row in db.Sessions.scalars(select(Partnership.languages)) for code in row or ()
    }
    codes = ["cy", "en"] if "cy" in offered_anywhere else ["en"]
    parts, titles = [], []
    for code in codes:
        with force_locale(code):
            html = render_template(body, **context)  # autoescaped by Jinja
            parts.append(Part(code, Markup(html)))  # noqa: S704
            titles.append(gettext(title))
    # The page's own language (its header, footer and ``<html lang>``) is the first half's.
    g.language = codes[0]
    refresh()
    return render_template(
        "both_languages.html", parts=parts, title=" / ".join(titles), layout=layout
    )


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
