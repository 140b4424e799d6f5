"""The language of the emails someone is sent, asked where the partnership offers more than one.

The agency form and the panel member form ask it the same way: radios, the partnership's own
languages in its order, and no such field at all where it offers only one (``ask``).
"""

from __future__ import annotations

from typing import Any

from wtforms import RadioField
from wtforms import ValidationError as FieldError
from wtforms.form import BaseForm

from forms import options
from service.i18n import NAMES


def field() -> RadioField:
    """The field, declared on the form. No Optional(): it would stop ``check`` from running."""
    return RadioField(validate_choice=False)


def ask(form: BaseForm, languages: list[str] | None) -> list[str]:
    """Offer ``languages`` (the partnership's, its first the default) in ``form.language``, or
    take the field off the form where there are fewer than two. The languages offered."""
    offered = [code for code in languages or () if code in NAMES]
    if len(offered) < 2:
        del form.language
    else:
        form.language.choices = options((code, NAMES[code]) for code in offered)
    return offered


def check(value: str | None, offered: list[str], message: str) -> None:
    """The field's check: one of the languages offered."""
    if value not in offered:
        raise FieldError(message)


class AsksLanguage:
    """A form mixin (before the form's base class): ``language`` asked among the partnership's
    ``languages=``, refused with ``language_required`` when none of them is chosen."""

    language = field()
    language_required = "Select a language"

    def __init__(self, *args: Any, languages: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages = ask(self, languages)  # type: ignore[arg-type]

    def validate_language(self, field: RadioField) -> None:
        check(field.data, self.languages, self.language_required)
