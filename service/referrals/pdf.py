"""The referral as a PDF: every answer in the form's order, for the partnership's referral inbox.

Rendered from templates/pdf/referral.html with WeasyPrint, outside any Flask request (the
submission may run anywhere). The document loads nothing from outside itself: every URL the
HTML could name is refused.
"""

from __future__ import annotations

from flask_babel import gettext

from forms import referral_declaration
from forms.questions import NOT_ANSWERED
from forms.referral import age_at, answer_rows, appears_to_meet_criteria
from mail import routing
from service import i18n
from service.clock import long_moment
from service.models import Partnership, Referral
from service.pdf import render_html, write_pdf

__all__ = ["render_referral_html", "render_referral_pdf"]


def render_referral_html(referral: Referral, partnership: Partnership, language: str = "en") -> str:
    """The document in ``language``: English for the partnership, the referrer's own copy in
    the language they used. What was typed stays as it was typed."""
    answers = referral.answers or {}
    with i18n.speaking(language):
        meets, reasons = appears_to_meet_criteria(answers)
        return render_html(
            "pdf/referral.html",
            _=gettext,
            referral=referral,
            partnership=partnership,
            submitted=long_moment(referral.submitted_at, language),
            sections=answer_rows(answers),
            declaration=referral_declaration.rows(answers),
            age_at_death=age_at(answers.get("deceased_dob"), answers.get("deceased_date_of_death")),
            meets_criteria=meets,
            criteria_reasons=reasons,
            not_answered=gettext(NOT_ANSWERED),
            page_marking=routing.marking(partnership, language) if language != "en" else None,
            page_word=gettext("Page"),
            of_word=gettext("of"),
        )


def render_referral_pdf(
    referral: Referral, partnership: Partnership, language: str = "en"
) -> bytes:
    """The referral as a PDF document (bytes), marked OFFICIAL-SENSITIVE on every page."""
    return write_pdf(render_referral_html(referral, partnership, language))
