"""Sending a case's collated summary to the sub-group: who gets it, and a covering note.

The officer ticks people the service knows (the partnership's inboxes, the case's chairs, panel
members, agencies' contacts) and may type other addresses. Every address must be one the
secure-recipient policy calls secure: the view gives the form ``service.summaries.delivery.choose``
to check them, and the form puts what it finds on the fields, so the error summary names each
address refused.
The marshmallow schema has the same field names and turns the checked form into what
``delivery.send_to_sub_group`` takes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from marshmallow import RAISE, Schema, fields, validate
from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import Length, Optional

from forms.base import ServiceForm
from service.summaries.limits import MAX_RECIPIENTS, NOTE_MAX

if TYPE_CHECKING:
    from service.models import Partnership
    from service.summaries.delivery import Candidate, Choice

ADDRESSES_MAX = 5000
ADDRESSES_TOO_LONG = f"The addresses must be {ADDRESSES_MAX:,} characters or fewer"
NOTE_TOO_LONG = f"The note must be {NOTE_MAX:,} characters or fewer"


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class SendForm(ServiceForm):
    """Set ``offered`` (the candidates), ``partnership`` and ``choose`` before validating."""

    # The view offers the candidates; ``delivery.choose`` checks each ticked value against them.
    recipients = SelectMultipleField(choices=[], validate_choice=False)
    other_addresses = TextAreaField(
        filters=[_strip],
        validators=[Optional(), Length(max=ADDRESSES_MAX, message=ADDRESSES_TOO_LONG)],
    )
    note = TextAreaField(
        filters=[_strip], validators=[Optional(), Length(max=NOTE_MAX, message=NOTE_TOO_LONG)]
    )

    offered: Sequence[Candidate] = ()
    partnership: Partnership | None = None
    #: ``service.summaries.delivery.choose``: the domain's check of the ticked and typed addresses.
    choose: Callable[..., Choice] | None = None
    chosen: Choice | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.other_addresses.errors or self.partnership is None or self.choose is None:
            return False
        self.chosen = self.choose(
            self.partnership, self.offered, self.recipients.data or [], self.other_addresses.data
        )
        for name, messages in self.chosen.problems.items():
            getattr(self, name).errors = [*getattr(self, name).errors, *messages]
        return ok and not self.chosen.problems


class SendSchema(Schema):
    class Meta:
        unknown = RAISE

    addresses = fields.List(
        fields.String(validate=validate.Length(3, 254)),
        required=True,
        validate=validate.Length(1, MAX_RECIPIENTS),
    )
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=NOTE_MAX))


def clean(form: SendForm) -> dict[str, Any]:
    """``{"addresses": [...], "note": str | None}`` for ``delivery.send_to_sub_group``."""
    assert form.chosen is not None, "validate the form first"
    return SendSchema().load({"addresses": form.chosen.addresses, "note": form.note.data or None})
