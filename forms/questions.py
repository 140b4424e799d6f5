"""The question engine, as plain data: what a question is, how its answer is checked and read back.

Every form's catalogue (``forms.referral``, ``forms.trawl_return``, ``forms.imr`` and the rest)
declares its questions with ``Question``; the checks here are shared by the pages and by the
marshmallow schemas that check a whole submission; ``Row`` and ``show`` read answers back for
check your answers, the PDFs, the console and the emails.

Nothing here imports WTForms or Flask-WTF, so that the domain and the workers can read a
catalogue without them; the page forms are built from the same questions in
``forms.question_forms``.

The messages speak the page's language (Flask-Babel's gettext; English outside a request or
``service.i18n.speaking``). Each is translated whole, with the question's name as a named
placeholder, because Welsh cannot be glued together from pieces; where that still would not
read right, a question gives its own ``error`` (``forms.consent``'s dates do).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from flask_babel import get_locale, gettext, lazy_gettext
from flask_babel.speaklater import LazyString
from markupsafe import escape
from marshmallow import ValidationError
from marshmallow import fields as mf
from marshmallow.validate import Length, OneOf

from mail import policy
from service import clock

if TYPE_CHECKING:
    from service.models import Partnership

SHORT = 200  # names, job titles, single-line answers
LONG = 5000  # free-text answers

YES_NO = [("yes", "Yes"), ("no", "No")]
YES_NO_NOT_KNOWN = [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")]
NOT_ANSWERED = "Not answered"


class _LazyText(LazyString):
    """Text translated when it is shown, escaped in a page as plain text is (Flask-Babel's own
    lazy string counts as markup, so an apostrophe would reach the HTML unescaped)."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def escaped_lazy_gettext(string: str, **variables: Any) -> LazyString:
    """Flask-Babel's ``lazy_gettext``, escaped in HTML as plain text is (``_LazyText``). A
    catalogue imports it as ``lazy_gettext``, the name the catalogue's extraction finds."""
    return _LazyText(gettext, string, **variables)


@dataclass(frozen=True)
class Question:
    name: str
    label: str
    kind: str  # text, textarea, email, phone, initials, date, choice
    required: bool = True
    hint: str | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    max_length: int = SHORT
    # For a choice: a follow-up text shown (and kept) only when the answer is "yes".
    details: str | None = None
    details_label: str = lazy_gettext("Give details")
    # The follow-up box's label where the page shows it under the choice, written whole
    # ("If yes, give details"), when the page labels it apart from its name.
    details_prompt: str | None = None
    past: bool = True  # dates: not in the future
    error_name: str | None = None  # how error messages name it ("the date of birth")
    # The whole message when it is not answered, where "Select …"/"Enter …" and the name would
    # not read as GOV.UK writes it ("Select yes if the suspect had caring responsibilities").
    error: str | None = None
    secure: bool = False  # emails: must be on the partnership's secure domains

    @property
    def said(self) -> str:
        return str(self.error_name or self.named)

    @property
    def named(self) -> str:
        """The label as the middle of a sentence names it ("the date of birth")."""
        label = str(self.label)
        return label[0].lower() + label[1:]

    @property
    def missing(self) -> str:
        """The error message when a required question is not answered (in the page's language:
        each message is translated whole, the question's name its one placeholder)."""
        if self.error:
            return str(self.error)
        if self.kind == "choice":
            return gettext("Select %(what)s", what=self.said)
        if self.kind == "date":
            return gettext("Enter the %(label)s", label=self.named)
        return gettext("Enter %(what)s", what=self.said)


def first_upper(text: str) -> str:
    """A message that starts with a question's name, as a sentence starts."""
    return text[:1].upper() + text[1:]


def details_question(q: Question) -> Question:
    """The follow-up text of a choice ("If yes, give details"): never required."""
    return Question(q.details or "", q.details_label, "textarea", required=False,
                    max_length=LONG, error_name=lazy_gettext("the details"))  # fmt: skip


# --- control characters ----------------------------------------------------------------------

#: C0 control characters and DEL, except tab, line feed and carriage return. They cannot be
#: typed, only pasted or scripted; a NUL in particular cannot be stored in Postgres text and
#: breaks the PDFs and emails the answers go into.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control(value: Any) -> bool:
    """True if a text value (or any text in a list of them) holds a control character."""
    if isinstance(value, str):
        return CONTROL.search(value) is not None
    if isinstance(value, list | tuple):
        return any(has_control(v) for v in value)
    return False


def control_message(what: str | None = None) -> str:
    """The field error for a control character: ``what`` names the answer ("Full name")."""
    if not what:
        return gettext(
            "The text you entered must not include hidden control characters: type it in again"
        )
    return first_upper(
        gettext("%(what)s must not include hidden control characters: type it in again", what=what)
    )


