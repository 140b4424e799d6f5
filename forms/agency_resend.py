"""Sending an agency's bounced requests again once its address is corrected: whether their due
dates restart."""

from __future__ import annotations

from wtforms import RadioField
from wtforms import ValidationError as FieldError

from forms import options
from forms.base import ServiceForm

RESTART_CHOICES = [
    ("restart", "Yes, restart the due date from today"),
    ("keep", "No, keep the due date"),
]
RESTART_REQUIRED = "Select whether the due date restarts"


class SendAgainForm(ServiceForm):
    # No Optional(): it would stop the check below from running.
    restart = RadioField(choices=options(RESTART_CHOICES), validate_choice=False)

    def validate_restart(self, field: RadioField) -> None:
        if field.data not in ("restart", "keep"):
            raise FieldError(RESTART_REQUIRED)
