"""The base of every form in the service: Flask-WTF's, refusing text with control characters."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm

#: C0 control characters and DEL, except tab, line feed and carriage return. They cannot be
#: typed, only pasted or scripted; a NUL in particular cannot be stored in Postgres text and
#: breaks the PDFs and emails the answers go into.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control(value: Any) -> bool:
    """True if a text value (or any text in a list of them) holds a control character."""
    if isinstance(value, str):
        return CONTROL.search(value) is not None
    if isinstance(value, list | tuple):
        return any(has_control(v) for v in value)
    return False


def control_message(what: str | None = None) -> str:
    """The field error for a control character: ``what`` names the answer ("Full name")."""
    subject = what[0].upper() + what[1:] if what else "The text you entered"
    return f"{subject} must not include hidden control characters: type it in again"


class ServiceForm(FlaskForm):
    """A Flask-WTF form whose text answers are never accepted with control characters.

    The check runs after the fields' own validators and replaces their errors, so that the one
    message shown is the one that helps; subclasses that override ``validate`` call this first.
    """

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for fld in self:
            if has_control(fld.data):
                question = getattr(fld, "question", None)
                fld.errors = [control_message(question.said if question else None)]
                ok = False
        return ok
