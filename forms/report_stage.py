"""The report stage: uploading the overview report and the executive summary, the Home Office
quality assurance panel's answer, and the publication date.

The checks a view cannot make (both files are PDF or Word documents, the dates are not before
the step they follow) are made again by ``service.reviews.report_stage``.
"""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from wtforms import RadioField, TextAreaField
from wtforms import validators as wv

from forms import options
from forms.base import ServiceForm
from forms.question_forms import GovukDateField
from forms.questions import Question
from service.reviews.report_stage import ANSWERS, NOTES_MAX

DOCUMENT_REQUIRED = "Select the overview report or the executive summary"
ANSWER_REQUIRED = "Select the panel's answer"
NOTES_TOO_LONG = f"The notes must be {NOTES_MAX:,} characters or fewer"
ANSWERED_ON = Question(
    "answered_on", "Date of the panel's answer", "date",
    error="Enter the date of the panel's answer",
)  # fmt: skip
PUBLISHED_ON = Question(
    "published_on", "Date the report was published", "date",
    error="Enter the date the report was published",
)  # fmt: skip


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class ReportUploadForm(ServiceForm):
    """Either file or both: the view checks one was chosen."""

    report = FileField()
    summary = FileField()


class QualityAssuranceAnswerForm(ServiceForm):
    answered_on = GovukDateField(ANSWERED_ON)
    answer = RadioField(
        choices=options(list(ANSWERS.items())), validators=[wv.InputRequired(ANSWER_REQUIRED)]
    )
    notes = TextAreaField(
        filters=[_strip],
        validators=[wv.Optional(), wv.Length(max=NOTES_MAX, message=NOTES_TOO_LONG)],
    )


class PublicationForm(ServiceForm):
    published_on = GovukDateField(PUBLISHED_ON)
