"""The officer's invitation to the scoping meeting on a draft trawl: the date, the time and the
place or joining details, all optional; a time or a place needs a date. The messages are in the
page's language (lazy: the form class is made once, for either language)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from forms.base import ServiceForm
from forms.question_forms import GovukDateField
from forms.questions import Question

TIME_MAX = 100
PLACE_MAX = 2000
MEETING_DATE = Question("meeting_date", lazy_gettext("Date of the scoping meeting"), "date",
                        required=False, past=False,
                        error_name=lazy_gettext("the date of the scoping meeting"))  # fmt: skip
TIME_TOO_LONG = lazy_gettext("The time must be %(max)s characters or fewer", max=TIME_MAX)
_PLACE_LIMIT = f"{PLACE_MAX:,}"
PLACE_TOO_LONG = lazy_gettext(
    "The place or joining details must be %(max)s characters or fewer", max=_PLACE_LIMIT
)
DATE_NEEDED = lazy_gettext("Enter the date of the scoping meeting, or remove the time and place")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class MeetingForm(ServiceForm):
    meeting_date = GovukDateField(MEETING_DATE)
    meeting_time = StringField(
        filters=[_strip], validators=[Optional(), Length(max=TIME_MAX, message=TIME_TOO_LONG)]
    )
    meeting_place = TextAreaField(
        filters=[_strip], validators=[Optional(), Length(max=PLACE_MAX, message=PLACE_TOO_LONG)]
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.meeting_date.date is None and (self.meeting_time.data or
                                                      self.meeting_place.data):  # fmt: skip
            self.meeting_date.errors = [DATE_NEEDED]
            return False
        return ok


def cleaned(form: MeetingForm) -> dict[str, dt.date | str | None]:
    return {
        "meeting_date": form.meeting_date.date,
        "meeting_time": form.meeting_time.data or None,
        "meeting_place": form.meeting_place.data or None,
    }
