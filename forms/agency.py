"""Adding or changing one of the partnership's agencies in the console.

``AgencyForm`` checks what the officer typed and gives GOV.UK Design System messages;
``AgencySchema`` has the same field names and turns the checked form data into the clean dict
``service.agencies.save`` takes (addresses split, normalised and de-duplicated). Dumping an
``Agency`` with the schema gives the form's starting data for the edit page.

Addresses outside the partnership's secure domains are allowed: the mail policy sends them a
notice without the content (or holds the message), and the pages say so.

The language the agency's emails are written in is asked only where the partnership offers more
than one (``AgencyForm(languages=...)``); elsewhere the form has no such field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from wtforms import BooleanField, StringField, TextAreaField
from wtforms import ValidationError as FieldError
from wtforms.validators import DataRequired, Length

from forms import language_choice
from forms.base import ServiceForm
from mail import policy
from service.i18n import NAMES as LANGUAGE_NAMES

NAME_MAX = 200
MAX_ADDRESSES = 50

NAME_REQUIRED = "Enter the agency name"
NAME_TOO_LONG = f"Agency name must be {NAME_MAX} characters or fewer"
ADDRESSES_REQUIRED = "Enter at least one secure email address"
TOO_MANY_ADDRESSES = f"Enter {MAX_ADDRESSES} secure email addresses or fewer"
ESCALATION_FORMAT = (
    "Enter the escalation contact's email address in the correct format, like name@example.gov.uk"
)
LANGUAGE_REQUIRED = "Select the language of the emails to the agency"


def bad_line(line: str) -> str:
    return (
        f"Enter each email address in the correct format, like name@example.gov.uk: '{line}' is not"
    )


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def parse_addresses(text: str | list[str] | None) -> list[str]:
    """The addresses in ``text`` (one a line, blank lines ignored), normalised, each once.

    ValueError with the GOV.UK message if there are none or a line is not an address.
    """
    lines = text.splitlines() if isinstance(text, str) else list(text or [])
    addresses: list[str] = []
    for raw in lines:
        line = str(raw).strip()
        if not line:
            continue
        try:
            address = policy.normalise(line)
        except policy.InvalidAddress:
            raise ValueError(bad_line(line)) from None
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ValueError(ADDRESSES_REQUIRED)
    if len(addresses) > MAX_ADDRESSES:
        raise ValueError(TOO_MANY_ADDRESSES)
    return addresses


def parse_escalation_contact(value: str | None) -> str | None:
    """The normalised address, or None when left blank; ValueError if it is not an address."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return policy.normalise(value)
    except policy.InvalidAddress:
        raise ValueError(ESCALATION_FORMAT) from None


# --- the form ---------------------------------------------------------------------------------


def _checked_by(parse: Callable[[Any], object]) -> Callable[[FlaskForm, Any], None]:
    def check(form: FlaskForm, field: Any) -> None:
        try:
            parse(field.data)
        except ValueError as exc:
            raise FieldError(str(exc)) from None

    return check


class AgencyForm(language_choice.AsksLanguage, ServiceForm):
    name = StringField(
        filters=[_strip],
        validators=[DataRequired(NAME_REQUIRED), Length(max=NAME_MAX, message=NAME_TOO_LONG)],
    )
    secure_addresses = TextAreaField(validators=[_checked_by(parse_addresses)])
    escalation_contact = StringField(
        filters=[_strip], validators=[_checked_by(parse_escalation_contact)]
    )
    on_standard_trawl_list = BooleanField()
    # Asked only where the partnership offers more than one language (``languages=``).
    # Declared here too, so that it comes last on the form, as on the page.
    language = language_choice.field()
    language_required = LANGUAGE_REQUIRED


# --- the schema -------------------------------------------------------------------------------


class AddressLines(fields.Field):
    """Addresses one a line in the form; a list of normalised addresses in the model."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str:
        return "\n".join(value or [])

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        if not isinstance(value, str | list):
            raise ValidationError(ADDRESSES_REQUIRED)
        try:
            return parse_addresses(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class OptionalAddress(fields.Field):
    """One address, normalised, or None when blank."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_none=True, load_default=None, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return value

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        if not isinstance(value, str):
            raise ValidationError(ESCALATION_FORMAT)
        try:
            return parse_escalation_contact(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class TrimmedString(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class AgencySchema(Schema):
    class Meta:
        unknown = RAISE

    name = TrimmedString(
        required=True,
        validate=[
            validate.Length(min=1, error=NAME_REQUIRED),
            validate.Length(max=NAME_MAX, error=NAME_TOO_LONG),
        ],
        error_messages={"required": NAME_REQUIRED},
    )
    secure_addresses = AddressLines(required=True, error_messages={"required": ADDRESSES_REQUIRED})
    escalation_contact = OptionalAddress()
    on_standard_trawl_list = fields.Boolean(load_default=False)
    # None where the form does not ask it: the agency keeps its language (a new one gets the
    # partnership's first).
    language = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(list(LANGUAGE_NAMES), error=LANGUAGE_REQUIRED),
    )


def clean(form: AgencyForm) -> dict[str, Any]:
    """The checked form's data as ``service.agencies.save`` takes it."""
    schema = AgencySchema()
    return schema.load({name: form[name].data for name in schema.fields if name in form})
