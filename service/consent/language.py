"""The language a family member is written to: their letter, their signed form and their emails.

The family member's own language where it is known (``ConsentRequest.language``: asked where
the request is made, or the page's language when they first answer) and the partnership offers
it. Where it is not known, a partnership offering Welsh and English writes in both, Welsh first
(the Welsh Language Standards ask that Welsh text is not treated less favourably than English,
and that it is placed so it is read first); an English-only partnership writes in English.

Templates are written once: each part of the text is a macro taking ``_``, a ``Voice`` that
says the text in one language, called once per language (``voices``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from service.i18n import NAMES, speaking

WELSH = "cy"


@dataclass(frozen=True)
class Voice:
    """The catalogue in one language, whatever the page's (or no page at all)."""

    code: str

    def __call__(self, text: str, **values: Any) -> str:
        with speaking(self.code):
            return gettext(text, **values) if values else gettext(text)

    def say(self, speak: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``speak(*args, **kwargs)`` in this language: text (lazily translated text made
        plain), or a list of texts."""
        with speaking(self.code):
            said = speak(*args, **kwargs)
            return [str(s) for s in said] if isinstance(said, list) else str(said)


def offered(partnership: Any) -> list[str]:
    """The languages the partnership writes in, its first being its default."""
    return [code for code in getattr(partnership, "languages", None) or () if code in NAMES] or [
        "en"
    ]


def chosen(partnership: Any, language: str | None) -> str | None:
    """``language`` if the partnership offers it; None (not known) otherwise."""
    return language if language in offered(partnership) else None


def languages_of(partnership: Any, language: str | None) -> list[str]:
    """The languages a family member is written to, in order: their own, or every one the
    partnership offers, Welsh first."""
    known = chosen(partnership, language)
    if known is not None:
        return [known]
    return sorted(offered(partnership), key=lambda code: code != WELSH)


def voices(partnership: Any, language: str | None) -> list[Voice]:
    return [Voice(code) for code in languages_of(partnership, language)]
