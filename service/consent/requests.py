"""The officer or the case's chair asks a family member for consent.

A request names the family member, their relationship to the victim, and how it reaches them:
an email to the address the family gave (sent here, with the link and nothing of the case), or
a printed letter the police family liaison officer hands over (downloaded from the console).
Everything happens in the caller's transaction and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mail import outbox, policy
from service import audit
from service.consent import language as family_language
from service.consent import links, messages
from service.models import (
    Case,
    CasePerson,
    CaseStatus,
    ConsentDelivery,
    ConsentRequest,
    Partnership,
    PersonRole,
)

LANGUAGE_NOT_OFFERED = "This partnership does not write in that language"


class RequestRefused(ValueError):
    """Why the request cannot be made or sent; safe to show to the officer."""


@dataclass(frozen=True)
class NewRequest:
    name: str
    relationship_to_victim: str
    delivery: ConsentDelivery
    email: str | None
    ask_about_suspect: bool
    #: The language to write to them in; None: not known (``service.consent.language``).
    language: str | None = None


def victim_name(session: Session, case_id: int) -> str | None:
    """The name of the person who died, as the case records it (the first, if several)."""
    return session.scalar(
        select(CasePerson.name)
        .where(CasePerson.case_id == case_id, CasePerson.role == PersonRole.DECEASED)
        .order_by(CasePerson.position, CasePerson.id)
        .limit(1)
    )


def create(
    session: Session,
    case: Case,
    new: NewRequest,
    *,
    created_by: int | None,
    actor: str,
    client_address: str | None = None,
) -> ConsentRequest:
    """Record the request, issue its link and, for email, queue the email to the family."""
    if case.status is not CaseStatus.OPEN:
        raise RequestRefused("This case is closed: family consent cannot be asked for")
    email = None
    if new.delivery is ConsentDelivery.EMAIL:
        try:
            email = policy.normalise(new.email or "")
        except policy.InvalidAddress as exc:
            raise RequestRefused(
                "Enter an email address in the correct format, like name@example.com"
            ) from exc
    partnership = session.get(Partnership, case.partnership_id)
    if new.language is not None and new.language not in family_language.offered(partnership):
        raise RequestRefused(LANGUAGE_NOT_OFFERED)
    request = ConsentRequest(
        partnership_id=case.partnership_id,
        case_id=case.id,
        name=new.name,
        relationship_to_victim=new.relationship_to_victim,
        delivery=new.delivery,
        email=email,
        ask_about_suspect=new.ask_about_suspect,
        language=new.language,
        created_by=created_by,
    )
    session.add(request)
    session.flush()
    url = links.issue(session, request)
    audit.record(
        session,
        "consent.requested",
        actor=actor,
        partnership_id=case.partnership_id,
        object_type="consent_request",
        object_id=request.id,
        case_id=case.id,
        client_address=client_address,
        delivery=request.delivery.value,
        ask_about_suspect=request.ask_about_suspect,
        language=request.language,
    )
    if request.delivery is ConsentDelivery.EMAIL:
        _email(session, request, case, url, actor=actor)
    return request


def _email(session: Session, request: ConsentRequest, case: Case, url: str, *, actor: str) -> None:
    partnership = session.get(Partnership, request.partnership_id)
    try:
        outbox.queue_message(
            session,
            partnership=partnership,
            purpose=messages.REQUEST.name,
            reference=case.reference,
            to=[request.email or ""],
            actor=actor,
            **messages.to_family(partnership, request, {"link": url}),
        )
    except outbox.MessageRefused as exc:
        raise RequestRefused(
            "The email could not be sent to this address. Check it, or ask by letter."
        ) from exc


def send_again(
    session: Session,
    request: ConsentRequest,
    *,
    new_link: bool,
    actor: str,
    client_address: str | None = None,
) -> None:
    """Email the link again (the same one, or a new one that replaces it), or for a letter,
    issue a new link for a new letter. Audited."""
    case = session.get(Case, request.case_id)
    if case is None or case.status is not CaseStatus.OPEN:
        raise RequestRefused("This case is closed: the link no longer works")
    if not new_link and request.delivery is not ConsentDelivery.EMAIL:
        raise RequestRefused("This request was made by letter: download the letter to print it")
    url = None if new_link else links.current_url(session, request)
    if url is None:
        url = links.issue(session, request)
        new_link = True
    audit.record(
        session,
        "consent.link_reissued" if new_link else "consent.link_resent",
        actor=actor,
        partnership_id=request.partnership_id,
        object_type="consent_request",
        object_id=request.id,
        case_id=request.case_id,
        client_address=client_address,
        delivery=request.delivery.value,
    )
    if request.delivery is ConsentDelivery.EMAIL:
        _email(session, request, case, url, actor=actor)


def change_language(
    session: Session,
    request: ConsentRequest,
    language: str | None,
    *,
    actor: str,
    client_address: str | None = None,
) -> bool:
    """Write to the family member in ``language`` from now on (one the partnership offers; None:
    not known, so in each it offers). Audited; whether anything changed."""
    partnership = session.get(Partnership, request.partnership_id)
    if len(family_language.offered(partnership)) < 2:
        raise RequestRefused("This partnership writes in one language only")
    if language is not None and language not in family_language.offered(partnership):
        raise RequestRefused(LANGUAGE_NOT_OFFERED)
    if request.language == language:
        return False
    previous, request.language = request.language, language
    audit.record(
        session,
        "consent.language_changed",
        actor=actor,
        partnership_id=request.partnership_id,
        object_type="consent_request",
        object_id=request.id,
        case_id=request.case_id,
        client_address=client_address,
        language=language,
        previous_language=previous,
    )
    return True
