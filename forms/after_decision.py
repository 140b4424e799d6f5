"""After the decision: the text of a notification, and an agreed new date for the overview report.

Each WTForms class has a marshmallow schema with the same field names, which turns the checked
form's data into the arguments of ``service.reviews``.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate
from wtforms import BooleanField, TextAreaField
from wtforms.validators import InputRequired, Length

from forms.base import ServiceForm
from forms.question_forms import GovukDateField
from forms.questions import Question

BODY_MAX = 20_000
REASON_MAX = 2_000
BODY_REQUIRED = "Enter the text of the notification"
BODY_TOO_LONG = f"The text must be {BODY_MAX:,} characters or fewer"
REASON_REQUIRED = "Enter why the date has changed"
REASON_TOO_LONG = f"The reason must be {REASON_MAX:,} characters or fewer"
REPORT_DATE = Question(
    "due_on", "New date for the overview report", "date", required=True, past=False
)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class NotificationForm(ServiceForm):
    body = TextAreaField(
        filters=[_strip],
        validators=[InputRequired(BODY_REQUIRED), Length(max=BODY_MAX, message=BODY_TOO_LONG)],
    )


class NotificationSchema(Schema):
    class Meta:
        unknown = RAISE

    body = fields.String(required=True, validate=validate.Length(min=1, max=BODY_MAX))


class ReportDateForm(ServiceForm):
    due_on = GovukDateField(REPORT_DATE)
    reason = TextAreaField(
        filters=[_strip],
        validators=[
            InputRequired(REASON_REQUIRED),
            Length(max=REASON_MAX, message=REASON_TOO_LONG),
        ],
    )


class ReportDateSchema(Schema):
    class Meta:
        unknown = RAISE

    due_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))


def clean_report_date(form: ReportDateForm) -> dict[str, Any]:
    return ReportDateSchema().load({"due_on": form.due_on.iso, "reason": form.reason.data})


REPLIED_ON = Question("replied_on", "Date the Home Office replied", "date", required=True)
FLO_REQUIRED = "Confirm the family liaison officer agrees the timing"


class HomeOfficeReplyForm(ServiceForm):
    replied_on = GovukDateField(REPLIED_ON)
    flo_agreed = BooleanField(validators=[InputRequired(FLO_REQUIRED)])


class HomeOfficeReplySchema(Schema):
    class Meta:
        unknown = RAISE

    replied_on = fields.Date(required=True)
    flo_agreed = fields.Boolean(required=True, validate=validate.Equal(True, error=FLO_REQUIRED))


def clean_reply(form: HomeOfficeReplyForm) -> dict[str, Any]:
    return HomeOfficeReplySchema().load(
        {"replied_on": form.replied_on.iso, "flo_agreed": bool(form.flo_agreed.data)}
    )
