"""What the officer's draft trawl pages read and change: the draft of a case, the agencies and
people to choose from, someone added to the case, the preview of the email, and the lock a
send takes. Every row is read through the caller's ``Scope``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session

from mail import render as mail_render
from mail import routing
from service import clock, runtime
from service.auth.scope import Scope
from service.models import (
    Agency,
    Case,
    CasePerson,
    Partnership,
    PersonRole,
    Trawl,
    TrawlStatus,
)
from service.trawls import schedule, sending

#: Where the preview shows each agency's own link.
LINK_PLACEHOLDER = "[this agency's own link to the trawl-return form]"


def latest_draft(session: Session, sc: Scope, case: Case) -> Trawl | None:
    """The case's newest draft trawl, if it has one."""
    return session.scalar(
        sc.select(Trawl, Trawl.case_id == case.id, Trawl.status == TrawlStatus.DRAFT)
        .order_by(Trawl.id.desc())
        .limit(1)
    )


def agencies(session: Session, sc: Scope) -> list[Agency]:
    """Every agency the user may send to, by name."""
    return list(session.scalars(sc.select(Agency).order_by(func.lower(Agency.name), Agency.id)))


def case_people(session: Session, sc: Scope, case: Case) -> list[CasePerson]:
    """The case's people, in the order the referral gave them."""
    return list(
        session.scalars(
            sc.select(CasePerson, CasePerson.case_id == case.id).order_by(
                CasePerson.position, CasePerson.id
            )
        )
    )


def add_person(
    session: Session, sc: Scope, trawl: Trawl, case: Case, data: dict[str, Any]
) -> CasePerson:
    """Add someone else to the case, after everyone on it, and choose them for this trawl."""
    last = session.scalar(
        sc.select(CasePerson, CasePerson.case_id == case.id).with_only_columns(
            func.max(CasePerson.position)
        )
    )
    person = CasePerson(case_id=case.id, position=(last or 0) + 1, role=PersonRole.OTHER, **data)
    session.add(person)
    session.flush()
    trawl.person_ids = [*(trawl.person_ids or ()), person.id]
    return person


def lock_for_sending(session: Session, sc: Scope, trawl_id: int) -> None:
    """Hold the trawl's row until the transaction ends: of two sends at once (two clicks, two
    officers), the second waits here, then finds the trawl sent."""
    session.scalar(
        sc.select(Trawl, Trawl.id == trawl_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


@dataclass
class Preview:
    """The request email as one agency would get it."""

    agency: Agency
    subject: str
    text: str


def preview(
    case: Case, trawl: Trawl, partnership: Partnership, agency: Agency | None
) -> Preview | None:
    """The request email as ``agency`` would get it, with a placeholder for its link."""
    if agency is None:
        return None
    purpose = sending.request_purpose(trawl)
    # In the language the agency will get it in.
    language = routing.language(purpose, partnership, agency)
    context = sending.email_context(case, trawl, None, agency, LINK_PLACEHOLDER, language=language)
    context["due_date"] = clock.long_date(schedule.due_date(partnership, clock.now()), language)
    text, _html = mail_render.render(
        purpose.template,
        {
            "partnership": partnership,
            "reference": case.reference,
            "service_url": runtime.settings().SERVICE_URL,
            **context,
        },
        language=language,
    )
    subject = routing.subject(
        purpose.title, case.reference, partnership=partnership, language=language
    )
    return Preview(agency, subject, text)
