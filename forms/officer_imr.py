"""The officer's pages around the IMRs written in the service: the case's terms of reference,
and the officer's own columns on a row of the merged chronology."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms import validators as wv

from forms.base import ServiceForm
from forms.question_forms import strip

NOTE_MAX = 5000


class TermsForm(ServiceForm):
    terms = TextAreaField(filters=[strip], validators=[wv.Optional(), wv.Length(max=60000)])


class NoteForm(ServiceForm):
    management_comment = TextAreaField(
        filters=[strip],
        validators=[wv.Optional(), wv.Length(max=NOTE_MAX, message="The management review "
                    f"officer's comment must be {NOTE_MAX:,} characters or fewer")],
    )  # fmt: skip
    panel_notes = TextAreaField(
        filters=[strip],
        validators=[wv.Optional(), wv.Length(max=NOTE_MAX, message="The panel notes must be "
                    f"{NOTE_MAX:,} characters or fewer")],
    )  # fmt: skip
