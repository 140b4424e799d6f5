"""The officer's panel pages: a member, an agency's representative, a meeting (new, edited or
moved), its cancellation and its papers.

The views fill the choices (agencies, members) through the user's Scope and check each id
again; ``service.panels`` checks the rest (a secure address, a meeting in the future).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms import ValidationError as FieldError
from wtforms.validators import InputRequired, Length, Optional

from forms import language_choice
from forms.base import ServiceForm
from forms.question_forms import GovukDateField
from forms.questions import Question
from service.panels.members import LANGUAGE_REQUIRED

NAME_MAX = 200
EMAIL_MAX = 254
ROLE_MAX = 200
TITLE_MAX = 200
PLACE_MAX = 2000
NOTE_MAX = 5000

NAME_REQUIRED = "Enter the member’s full name"
EMAIL_REQUIRED = "Enter the member’s email address"
AGENCY_REQUIRED = "Select an agency"
TIME_REQUIRED = "Enter the start time"
TIME_INVALID = "Enter the start time as hours and minutes on the 24-hour clock, like 10:00 or 14:30"
DURATION_INVALID = "Enter the length of the meeting in minutes, like 120"
MEMBERS_REQUIRED = "Select at least one panel member to invite"
TITLE_REQUIRED = "Enter a title for the paper, like Agenda or Draft overview report"
PAPER_REQUIRED = "Select the paper to upload"

MEETING_DATE_Q = Question("date", "Date of the meeting", "date", past=False,
                          error_name="the date of the meeting")  # fmt: skip

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _too_long(what: str, limit: int) -> Length:
    return Length(max=limit, message=f"{what} must be {limit:,} characters or fewer")


def parse_time(value: str | None) -> dt.time | None:
    match = _TIME.match((value or "").strip())
    return dt.time(int(match[1]), int(match[2])) if match else None


def date_parts(day: dt.date | None) -> dict[str, str] | None:
    if day is None:
        return None
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


class MemberForm(language_choice.AsksLanguage, ServiceForm):
    name = StringField(
        filters=[_strip],
        validators=[InputRequired(NAME_REQUIRED), _too_long("The name", NAME_MAX)],
    )
    email = StringField(
        filters=[_strip],
        validators=[InputRequired(EMAIL_REQUIRED), _too_long("The email address", EMAIL_MAX)],
    )
    agency = SelectField(choices=[], validate_choice=False)
    role = StringField(filters=[_strip], validators=[Optional(), _too_long("The role", ROLE_MAX)])
    # Asked only where the partnership offers more than one language.
    # Declared here too, so that it comes last on the form, as on the page.
    language = language_choice.field()
    language_required = LANGUAGE_REQUIRED


class MemberLanguageForm(language_choice.AsksLanguage, ServiceForm):
    """The language of a member's emails, changed."""

    language_required = LANGUAGE_REQUIRED


class AgencyMemberForm(ServiceForm):
    agency = SelectField(choices=[], validate_choice=False)

    def validate_agency(self, field: SelectField) -> None:
        if not field.data or not str(field.data).isdigit():
            raise FieldError(AGENCY_REQUIRED)


class MeetingForm(ServiceForm):
    date = GovukDateField(MEETING_DATE_Q)
    start = StringField(filters=[_strip], validators=[InputRequired(TIME_REQUIRED)])
    duration = StringField(filters=[_strip], default="120")
    location = TextAreaField(
        filters=[_strip], validators=[Optional(), _too_long("The place", PLACE_MAX)]
    )
    joining_details = TextAreaField(
        filters=[_strip], validators=[Optional(), _too_long("The joining details", PLACE_MAX)]
    )
    note = TextAreaField(filters=[_strip], validators=[Optional(), _too_long("The note", NOTE_MAX)])
    members = SelectMultipleField(choices=[], validate_choice=False)
    resend_papers = BooleanField()

    def validate_start(self, field: StringField) -> None:
        if field.data and parse_time(field.data) is None:
            raise FieldError(TIME_INVALID)

    def validate_duration(self, field: StringField) -> None:
        value = (field.data or "").strip()
        if not value.isdigit() or not 1 <= int(value) <= 24 * 60:
            raise FieldError(DURATION_INVALID)

    def validate_members(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise FieldError(MEMBERS_REQUIRED)

    @property
    def start_time(self) -> dt.time | None:
        return parse_time(self.start.data)

    @property
    def member_ids(self) -> list[int]:
        return [int(v) for v in self.members.data or () if str(v).isdigit() and len(str(v)) < 12]


class CancelForm(ServiceForm):
    reason = TextAreaField(filters=[_strip],
                           validators=[Optional(), _too_long("The reason", NOTE_MAX)])  # fmt: skip


class PaperForm(ServiceForm):
    title = StringField(
        filters=[_strip],
        validators=[InputRequired(TITLE_REQUIRED), _too_long("The title", TITLE_MAX)],
    )
    paper = FileField()


def field_names() -> list[str]:
    """Every field name the panel pages post (for the fuzz tests)."""
    return sorted({"csrf_token", "name", "email", "agency", "role", "date-day", "date-month",
                   "date-year", "start", "duration", "location", "joining_details", "note",
                   "members", "resend_papers", "reason", "title", "paper", "language"})  # fmt: skip