# --- checks shared by the pages and the schemas ----------------------------------------------

_PHONE = re.compile(r"^\+?[\d\s()-]{10,20}$")
# One person's initials: up to 4 letters, each on its own ("J.S.", "J S") or in capitals ("JS").
_INITIALS = re.compile(r"^(?:(?:[^\W\d_]|[^\W\d_a-z]{2,4})[.\s'-]*)+$")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")

#: The one message for an address that is not on the partnership's secure domains.
SECURE_EMAIL_PROBLEM = (
    "Enter a secure email address, like one ending .gov.uk, .police.uk or nhs.net"
)
TIME_PROBLEM = "Enter the time in the 24-hour clock, like 09:30 or 17:00"


def secure_email_problem() -> str:
    """``SECURE_EMAIL_PROBLEM`` in the page's language."""
    return gettext("Enter a secure email address, like one ending .gov.uk, .police.uk or nhs.net")


def phone_problem(value: str, q: Question) -> str | None:
    digits = re.sub(r"\D", "", value)
    if not _PHONE.match(value) or not 10 <= len(digits) <= 15:
        if q.error_name:
            return gettext(
                "Enter %(what)s in the correct format, like 01632 960 001 or +44 808 157 0192",
                what=q.said,
            )
        return gettext("Enter a telephone number, like 01632 960 001 or +44 808 157 0192")
    return None


def email_problem(value: str, q: Question) -> str | None:
    try:
        policy.normalise(value)
    except policy.InvalidAddress:
        if q.error_name:
            return gettext(
                "Enter %(what)s in the correct format, like name@example.gov.uk", what=q.said
            )
        return gettext("Enter an email address in the correct format, like name@example.gov.uk")
    return None


def secure_problem(value: str, partnership: Partnership) -> str | None:
    """Whether a well-formed address may receive the partnership's sensitive email."""
    try:
        return None if policy.is_secure(partnership, value) else secure_email_problem()
    except policy.InvalidAddress:
        return None  # email_problem says how to write it


def initials_problem(value: str, q: Question) -> str | None:
    letters = [c for c in value if c.isalpha()]
    if not _INITIALS.match(value) or not 1 <= len(letters) <= 4:
        return gettext("Enter %(what)s only, for example J.S.", what=q.said)
    for run in re.findall(r"[^\W\d_]+", value):
        if len(run) > 1 and not run.isupper():
            return gettext("Enter %(what)s only, for example J.S.", what=q.said)
    return None


def normal_time(value: str) -> str | None:
    """``9.30`` → ``09:30``; None if it is not a time."""
    match = _TIME.match(value.strip())
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else None


def _date_incomplete(label: str, missing: tuple[str, ...]) -> str:
    # One whole message for each set of missing parts: Welsh cannot join the parts' names.
    messages = {
        ("day",): gettext("The %(label)s must include a day", label=label),
        ("month",): gettext("The %(label)s must include a month", label=label),
        ("year",): gettext("The %(label)s must include a year", label=label),
        ("day", "month"): gettext("The %(label)s must include a day and month", label=label),
        ("day", "year"): gettext("The %(label)s must include a day and year", label=label),
        ("month", "year"): gettext("The %(label)s must include a month and year", label=label),
    }
    return messages[missing]


def _not_real(q: Question) -> str:
    return gettext("The %(label)s must be a real date", label=q.named)


def _too_early(q: Question) -> str:
    return gettext("The %(label)s must be after 1900", label=q.named)


def date_problem(parts: dict[str, str], q: Question) -> tuple[str | None, dt.date | None]:
    """The GOV.UK date-input checks: (message, the date)."""
    day, month, year = (str(parts.get(k) or "").strip() for k in ("day", "month", "year"))
    if not (day or month or year):
        return (q.missing if q.required else None), None
    missing = tuple(n for n, v in (("day", day), ("month", month), ("year", year)) if not v)
    if missing:
        return _date_incomplete(q.named, missing), None
    if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
        return _not_real(q), None
    try:
        value = dt.date(int(year), int(month), int(day))
    except ValueError:
        return _not_real(q), None
    if value.year < 1900:
        return _too_early(q), None
    if q.past and value > clock.now().date():
        return future_message(q), None
    return None, value


#: The format checks by kind of question, each ``(value, question) -> message or None``.
FORMAT_CHECKS: dict[str, Callable[[str, Question], str | None]] = {
    "email": email_problem,
    "phone": phone_problem,
    "initials": initials_problem,
}


def length_message(q: Question) -> str:
    limit = f"{q.max_length:,}"
    return first_upper(
        gettext("%(what)s must be %(max)s characters or fewer", what=q.said, max=limit)
    )


