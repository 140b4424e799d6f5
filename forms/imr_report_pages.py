"""The IMR written in the service: its Flask-WTF pages, built from the questions in
``forms.imr_report``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms import validators as wv

from forms import imr_report as catalogue
from forms import options
from forms.base import ServiceForm
from forms.question_forms import form_class
from forms.questions import escaped_lazy_gettext as lazy_gettext
from forms.questions import field_data
from forms.trawl_return_pages import UploadForm

if TYPE_CHECKING:
    from service.models import Partnership

__all__ = ["UploadForm", "WAYS", "WayForm", "action_form", "chronology_form", "section_form"]

WAYS = [("write", lazy_gettext("Write it here, section by section")),
        ("upload", lazy_gettext("Upload it as a PDF or Word document"))]  # fmt: skip
WAY_REQUIRED = lazy_gettext("Select how you will send your IMR report")


class WayForm(ServiceForm):
    """Write the IMR here, or upload it."""

    way = RadioField(
        choices=options(WAYS),
        validators=[wv.InputRequired(WAY_REQUIRED), wv.AnyOf([v for v, _ in WAYS], WAY_REQUIRED)],
        validate_choice=False,
    )


def section_form(
    key: str, answers: dict[str, Any] | None = None, *, names: str, terms: Sequence[str] = (),
    **kw: Any,
) -> FlaskForm:  # fmt: skip
    """One page section of the template (``forms.imr_report.QUESTION_SECTIONS``)."""
    questions = catalogue.questions(key, names=names, terms=terms)
    cls = form_class(f"ImrReport{key.title()}Form", questions)
    if answers is not None:
        kw["data"] = field_data(answers, questions)
    return cls(**kw)


def chronology_form(
    people: Sequence[catalogue.Person], answers: dict[str, Any] | None = None, *, names: str,
    **kw: Any,
) -> FlaskForm:  # fmt: skip
    """One chronology entry; "contact with" offers only the case's people."""
    questions = catalogue.chronology_questions(names)
    choices = {"contact_with": [(str(p.id), p.label) for p in people]}
    cls = form_class("ImrChronologyForm", questions, choices=choices)
    if answers is not None:
        kw["data"] = field_data(answers, questions)
    return cls(**kw)


def action_form(
    answers: dict[str, Any] | None = None, *, partnership: Partnership | None, **kw: Any
) -> FlaskForm:
    """One action of the single-agency action plan; the lead officer's address must be on the
    partnership's secure domains."""
    cls = form_class("ImrActionForm", catalogue.ACTION_QUESTIONS)
    if answers is not None:
        kw["data"] = field_data(answers, catalogue.ACTION_QUESTIONS)
    form = cls(**kw)
    form.partnership = partnership
    return form
