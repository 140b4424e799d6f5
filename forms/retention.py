"""The officer's retention forms: closing a case, placing a legal hold, deferring a case's
deletion, and searching for a person for a subject access request.

Messages follow the GOV.UK Design System's error-message patterns; dates are GOV.UK date inputs
(``<name>-day``, ``-month``, ``-year``).
"""

from __future__ import annotations

from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from forms import options
from forms.base import ServiceForm
from forms.question_forms import GovukDateField
from forms.questions import Question
from service.models import CaseOutcome
from service.retention.closing import OUTCOME_LABELS

REASON_MAX = 2000
OUTCOME_CHOICES = [(o.value, OUTCOME_LABELS[o]) for o in CaseOutcome]
ENDED_ON = Question(
    "ended_on",
    "Date the report was published or the review ended",
    "date",
    error="Enter the date the report was published or the review ended",
)
BIRTH = Question("date_of_birth", "Date of birth", "date", required=False)


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _reason(missing: str) -> TextAreaField:
    return TextAreaField(
        filters=[_strip],
        validators=[
            DataRequired(message=missing),
            Length(
                max=REASON_MAX, message=f"The reason must be {REASON_MAX:,} characters or fewer"
            ),
        ],
    )


class CloseCaseForm(ServiceForm):
    outcome = RadioField(
        choices=options(OUTCOME_CHOICES),
        validators=[InputRequired(message="Select how the review ended")],
    )
    ended_on = GovukDateField(ENDED_ON)


class LegalHoldForm(ServiceForm):
    reason = _reason("Enter why the case is under a legal hold")


class DeferDeletionForm(ServiceForm):
    reason = _reason("Enter why the deletion is being deferred")


class SubjectAccessForm(ServiceForm):
    name = StringField(
        filters=[_strip],
        validators=[
            DataRequired(message="Enter the person's name"),
            Length(min=2, max=200, message="The name must be between 2 and 200 characters"),
        ],
    )
    date_of_birth = GovukDateField(BIRTH)
