"""The officer's "send again to a corrected address" page, for an email that bounced: the new
address. ``mail.bounces.resend`` checks its format and the secure-recipient policy."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import InputRequired, Length

from forms.base import ServiceForm

EMAIL_MAX = 254
EMAIL_REQUIRED = "Enter the corrected email address"
EMAIL_TOO_LONG = f"Email address must be {EMAIL_MAX} characters or fewer"


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class CorrectedAddressForm(ServiceForm):
    email = StringField(
        filters=[_strip],
        validators=[InputRequired(EMAIL_REQUIRED), Length(max=EMAIL_MAX, message=EMAIL_TOO_LONG)],
    )
