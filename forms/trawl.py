"""The officer's trawl pages: choosing agencies and people, adding a person, the scoping period,
the note, deciding an agency's request for more time, and the statistics period.

Each WTForms class checks what the officer typed with GOV.UK Design System messages; dates are
GOV.UK date inputs (``<name>-day``, ``-month``, ``-year``). The marshmallow schemas have the same
field names and turn a checked form's data into what ``service.trawls`` and the views store.
Ids ticked in the checkbox lists are checked again by the views, through the user's Scope.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import RAISE, Schema, fields, validate
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms import ValidationError as FieldError
from wtforms.validators import InputRequired, Length, Optional

from forms import options
from forms.base import ServiceForm
from forms.question_forms import GovukDateField
from forms.questions import Question

NAME_MAX = 200
RELATION_MAX = 200
ADDRESS_MAX = 1000
NOTE_MAX = 5000
REASON_MAX = 2000  # as service.trawls.extensions.REASON_MAX

AGENCIES_REQUIRED = "Select at least one agency"
PEOPLE_REQUIRED = "Select at least one person for agencies to search for"
NAME_REQUIRED = "Enter the person's full name"
NAME_TOO_LONG = f"The name must be {NAME_MAX} characters or fewer"
RELATION_REQUIRED = "Enter how the person is related to the victim, like son or previous partner"
RELATION_TOO_LONG = f"The relationship must be {RELATION_MAX} characters or fewer"
ADDRESS_TOO_LONG = f"The address must be {ADDRESS_MAX:,} characters or fewer"
NOTE_TOO_LONG = f"The note must be {NOTE_MAX:,} characters or fewer"
SCOPE_ORDER = "The start of the scoping period must be the same as or before its end"
DECISION_REQUIRED = "Select whether to approve or refuse the request for more time"
REFUSAL_REQUIRED = "Enter why you are refusing the request for more time"
REFUSAL_TOO_LONG = f"The reason must be {REASON_MAX:,} characters or fewer"
PERIOD_ORDER = "The end of the period must be the same as or after its start"

DECISIONS = [("approve", "Approve: move the due date"), ("refuse", "Refuse: keep the due date")]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def date_parts(day: dt.date | None) -> dict[str, str] | None:
    """A date as a GOV.UK date input's starting data."""
    if day is None:
        return None
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def _ids() -> SelectMultipleField:
    """Ticked checkboxes: the views fill the choices and check each id through the Scope."""
    return SelectMultipleField(choices=[], validate_choice=False)


# --- the draft trawl's pages -----------------------------------------------------------------


class AgenciesForm(ServiceForm):
    agencies = _ids()

    def validate_agencies(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise FieldError(AGENCIES_REQUIRED)


class PeopleForm(ServiceForm):
    people = _ids()

    def validate_people(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise FieldError(PEOPLE_REQUIRED)


DATE_OF_BIRTH = Question("date_of_birth", "Date of birth", "date", required=False)


class PersonForm(ServiceForm):
    """Someone else agencies should search for: a child, a previous partner..."""

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
    date_of_birth = GovukDateField(DATE_OF_BIRTH)
    address = TextAreaField(
        filters=[_strip],
        validators=[Optional(), Length(max=ADDRESS_MAX, message=ADDRESS_TOO_LONG)],
    )


class PersonSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(1, NAME_MAX))
    relationship_to_victim = fields.String(required=True, validate=validate.Length(1, RELATION_MAX))
    date_of_birth = fields.Date(allow_none=True, load_default=None)
    address = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=ADDRESS_MAX)
    )


def clean_person(form: PersonForm) -> dict[str, Any]:
    """The checked form as CasePerson columns: blanks as None, the date as a date."""
    return PersonSchema().load(
        {
            "name": form.name.data,
            "relationship_to_victim": form.relationship_to_victim.data,
            "date_of_birth": form.date_of_birth.iso,
            "address": form.address.data or None,
        }
    )


SCOPE_FROM = Question("scope_from", "Start of the scoping period", "date", past=False)
SCOPE_TO = Question("scope_to", "End of the scoping period", "date", past=False)


class ScopeForm(ServiceForm):
    scope_from = GovukDateField(SCOPE_FROM)
    scope_to = GovukDateField(SCOPE_TO)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        start, end = self.scope_from.date, self.scope_to.date
        if start and end and start > end:
            self.scope_from.errors = [SCOPE_ORDER]
            return False
        return ok


class ScopeSchema(Schema):
    class Meta:
        unknown = RAISE

    scope_from = fields.Date(required=True)
    scope_to = fields.Date(required=True)


def clean_scope(form: ScopeForm) -> dict[str, dt.date]:
    return ScopeSchema().load({"scope_from": form.scope_from.iso, "scope_to": form.scope_to.iso})


class NoteForm(ServiceForm):
    note = TextAreaField(
        filters=[_strip], validators=[Optional(), Length(max=NOTE_MAX, message=NOTE_TOO_LONG)]
    )


# --- an agency's request for more time ---------------------------------------------------------


class ExtensionDecisionForm(ServiceForm):
    # No Optional() on these: it would stop the checks below from running.
    decision = RadioField(choices=options(DECISIONS), validate_choice=False)
    refusal_reason = TextAreaField(
        filters=[_strip], validators=[Length(max=REASON_MAX, message=REFUSAL_TOO_LONG)]
    )

    def validate_decision(self, field: RadioField) -> None:
        if field.data not in ("approve", "refuse"):
            raise FieldError(DECISION_REQUIRED)

    def validate_refusal_reason(self, field: TextAreaField) -> None:
        if self.decision.data == "refuse" and not field.data:
            raise FieldError(REFUSAL_REQUIRED)


class ExtensionDecisionSchema(Schema):
    class Meta:
        unknown = RAISE

    decision = fields.String(required=True, validate=validate.OneOf(["approve", "refuse"]))
    refusal_reason = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=REASON_MAX)
    )


def clean_decision(form: ExtensionDecisionForm) -> dict[str, Any]:
    """``{"approve": bool, "refusal_reason": str | None}`` for ``extensions.decide``."""
    data = ExtensionDecisionSchema().load(
        {"decision": form.decision.data, "refusal_reason": form.refusal_reason.data or None}
    )
    approve = data["decision"] == "approve"
    return {"approve": approve, "refusal_reason": None if approve else data["refusal_reason"]}


# --- the statistics period (a GET form: it changes nothing, so no CSRF token) -----------------


PERIOD_START = Question("start", "Start of the period", "date", past=False)
PERIOD_END = Question("end", "End of the period", "date", past=False)


class StatisticsPeriodForm(ServiceForm):
    class Meta:
        csrf = False

    start = GovukDateField(PERIOD_START)
    end = GovukDateField(PERIOD_END)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.start.date and self.end.date and self.end.date < self.start.date:
            self.end.errors = [PERIOD_ORDER]
            return False
        return ok
