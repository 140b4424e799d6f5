"""The action plan's Flask-WTF pages, from the questions in ``forms.action_plan``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_wtf import FlaskForm

from forms import action_plan as catalogue
from forms.question_forms import QuestionsForm, form_class
from forms.questions import field_data

if TYPE_CHECKING:
    from service.models import Partnership


class _UpdateBase(QuestionsForm):
    def validate_more(self) -> None:
        if self.status.data == "done" and not (self.evidence.data or "").strip():
            self.evidence.errors = [str(catalogue.EVIDENCE_NEEDED)]


def update_form(answers: dict[str, Any] | None = None, **kw: Any) -> FlaskForm:
    """The lead officer's update: status, progress, evidence (needed for done)."""
    cls = form_class("ActionUpdateForm", catalogue.UPDATE_QUESTIONS, base=_UpdateBase)
    if answers is not None:
        kw["data"] = field_data(answers, catalogue.UPDATE_QUESTIONS)
    return cls(**kw)


def action_form(
    answers: dict[str, Any] | None = None, *, imr: bool, agencies: list[tuple[str, str]],
    partnership: Partnership | None, with_status: bool, **kw: Any,
) -> FlaskForm:  # fmt: skip
    """The officer's form: a new recommendation, or a change to any action (its status too)."""
    questions = catalogue.IMR_ACTION_QUESTIONS if imr else catalogue.RECOMMENDATION_QUESTIONS
    if with_status:
        questions = [*questions, *catalogue.UPDATE_QUESTIONS]
    cls = form_class(
        "ActionForm", questions, base=_UpdateBase if with_status else QuestionsForm,
        choices={"agency_id": [("", "None: multi-agency"), *agencies]},
    )  # fmt: skip
    if answers is not None:
        kw["data"] = field_data(answers, questions)
    form = cls(**kw)
    form.partnership = partnership
    return form
