"""The referral as a PDF: every answer in the form's order, for the partnership's referral inbox.

Rendered from templates/pdf/referral.html with WeasyPrint, outside any Flask request (the
submission may run anywhere). The document loads nothing from outside itself: every URL the
HTML could name is refused.
"""

from __future__ import annotations

from forms import referral_declaration
from forms.referral import age_at, answer_rows, appears_to_meet_criteria
from service.clock import long_moment
from service.models import Partnership, Referral
from service.pdf import render_html, write_pdf

__all__ = ["render_referral_html", "render_referral_pdf"]


def render_referral_html(referral: Referral, partnership: Partnership) -> str:
    answers = referral.answers or {}
    meets, reasons = appears_to_meet_criteria(answers)
    return render_html(
        "pdf/referral.html",
        referral=referral,
        partnership=partnership,
        submitted=long_moment(referral.submitted_at),
        sections=answer_rows(answers),
        declaration=referral_declaration.rows(answers),
        age_at_death=age_at(answers.get("deceased_dob"), answers.get("deceased_date_of_death")),
        meets_criteria=meets,
        criteria_reasons=reasons,
    )


def render_referral_pdf(referral: Referral, partnership: Partnership) -> bytes:
    """The referral as a PDF document (bytes), marked OFFICIAL-SENSITIVE on every page."""
    return write_pdf(render_referral_html(referral, partnership))
