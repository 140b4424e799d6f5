"""The officer's decision on a referral: sections 2 and 3 of the referral form.

``DecisionForm`` checks what the officer typed, with GOV.UK Design System messages; dates are
GOV.UK date inputs (``<name>-day``, ``-month``, ``-year``) checked as the referral form checks
its own. ``DecisionSchema`` has the same field names and turns the checked form's data into the
arguments of ``service.referrals.decisions.record_decision``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from wtforms import RadioField, StringField, TextAreaField
from wtforms import ValidationError as FieldError
from wtforms.validators import Length, Optional

from forms import options
from forms.base import ServiceForm
from forms.question_forms import GovukDateField
from forms.questions import LONG, YES_NO, Question

MIN_YEARS, MAX_YEARS = 1, 20

MEETS_CRITERIA_CHOICE = "Select yes if the case meets the criteria for a Domestic Homicide Review"
YEARS_REQUIRED = "Enter how many years before the death agencies should search their records"
YEARS_WHOLE = "The number of years must be a whole number, like 5"
YEARS_RANGE = f"The number of years must be between {MIN_YEARS} and {MAX_YEARS}"
PEOPLE_TOO_LONG = f"Relevant people must be {LONG:,} characters or fewer"
RECOMMENDATION_TOO_LONG = f"The recommendation must be {LONG:,} characters or fewer"

#: The section 3 dates: (field name, label). Only the date received is required.
DATES = [
    ("date_received", "Date the referral was received"),
    ("date_considered", "Date the DHR sub-group considered the referral"),
    ("date_notified_chair", "Date the chair of the Community Safety Partnership was told"),
    ("date_notified_home_office", "Date the Home Office was told"),
]
DATE_QUESTIONS = {
    name: Question(name, label, "date", required=name == "date_received") for name, label in DATES
}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def parse_years(value: Any) -> int | None:
    """The number of years to trawl, or None when blank; ValueError with the message."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(YEARS_WHOLE)
    years = int(text)
    if not MIN_YEARS <= years <= MAX_YEARS:
        raise ValueError(YEARS_RANGE)
    return years


class DecisionForm(ServiceForm):
    # Section 2: at the DHR sub-group.
    meets_criteria = RadioField(
        choices=options(YES_NO), validators=[Optional()], validate_choice=False
    )
    relevant_people = TextAreaField(
        filters=[_strip], validators=[Optional(), Length(max=LONG, message=PEOPLE_TOO_LONG)]
    )
    trawl_years = StringField(filters=[_strip])
    # Section 3: for the DHR officer.
    date_received = GovukDateField(DATE_QUESTIONS["date_received"])
    date_considered = GovukDateField(DATE_QUESTIONS["date_considered"])
    recommendation = TextAreaField(
        filters=[_strip],
        validators=[Optional(), Length(max=LONG, message=RECOMMENDATION_TOO_LONG)],
    )
    date_notified_chair = GovukDateField(DATE_QUESTIONS["date_notified_chair"])
    date_notified_home_office = GovukDateField(DATE_QUESTIONS["date_notified_home_office"])

    def validate_meets_criteria(self, field: RadioField) -> None:
        if field.data not in (None, "", "yes", "no"):
            raise FieldError(MEETS_CRITERIA_CHOICE)

    def validate_trawl_years(self, field: StringField) -> None:
        try:
            years = parse_years(field.data)
        except ValueError as exc:
            raise FieldError(str(exc)) from None
        if years is None and self.meets_criteria.data == "yes":
            raise FieldError(YEARS_REQUIRED)


class DecisionSchema(Schema):
    class Meta:
        unknown = RAISE

    meets_criteria = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(["yes", "no"], error=MEETS_CRITERIA_CHOICE),
    )
    relevant_people = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=LONG, error=PEOPLE_TOO_LONG),
    )
    trawl_years = fields.Integer(
        allow_none=True,
        load_default=None,
        strict=False,
        validate=validate.Range(MIN_YEARS, MAX_YEARS, error=YEARS_RANGE),
        error_messages={"invalid": YEARS_WHOLE},
    )
    date_received = fields.Date(required=True)
    date_considered = fields.Date(allow_none=True, load_default=None)
    recommendation = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=LONG, error=RECOMMENDATION_TOO_LONG),
    )
    date_notified_chair = fields.Date(allow_none=True, load_default=None)
    date_notified_home_office = fields.Date(allow_none=True, load_default=None)

    @validates_schema
    def _years_when_it_meets(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("meets_criteria") == "yes" and data.get("trawl_years") is None:
            raise ValidationError(YEARS_REQUIRED, "trawl_years")


def clean(form: DecisionForm) -> dict[str, Any]:
    """The checked form's data as ``record_decision`` takes it: blanks as None, dates as dates,
    the years as a number."""
    raw: dict[str, Any] = {}
    for name in DecisionSchema().fields:
        fld = form[name]
        if isinstance(fld, GovukDateField):
            raw[name] = fld.iso
        else:
            raw[name] = fld.data or None
    return DecisionSchema().load(raw)


def _parts(day: dt.date | None) -> dict[str, str] | None:
    if day is None:
        return None
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def initial_data(
    decision: dict[str, Any], *, received: dt.date | None, people: str
) -> dict[str, Any]:
    """The form's starting data from the stored decision (``DECISION_FIELDS`` of the referral):
    the date received defaults to ``received`` (the day it was submitted) and the relevant people
    to ``people`` (the names the referral gives)."""
    data: dict[str, Any] = {}
    for name in DecisionSchema().fields:
        value = decision.get(name)
        if name in DATE_QUESTIONS:
            if value is None and name == "date_received":
                value = received
            if value is not None:
                data[name] = _parts(value)
        elif name == "trawl_years":
            data[name] = "" if value is None else str(value)
        elif name == "relevant_people":
            data[name] = value if value is not None else people
        else:
            data[name] = value
    return data
