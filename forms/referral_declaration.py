"""The referral's declaration, on its check-your-answers page: the referrer's and the safeguarding
lead's signatures, each a typed full name with the date (the protocol's Appendix A: "Signature of
referrer", "Signature of Safeguarding Lead").

Stored with the referral's answers (``referrer_signature``, ``referrer_signed_on``,
``lead_signature``, ``lead_signed_on``; dates as ISO text) when the referral is sent, and shown
with them to the officer and in the PDF (``rows``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext, lazy_gettext
from wtforms import StringField
from wtforms import ValidationError as FieldError

from forms.base import ServiceForm
from forms.question_forms import GovukDateField, strip
from forms.questions import SHORT, Question, Row, page_language
from service import clock


@dataclass(frozen=True)
class Signatory:
    key: str  # "referrer", "lead": the prefix of the answers' names
    heading: str
    signature: Question
    signed_on: Question
    hint: str


SIGNATORIES = [
    Signatory(
        "referrer",
        lazy_gettext("Signature of referrer"),
        Question("referrer_signature", lazy_gettext("Signature of referrer"), "text",
                 error=lazy_gettext("Enter your full name as your signature"),
                 error_name=lazy_gettext("your signature")),
        Question("referrer_signed_on", lazy_gettext("Date signed by the referrer"), "date",
                 error=lazy_gettext("Enter the date you signed")),
        lazy_gettext("Type your full name. It counts as your signature."),
    ),
    Signatory(
        "lead",
        lazy_gettext("Signature of safeguarding lead"),
        Question("lead_signature", lazy_gettext("Signature of safeguarding lead"), "text",
                 error=lazy_gettext("Enter the safeguarding lead's full name as their signature"),
                 error_name=lazy_gettext("the safeguarding lead's signature")),
        Question("lead_signed_on", lazy_gettext("Date signed by the safeguarding lead"), "date",
                 error=lazy_gettext("Enter the date the safeguarding lead signed")),
        lazy_gettext("Their full name, typed by them or with their agreement. It counts as their "
                     "signature."),
    ),
]  # fmt: skip
NAMES = [q.name for s in SIGNATORIES for q in (s.signature, s.signed_on)]


def _signature(question: Question) -> StringField:
    def check(form: ServiceForm, field: StringField) -> None:
        value = field.data or ""
        if not value:
            raise FieldError(question.missing)
        if len(value) > SHORT:
            raise FieldError(
                gettext("The signature must be %(max)s characters or fewer", max=SHORT)
            )

    return StringField(filters=[strip], validators=[check])


class DeclarationForm(ServiceForm):
    """Both signatures and their dates: each name required, each date a real date, not in the
    future."""

    referrer_signature = _signature(SIGNATORIES[0].signature)
    referrer_signed_on = GovukDateField(SIGNATORIES[0].signed_on)
    lead_signature = _signature(SIGNATORIES[1].signature)
    lead_signed_on = GovukDateField(SIGNATORIES[1].signed_on)


def prefill(form: DeclarationForm, answers: dict[str, Any]) -> None:
    """A form not yet posted: the signatures of an earlier attempt, else today's date for the
    referrer (the lead's date is theirs to give)."""
    for s in SIGNATORIES:
        getattr(form, s.signature.name).data = answers.get(s.signature.name)
    today = clock.london_date(clock.now()).isoformat()
    defaults = {"referrer_signed_on": today}
    for name in ("referrer_signed_on", "lead_signed_on"):
        value = answers.get(name) or defaults.get(name)
        if value:
            day = dt.date.fromisoformat(value)
            parts = {"day": str(day.day), "month": str(day.month), "year": str(day.year)}
            getattr(form, name).process(None, data=parts)


def answers_of(form: DeclarationForm) -> dict[str, str]:
    """The checked form as answers to store with the referral."""
    return {
        "referrer_signature": form.referrer_signature.data,
        "referrer_signed_on": form.referrer_signed_on.iso,
        "lead_signature": form.lead_signature.data,
        "lead_signed_on": form.lead_signed_on.iso,
    }


def rows(answers: dict[str, Any]) -> list[Row]:
    """The declaration as stored, for the officer's view and the PDF; empty for a referral sent
    before the form asked for it."""
    if not any(answers.get(name) for name in NAMES):
        return []
    found = []
    for s in SIGNATORIES:
        not_given = gettext("Not given")
        found.append(Row(str(s.signature.label), answers.get(s.signature.name) or not_given,
                         s.signature.name, "check"))  # fmt: skip
        day = answers.get(s.signed_on.name)
        signed_on = clock.long_date(day, page_language()) if day else not_given
        found.append(Row(str(s.signed_on.label), signed_on, s.signed_on.name, "check"))
    return found


def field_names() -> list[str]:
    """Every field name the declaration posts (for the fuzz tests)."""
    names = ["referrer_signature", "lead_signature"]
    for name in ("referrer_signed_on", "lead_signed_on"):
        names += [f"{name}-day", f"{name}-month", f"{name}-year"]
    return names
