"""Officers managing the partnership's console users: inviting a user, and assigning a chair to
a case.

Messages follow the GOV.UK Design System's error-message patterns. ``InviteUserSchema`` has the
same field names as ``InviteUserForm``: the form checks what the person typed, the schema is the
shape of the data handed to ``service.auth.accounts.create_user``.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from marshmallow import Schema, fields, validate
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from forms.base import ServiceForm
from service.models import Role

ROLE_CHOICES = [
    (Role.OFFICER.value, "Officer"),
    (Role.CHAIR.value, "Chair"),
    (Role.VIEWER.value, "Viewer"),
]
#: The hint under each role's radio.
ROLE_HINTS = {
    Role.OFFICER.value: "Everything in the partnership",
    Role.CHAIR.value: "Reads the cases they are assigned to",
    Role.VIEWER.value: "Reads everything, changes nothing",
}
EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.gov.uk"


def _email(form: FlaskForm, field: StringField) -> None:
    value = (field.data or "").strip()
    if value and ("@" not in value or value.startswith("@") or value.endswith("@")):
        raise ValidationError(EMAIL_FORMAT)


def _one_of(choices: list[tuple[str, str]], message: str):
    values = {value for value, _ in choices}

    def check(form: FlaskForm, field: RadioField) -> None:
        if field.data not in values:
            raise ValidationError(message)

    return check


class InviteUserForm(ServiceForm):
    email = StringField(
        validators=[
            DataRequired("Enter their email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            _email,
        ]
    )
    name = StringField(
        validators=[Optional(), Length(max=200, message="Name must be 200 characters or fewer")]
    )
    # validate_choice=False: the one message below, not WTForms' "Not a valid choice".
    role = RadioField(
        validate_choice=False,
        validators=[_one_of(ROLE_CHOICES, "Select what they can do")],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Set here, not on the field: the macros read (value, text) pairs.
        self.role.choices = list(ROLE_CHOICES)


class InviteUserSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    role = fields.String(required=True, validate=validate.OneOf([v for v, _ in ROLE_CHOICES]))


class AssignChairForm(ServiceForm):
    """The choices are the partnership's active chairs, built through the Scope by the view; the
    submitted id is checked again through the Scope, never trusted from the form."""

    user_id = SelectField(
        choices=[],
        validate_choice=False,
        validators=[DataRequired("Select a chair")],
    )
