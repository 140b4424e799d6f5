"""The case's terms of reference, numbered as the panel numbered them: each IMR written in the
service answers them one by one (``forms.imr_report.term_questions``)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from service import audit, clock
from service.models import Case, CaseTerm

MAX_TERMS = 40
TERM_MAX = 2000


class TermsRefused(ValueError):
    """Why the terms cannot be saved; safe to show to the officer."""


def parse(text: str) -> list[str]:
    """One term on each line; blank lines and a leading "1." or "1)" dropped."""
    found = []
    for line in (text or "").splitlines():
        line = line.strip()
        head, _, rest = line.partition(" ")
        if head.rstrip(".)").isdigit() and rest:
            line = rest.strip()
        if line:
            found.append(line)
    return found


def set_terms(
    session: Session, case: Case, terms: list[str], *, actor: str,
    client_address: str | None = None,
) -> None:  # fmt: skip
    """Replace the case's terms of reference with ``terms``, numbered from 1."""
    if len(terms) > MAX_TERMS:
        raise TermsRefused(f"Enter up to {MAX_TERMS} terms of reference")
    if any(len(t) > TERM_MAX for t in terms):
        raise TermsRefused(f"Each term of reference must be {TERM_MAX:,} characters or fewer")
    session.execute(delete(CaseTerm).where(CaseTerm.case_id == case.id))
    now = clock.now()
    for number, text in enumerate(terms, start=1):
        session.add(CaseTerm(case_id=case.id, number=number, text=text, created_at=now))
    audit.record(
        session, "case.terms_changed", actor=actor, partnership_id=case.partnership_id,
        object_type="case", object_id=case.id, case_id=case.id, client_address=client_address,
        terms=len(terms),
    )  # fmt: skip