def required_message(q: Question) -> str:
    return q.missing


def future_message(q: Question) -> str:
    return gettext("The %(label)s must be today or in the past", label=q.named)


# --- stored answers and the page fields ------------------------------------------------------


def field_data(answers: dict[str, Any], questions: list[Question]) -> dict[str, Any]:
    """Stored answers back into a page's fields (for "change" and returning to a page): dates as
    their day, month and year; a choice's details with it."""
    data: dict[str, Any] = {}
    for q in questions:
        value = answers.get(q.name)
        if value not in (None, ""):
            if q.kind == "date":
                d = dt.date.fromisoformat(value)
                data[q.name] = SimpleNamespace(day=str(d.day), month=str(d.month), year=str(d.year))
            else:
                data[q.name] = value
        if q.details and answers.get(q.details):
            data[q.details] = answers[q.details]
    return data


def post_names(questions: list[Question]) -> set[str]:
    """The field names a page of these questions posts (a date posts its three parts)."""
    names: set[str] = set()
    for q in questions:
        names.add(q.name)
        if q.kind == "date":
            names |= {f"{q.name}-day", f"{q.name}-month", f"{q.name}-year"}
    return names


# --- marshmallow: the same checks on a whole submission --------------------------------------


def raises(fn: Callable[[str, Question], str | None], q: Question) -> Callable[[str], None]:
    """A marshmallow validator from one of the checks above."""

    def check(value: str) -> None:
        message = fn(value, q)
        if message:
            raise ValidationError(message)

    return check


def no_control(q: Question) -> Callable[[str], None]:
    """A marshmallow validator refusing control characters, naming the question."""

    def check(value: str) -> None:
        if has_control(value):
            raise ValidationError(control_message(q.said))

    return check


def _not_blank(message: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        if not str(value).strip():
            raise ValidationError(message)

    return check


def _real_date(q: Question) -> Callable[[dt.date], None]:
    def check(value: dt.date) -> None:
        if value.year < 1900:
            raise ValidationError(_too_early(q))
        if q.past and value > clock.now().date():
            raise ValidationError(future_message(q))

    return check


def _time(value: str | None) -> None:
    if value and not normal_time(value):
        raise ValidationError(TIME_PROBLEM)


def mm_field(q: Question, *, required: bool | None = None, choices: list[str] | None = None):  # noqa: ANN201
    """The marshmallow field for ``q``, with the pages' messages; ``required`` overrides the
    question's own (answers that depend on another), ``choices`` its options' values."""
    required = q.required if required is None else required
    messages = {"required": required_message(q), "null": required_message(q)}
    kw: dict[str, Any] = {"required": required, "allow_none": not required,
                          "error_messages": messages}  # fmt: skip
    if not required:
        kw["load_default"] = None
    if q.kind == "date":
        messages["invalid"] = _not_real(q)
        return mf.Date(validate=_real_date(q), **kw)
    if q.kind == "choice":
        allowed = choices if choices is not None else [v for v, _ in q.choices]
        return mf.String(validate=OneOf(allowed, error=required_message(q)), **kw)
    checks: list[Any] = [Length(max=q.max_length, error=length_message(q))]
    if required:
        checks.insert(0, _not_blank(required_message(q)))
    checks.append(no_control(q))
    if q.kind in FORMAT_CHECKS:
        checks.append(raises(FORMAT_CHECKS[q.kind], q))
    elif q.name == "time":
        checks.append(_time)
    return mf.String(validate=checks, **kw)


# --- reading answers back --------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One answer read back: its question's label, the answer as shown, and where it is asked."""

    label: str
    value: str
    name: str  # the field's id on its page, for "Change" links
    page: str = ""  # the page slug that asks it, where a form has several pages of questions


def page_language() -> str:
    """The language answers are read back in: the page's, or English outside a request."""
    locale = get_locale()
    return locale.language if locale else "en"


def shown(q: Question, value: Any) -> str:
    """An answer as people read it, in the page's language: a date in its words, a choice by
    its label, "Not answered" when there is none."""
    if value in (None, ""):
        return gettext("Not answered")
    if q.kind == "date":
        try:
            return clock.long_date(value, page_language())
        except (TypeError, ValueError):
            return str(value)
    answer = show(q, value)
    return gettext("Not answered") if answer == NOT_ANSWERED else str(answer)


def show(q: Question, value: Any) -> str:
    """An answer as people read it: dates in words, a choice by its label."""
    if value in (None, ""):
        return NOT_ANSWERED
    if q.kind == "date":
        try:
            return clock.long_date(value)
        except (TypeError, ValueError):
            return str(value)
    if q.kind == "choice":
        return dict(q.choices).get(value, str(value))
    return str(value)
