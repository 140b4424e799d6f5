"""Family consent: the officer's request form, and the family member's pages (the choices, the
typed signature and date, sending, and withdrawing).

Each WTForms class checks what was typed with GOV.UK Design System messages; the date is a GOV.UK
date input (``signed_on-day``, ``-month``, ``-year``). The marshmallow schemas have the same
field names and turn checked data into what ``service.consent`` stores.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext, lazy_gettext
from marshmallow import RAISE, Schema, fields, validate
from wtforms import RadioField, StringField, TextAreaField
from wtforms import ValidationError as FieldError
from wtforms.validators import InputRequired, Length

from forms import language_choice, options
from forms.base import ServiceForm
from forms.question_forms import GovukDateField
from forms.questions import Question
from mail import policy
from service.consent.requests import NewRequest
from service.models import ConsentDelivery

NAME_MAX = 200
RELATION_MAX = 200
EMAIL_MAX = 254

# --- the officer's request -------------------------------------------------------------------

NAME_REQUIRED = "Enter the family member's full name"
NAME_TOO_LONG = f"The name must be {NAME_MAX} characters or fewer"
RELATION_REQUIRED = "Enter how they are related to the victim, like mother or brother"
RELATION_TOO_LONG = f"The relationship must be {RELATION_MAX} characters or fewer"
DELIVERY_REQUIRED = "Select how the request will reach them"
EMAIL_REQUIRED = "Enter the email address the family gave"
EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"

YES, NO = "yes", "no"
ASK_CHOICES = [
    (YES, "Yes, ask about the suspect or perpetrator too"),
    (NO, "No, ask only about the victim"),
]
ASK_REQUIRED = "Select whether the form asks about the suspect or perpetrator"
REASON_MAX = 2000
REASON_REQUIRED = "Enter why the form should not ask about the suspect or perpetrator"
REASON_TOO_LONG = f"The reason must be {REASON_MAX:,} characters or fewer"

DELIVERIES = [
    (ConsentDelivery.EMAIL.value, "By email, to an address the family gave"),
    (ConsentDelivery.LETTER.value, "By a printed letter, handed over by the police family "
                                   "liaison officer"),
]  # fmt: skip


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


#: The family member's language: one the partnership offers, or not known (then their letter,
#: form and emails are in both, Welsh first: ``service.consent.language``).
NOT_KNOWN = "unknown"
NOT_KNOWN_TEXT = "Not known: write to them in Welsh and English"
LANGUAGE_REQUIRED = "Select the language to write to them in, or that it is not known"


class AsksFamilyLanguage(language_choice.AsksLanguage):
    """The language asked as other people's is (``forms.language_choice``), where the
    partnership offers more than one, with a third answer: not known."""

    language_required = LANGUAGE_REQUIRED

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.language is not None:
            self.language.choices = [
                *self.language.choices,
                *options([(NOT_KNOWN, NOT_KNOWN_TEXT)]),
            ]

    def validate_language(self, field: RadioField) -> None:
        language_choice.check(field.data, [*self.languages, NOT_KNOWN], self.language_required)

    def chosen_language(self) -> str | None:
        """The language chosen; None where it is not known, or was not asked."""
        if self.language is None or self.language.data == NOT_KNOWN:
            return None
        return self.language.data

    def show_language(self, language: str | None) -> None:
        """Start the question at ``language`` (None: not known)."""
        if self.language is not None:
            self.language.data = language or NOT_KNOWN


class ConsentRequestForm(AsksFamilyLanguage, ServiceForm):
    name = StringField(
        filters=[_strip],
        validators=[InputRequired(NAME_REQUIRED), Length(max=NAME_MAX, message=NAME_TOO_LONG)],
    )
    relationship_to_victim = StringField(
        filters=[_strip],
        validators=[
            InputRequired(RELATION_REQUIRED),
            Length(max=RELATION_MAX, message=RELATION_TOO_LONG),
        ],
    )
    # No Optional() on these: it would stop the checks below from running.
    delivery = RadioField(choices=options(DELIVERIES), validate_choice=False)
    email = StringField(filters=[_strip])
    # Asked only where the partnership offers more than one language; declared here too, so
    # that it comes after the email address, as on the page.
    language = language_choice.field()

    def validate_delivery(self, field: RadioField) -> None:
        if field.data not in {d.value for d in ConsentDelivery}:
            raise FieldError(DELIVERY_REQUIRED)

    def validate_email(self, field: StringField) -> None:
        if self.delivery.data != ConsentDelivery.EMAIL.value:
            return
        if not field.data:
            raise FieldError(EMAIL_REQUIRED)
        if len(field.data) > EMAIL_MAX:
            raise FieldError(EMAIL_FORMAT)
        try:
            policy.normalise(field.data)
        except policy.InvalidAddress:
            raise FieldError(EMAIL_FORMAT) from None


class ConsentRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(1, NAME_MAX))
    relationship_to_victim = fields.String(required=True, validate=validate.Length(1, RELATION_MAX))
    delivery = fields.Enum(ConsentDelivery, by_value=True, required=True)
    email = fields.Email(
        allow_none=True, load_default=None, validate=validate.Length(max=EMAIL_MAX)
    )
    ask_about_suspect = fields.Boolean(load_default=False)
    language = fields.String(allow_none=True, load_default=None, validate=validate.Length(2, 8))


class ConsentLanguageForm(AsksFamilyLanguage, ServiceForm):
    """The family member's language, changed on their request's page."""


def clean_request(form: ConsentRequestForm, *, ask_about_suspect: bool) -> NewRequest:
    """The checked form as a new request: the email only for email delivery.
    ``ask_about_suspect``: the case's setting (``service.consent.form_settings``)."""
    email_delivery = form.delivery.data == ConsentDelivery.EMAIL.value
    data = ConsentRequestSchema().load(
        {
            "name": form.name.data,
            "relationship_to_victim": form.relationship_to_victim.data,
            "delivery": form.delivery.data,
            "email": policy.normalise(form.email.data) if email_delivery else None,
            "ask_about_suspect": ask_about_suspect,
            "language": form.chosen_language(),
        }
    )
    return NewRequest(**data)


