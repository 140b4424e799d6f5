"""Drafts for comment: the officer's "send a draft for comment" page and the member's answer.

The checks a view cannot make (the members are the case's, the deadline is not past once
sent, the file is a PDF or Word document) are made again by ``service.panels.feedback``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext
from flask_wtf.file import FileField
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms import validators as wv

from forms import options
from forms.base import ServiceForm
from forms.question_forms import GovukDateField
from forms.questions import Question
from service.panels.feedback import COMMENTS_MAX, NAME_MAX, NOTE_MAX, TITLE_MAX

TITLE_REQUIRED = "Enter the title of the draft"
TITLE_TOO_LONG = f"The title must be {TITLE_MAX} characters or fewer"
DRAFT_REQUIRED = "Select the draft to send"
MEMBERS_REQUIRED = "Select the panel members to send the draft to"
DEADLINE_IN_FUTURE = "The deadline must be in the future"
NOTE_TOO_LONG = f"The note must be {NOTE_MAX:,} characters or fewer"

# The member's answer, in the language of the member's page (lazy: the form class is made once,
# for pages in Welsh and in English).
ANSWER_REQUIRED = lazy_gettext("Select whether you have comments on the draft")
COMMENTS_REQUIRED = lazy_gettext("Enter your comments on the draft")
COMMENTS_TOO_LONG = lazy_gettext(
    "Your comments must be %(max)s characters or fewer", max=format(COMMENTS_MAX, ",")
)
NAME_REQUIRED = lazy_gettext("Enter your name")
NAME_TOO_LONG = lazy_gettext("Your name must be %(max)s characters or fewer", max=NAME_MAX)

COMMENTS, NO_COMMENTS = "comments", "no_comments"
ANSWERS = [
    (COMMENTS, lazy_gettext("I have comments")),
    (NO_COMMENTS, lazy_gettext("I have no comments")),
]

DEADLINE_Q = Question(
    "deadline", "Deadline", "date", past=False, error_name="the deadline",
)  # fmt: skip


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class SendDraftForm(ServiceForm):
    """The officer sends a draft: the view fills the members from the case's panel."""

    title = StringField(
        filters=[_strip],
        validators=[
            wv.InputRequired(TITLE_REQUIRED),
            wv.Length(max=TITLE_MAX, message=TITLE_TOO_LONG),
        ],
    )
    draft = FileField()
    note = TextAreaField(
        filters=[_strip],
        validators=[wv.Optional(), wv.Length(max=NOTE_MAX, message=NOTE_TOO_LONG)],
    )
    recipients = SelectMultipleField(choices=[], validate_choice=False)
    deadline = GovukDateField(DEADLINE_Q)
    today: dt.date | None = None

    def validate_recipients(self, field: SelectMultipleField) -> None:
        if not field.data or not all(str(v).isdigit() for v in field.data):
            raise wv.ValidationError(MEMBERS_REQUIRED)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        day = self.deadline.date
        if not self.deadline.errors and day and self.today and day <= self.today:
            self.deadline.errors = [DEADLINE_IN_FUTURE]
            return False
        return ok

    def member_ids(self) -> list[int]:
        return sorted({int(v) for v in self.recipients.data or [] if str(v).isdigit()})


class AnswerForm(ServiceForm):
    """The member's answer: comments (then required) or "no comments", and their name."""

    answer = RadioField(
        choices=options(ANSWERS),
        validators=[wv.InputRequired(ANSWER_REQUIRED)],
        validate_choice=True,
    )
    # No Optional(): it would stop the chain before "comments are required with comments".
    comments = TextAreaField(
        filters=[_strip],
        validators=[wv.Length(max=COMMENTS_MAX, message=COMMENTS_TOO_LONG)],
    )
    name = StringField(
        filters=[_strip],
        validators=[
            wv.InputRequired(NAME_REQUIRED),
            wv.Length(max=NAME_MAX, message=NAME_TOO_LONG),
        ],
    )

    def validate_comments(self, field: TextAreaField) -> None:
        if self.answer.data == COMMENTS and not (field.data or "").strip():
            raise wv.ValidationError(COMMENTS_REQUIRED)

    @property
    def no_comments(self) -> bool:
        return self.answer.data == NO_COMMENTS


def answer_data(recipient: Any) -> dict[str, Any] | None:
    """A member's saved answer as the form's starting data (None before they answer)."""
    if recipient.answered_at is None:
        return None
    return {
        "answer": NO_COMMENTS if recipient.no_comments else COMMENTS,
        "comments": recipient.comments or "",
        "name": recipient.answered_by or "",
    }


def field_names() -> list[str]:
    """Every field name the draft pages post (for the fuzz tests)."""
    return sorted({
        "csrf_token", "title", "draft", "note", "recipients", "deadline-day", "deadline-month",
        "deadline-year", "answer", "comments", "name",
    })  # fmt: skip
