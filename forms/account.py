"""Signing in, setting up an account and resetting a password.

Messages follow the GOV.UK Design System's error-message patterns. These forms are not
submissions to a review, so they have no marshmallow schema.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from forms.base import ServiceForm
from service.auth import passwords


def _email(form: FlaskForm, field: StringField) -> None:
    value = (field.data or "").strip()
    if value and ("@" not in value or value.startswith("@") or value.endswith("@")):
        raise ValidationError(
            "Enter an email address in the correct format, like name@example.gov.uk"
        )


def _code(form: FlaskForm, field: StringField) -> None:
    digits = "".join(ch for ch in (field.data or "") if not ch.isspace() and ch != "-")
    if not digits:
        raise ValidationError("Enter the security code")
    if not digits.isdigit():
        raise ValidationError("The security code must only include numbers 0 to 9")
    if len(digits) != 6:
        raise ValidationError("The security code must be 6 numbers")


class SignInForm(ServiceForm):
    email = StringField(validators=[DataRequired("Enter your email address"), _email])
    password = PasswordField(validators=[DataRequired("Enter your password")])


class SecurityCodeForm(ServiceForm):
    code = StringField(validators=[_code])


class ChoosePasswordForm(ServiceForm):
    password = PasswordField(
        validators=[
            DataRequired("Enter a password"),
            Length(
                min=passwords.MIN_LENGTH,
                message=f"Password must be {passwords.MIN_LENGTH} characters or more",
            ),
            Length(
                max=passwords.MAX_LENGTH,
                message=f"Password must be {passwords.MAX_LENGTH} characters or fewer",
            ),
        ]
    )
    confirm = PasswordField(
        validators=[
            DataRequired("Re-type your password"),
            EqualTo("password", "The passwords do not match"),
        ]
    )

    def validate_password(self, field: PasswordField) -> None:
        reason = passwords.problem(field.data or "")
        if reason:
            raise ValidationError(reason)


class ResetPasswordForm(ChoosePasswordForm):
    code = StringField(validators=[_code])


class ForgotPasswordForm(ServiceForm):
    email = StringField(validators=[DataRequired("Enter your email address"), _email])