class SuspectQuestionForm(ServiceForm):
    """The officer's switch: whether the case's consent form asks about the suspect or
    perpetrator, and why not when it does not."""

    ask = RadioField(choices=options(ASK_CHOICES), validate_choice=False)
    reason = TextAreaField(filters=[_strip])

    def validate_ask(self, field: RadioField) -> None:
        if field.data not in (YES, NO):
            raise FieldError(ASK_REQUIRED)

    def validate_reason(self, field: TextAreaField) -> None:
        if self.ask.data != NO:
            return
        if not field.data:
            raise FieldError(REASON_REQUIRED)
        if len(field.data) > REASON_MAX:
            raise FieldError(REASON_TOO_LONG)


# --- the family member's pages ---------------------------------------------------------------
# In the page's language (lazy: the classes are made once, for pages in Welsh and in English),
# each message whole, never built from pieces.

CHOICES = [
    (YES, lazy_gettext("Yes, I give consent")),
    (NO, lazy_gettext("No, I do not want to give consent")),
]
SUSPECT_REQUIRED = lazy_gettext(
    "Select whether you give consent to share information about the suspect or perpetrator"
)
SIGNED_NAME_REQUIRED = lazy_gettext("Enter your signature: type your name")
SIGNED_NAME_TOO_LONG = lazy_gettext(
    "Your signature must be %(max)s characters or fewer", max=NAME_MAX
)
PRINT_NAME_REQUIRED = lazy_gettext("Enter your full name")
PRINT_NAME_TOO_LONG = lazy_gettext("Your name must be %(max)s characters or fewer", max=NAME_MAX)
SIGNED_ON = Question("signed_on", lazy_gettext("Date"), "date",
                     error=lazy_gettext("Enter the date"))  # fmt: skip
DATE_OF_BIRTH = Question("date_of_birth", lazy_gettext("Date of birth"), "date",
                         error=lazy_gettext("Enter your date of birth"))  # fmt: skip
CODE_REQUIRED = lazy_gettext("Enter the code from the email")
CODE_FORMAT = lazy_gettext("The code must be 6 numbers, like 123456")


#: What the pages show of the consent form (Appendix 6 of the DHR procedure), in the page's
#: language: its statements, and what each choice gives consent to. The English is the signed
#: form's own (``service.consent.documents``), word for word; a test holds the two together.
STATEMENTS = [
    lazy_gettext(
        "I understand that public sector agencies are required to carry out a Domestic Homicide "
        "Review, which will look at the way agencies supported %(victim)s."
    ),
    lazy_gettext(
        "I understand that the review will lead to a report that highlights good practice and "
        "the lessons that can be learnt, to improve how agencies work together to support "
        "people experiencing domestic abuse."
    ),
    lazy_gettext(
        "I understand that the report will make recommendations for agencies to develop and "
        "improve their practice. A summary of the lessons learnt will be shared with agencies, "
        "but the report will not identify anyone."
    ),
    lazy_gettext(
        "I understand that information shared with the professionals carrying out the review "
        "will be destroyed after the report is completed."
    ),
]
CONSENT_TO = {
    "victim_information": lazy_gettext(
        "I give consent for information agencies hold about %(victim)s to be shared with the "
        "professionals carrying out the review."
    ),
    "suspect_information": lazy_gettext(
        "I give consent for information agencies hold about the suspect or perpetrator to be "
        "shared with the professionals carrying out the review."
    ),
}
#: Each answer as check your answers reads it back (yes, no, or not asked).
ANSWERED = {
    True: lazy_gettext("Yes, I give consent"),
    False: lazy_gettext("No, I do not give consent"),
    None: lazy_gettext("Not asked"),
}


