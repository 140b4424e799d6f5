"""The base of every form in the service: Flask-WTF's, refusing text with control characters."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

# The check itself is plain, shared with the schemas; it is named here too, where forms look.
from forms.questions import CONTROL, control_message, has_control

__all__ = ["CONTROL", "ServiceForm", "control_message", "has_control"]


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
