"""The base of every form in the service: Flask-WTF's, refusing text with control characters."""

from __future__ import annotations

import functools
from typing import Any

from babel import support
from flask import current_app
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

# The check itself is plain, shared with the schemas; it is named here too, where forms look.
from forms.questions import CONTROL, control_message, has_control

__all__ = ["CONTROL", "ServiceForm", "control_message", "has_control"]


@functools.lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """WTForms' own messages in the page's language, its catalogue read from disk once a
    language (Flask-WTF's own reads it again for every request)."""

    @staticmethod
    def _catalogue() -> support.Translations | None:
        if "babel" not in current_app.extensions:
            return None
        from flask_babel import get_locale

        return _wtforms_catalogue(str(get_locale()))

    def gettext(self, string: str) -> str:
        found = self._catalogue()
        return string if found is None else found.ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._catalogue()
        if found is None:
            return singular if n == 1 else plural
        return found.ungettext(singular, plural, n)


_MESSAGES = _WTFormsMessages()


class ServiceForm(FlaskForm):
    """A Flask-WTF form whose text answers are never accepted with control characters.

    The check runs after the fields' own validators and replaces their errors, so that the one
    message shown is the one that helps; subclasses that override ``validate`` call this first.
    """

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> Any:
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _MESSAGES

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for fld in self:
            if has_control(fld.data):
                question = getattr(fld, "question", None)
                fld.errors = [control_message(question.said if question else None)]
                ok = False
        return ok