def _with_victim(text: str, victim: str) -> str:
    # Only the victim's name goes in; a name with "%" in it stays as it is.
    return str(text).replace("%(victim)s", victim)


def statements(victim: str) -> list[str]:
    return [_with_victim(s, victim) for s in STATEMENTS]


def consent_to(name: str, victim: str) -> str:
    return _with_victim(CONSENT_TO[name], victim)


def answered(value: bool | None) -> str:
    return str(ANSWERED[value])


def victim_required(victim: str) -> str:
    return gettext(
        "Select whether you give consent to share information about %(victim)s", victim=victim
    )


class ChoicesForm(ServiceForm):
    """Consent about the victim's information, and about the suspect's only where asked."""

    victim_information = RadioField(choices=options(CHOICES), validate_choice=False)
    suspect_information = RadioField(choices=options(CHOICES), validate_choice=False)

    def __init__(self, *args: Any, victim: str, asks_suspect: bool, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.victim = victim
        self.asks_suspect = asks_suspect

    def validate_victim_information(self, field: RadioField) -> None:
        if field.data not in (YES, NO):
            raise FieldError(victim_required(self.victim))

    def validate_suspect_information(self, field: RadioField) -> None:
        if self.asks_suspect and field.data not in (YES, NO):
            raise FieldError(SUSPECT_REQUIRED)


class SignForm(ServiceForm):
    """The form's "Signed" and "Print name" (001 Appendix 6): the name typed as the signature,
    the full name printed beside it, and the date (today's unless changed)."""

    signed_name = StringField(
        filters=[_strip],
        validators=[
            InputRequired(SIGNED_NAME_REQUIRED),
            Length(max=NAME_MAX, message=SIGNED_NAME_TOO_LONG),
        ],
    )
    print_name = StringField(
        filters=[_strip],
        validators=[
            InputRequired(PRINT_NAME_REQUIRED),
            Length(max=NAME_MAX, message=PRINT_NAME_TOO_LONG),
        ],
    )
    signed_on = GovukDateField(SIGNED_ON)


class LetterSignForm(SignForm):
    """A letter's signature also asks the date of birth: with no email address on file, it is
    what checks it is them if they come back in another browser."""

    date_of_birth = GovukDateField(DATE_OF_BIRTH)


class DateOfBirthForm(ServiceForm):
    """Checking it is them, for a letter: the date of birth they gave on the form."""

    date_of_birth = GovukDateField(DATE_OF_BIRTH)


class CodeForm(ServiceForm):
    """Checking it is them, for an email request: the code sent to the address they gave."""

    code = StringField(filters=[lambda v: "".join(v.split()) if isinstance(v, str) else v])

    def validate_code(self, field: StringField) -> None:
        if not field.data:
            raise FieldError(CODE_REQUIRED)
        if len(field.data) != 6 or not field.data.isascii() or not field.data.isdigit():
            raise FieldError(CODE_FORMAT)


class SendForm(ServiceForm):
    """Sending from the check page: the CSRF token is all it carries."""


class AnswersSchema(Schema):
    """What the pages keep between them (in the browser's session) until the answer is sent."""

    class Meta:
        unknown = RAISE

    victim_information = fields.String(allow_none=True, validate=validate.OneOf([YES, NO]))
    suspect_information = fields.String(allow_none=True, validate=validate.OneOf([YES, NO]))
    signed_name = fields.String(allow_none=True, validate=validate.Length(1, NAME_MAX))
    print_name = fields.String(allow_none=True, validate=validate.Length(1, NAME_MAX))
    signed_on = fields.Date(allow_none=True)
    date_of_birth = fields.Date(allow_none=True)


def load_answers(raw: Any) -> dict[str, Any]:
    """The stored answers, checked again (a session may hold anything); bad ones are dropped."""
    if not isinstance(raw, dict):
        return {}
    schema = AnswersSchema()
    good: dict[str, Any] = {}
    for name, value in raw.items():
        if name in schema.fields and not schema.validate({name: value}):
            good[name] = schema.load({name: value})[name]
    return good


def dump_answers(answers: dict[str, Any]) -> dict[str, Any]:
    return AnswersSchema().dump(answers)


def date_parts(day: dt.date | None) -> dict[str, str] | None:
    if day is None:
        return None
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def choice(value: str | None) -> bool | None:
    return None if value is None else value == YES


def field_names() -> list[str]:
    """Every field name the consent pages post (for the fuzz tests)."""
    return sorted({
        "csrf_token", "name", "relationship_to_victim", "delivery", "email", "ask", "reason",
        "victim_information", "suspect_information", "signed_name", "print_name",
        "signed_on-day", "signed_on-month", "signed_on-year",
        "date_of_birth-day", "date_of_birth-month", "date_of_birth-year", "code",
    })  # fmt: skip
