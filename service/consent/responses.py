"""The family member's answers: consent given or declined, and later withdrawn.

Each answer is a new ConsentResponse; the request's status is the latest answer's. Consent can
be given or declined while nothing is given (awaiting, declined, withdrawn: a family member may
change their mind), and withdrawn once given. Each answer goes, with a PDF of the signed form,
to the DHR officer's inbox, the partnership's chair inbox and the case's own chairs; the
secure-recipient policy decides per address what each gets. All in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mail import outbox, routing
from service import audit, clock
from service.consent import documents, form_settings, messages, verification
from service.consent import language as family_language
from service.consent.requests import victim_name
from service.models import (
    Case,
    CaseChair,
    ConsentRequest,
    ConsentResponse,
    ConsentStatus,
    Partnership,
    User,
    UserStatus,
)

log = logging.getLogger(__name__)

#: The statuses each answer may follow.
ALLOWED_FROM: dict[ConsentStatus, frozenset[ConsentStatus]] = {
    ConsentStatus.GIVEN: frozenset(
        {ConsentStatus.AWAITING, ConsentStatus.DECLINED, ConsentStatus.WITHDRAWN}
    ),
    ConsentStatus.DECLINED: frozenset(
        {ConsentStatus.AWAITING, ConsentStatus.DECLINED, ConsentStatus.WITHDRAWN}
    ),
    ConsentStatus.WITHDRAWN: frozenset({ConsentStatus.GIVEN}),
}
NAME_MAX = 200


class ResponseRefused(ValueError):
    """The answer cannot be recorded now (perhaps a second click already recorded it)."""


def actor_of(request: ConsentRequest) -> str:
    return f"family:{request.id}"


def status_of(victim_information: bool | None, suspect_information: bool | None) -> ConsentStatus:
    """Given if any consent was given; declined if none was."""
    return (
        ConsentStatus.GIVEN if victim_information or suspect_information else ConsentStatus.DECLINED
    )


def can_answer(request: ConsentRequest, status: ConsentStatus) -> bool:
    return request.status in ALLOWED_FROM[status]


def latest(request: ConsentRequest) -> ConsentResponse | None:
    return request.responses[-1] if request.responses else None


def recipients(session: Session, request: ConsentRequest) -> list[str]:
    """The DHR officer's inbox, the partnership's chair inbox, and each active chair assigned to
    the case, in that order, without duplicates."""
    partnership = session.get(Partnership, request.partnership_id)
    chairs = session.scalars(
        select(User.email)
        .join(CaseChair, CaseChair.user_id == User.id)
        .where(
            CaseChair.case_id == request.case_id,
            User.partnership_id == request.partnership_id,
            User.status == UserStatus.ACTIVE,
        )
        .order_by(CaseChair.assigned_at, CaseChair.id)
    ).all()
    found = [*partnership.inbox("dhr_officer"), *partnership.inbox("chair"), *chairs]
    seen: dict[str, None] = {}
    for address in found:
        if address and address.strip():
            seen.setdefault(address.strip(), None)
    return list(seen)


def record(
    session: Session,
    request: ConsentRequest,
    *,
    victim_information: bool | None = None,
    suspect_information: bool | None = None,
    withdraw: bool = False,
    signed_name: str,
    signed_on: dt.date,
    print_name: str | None = None,
    date_of_birth: dt.date | None = None,
    device: str | None = None,
    client_address: str | None = None,
    language: str | None = None,
) -> ConsentResponse:
    """Record an answer, audit it and queue it to the review with the signed form attached.

    ``signed_name`` is the typed signature, ``print_name`` the form's "Print name" beside it;
    the answer keeps the name of the chair the form said it goes to.
    ``withdraw``: the family member withdraws the consent they gave. Otherwise the choices
    decide: given if any consent is given, declined if none is. ``date_of_birth`` (letters):
    kept only as a digest, to check it is them later. ``device``: the browser sending it, which
    may then see the answered form without a check for a few hours. ``language``: the language
    of the page they answered on, kept as theirs if none was known (and the partnership offers it).
    """
    # Two submissions at once (a double click, two tabs): the second waits here for the first,
    # then finds the status it expected gone.
    session.scalar(
        select(ConsentRequest)
        .where(ConsentRequest.id == request.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    signed_name = (signed_name or "").strip()
    if not signed_name or len(signed_name) > NAME_MAX:
        raise ResponseRefused("a signature is a name of 1 to 200 characters")
    print_name = (print_name or "").strip() or None
    if print_name is not None and len(print_name) > NAME_MAX:
        raise ResponseRefused("a printed name is 1 to 200 characters")
    if withdraw:
        status = ConsentStatus.WITHDRAWN
        victim_information = suspect_information = None
    else:
        if victim_information is None:
            raise ResponseRefused("the choice about the victim's information is missing")
        if request.ask_about_suspect and suspect_information is None:
            raise ResponseRefused("the choice about the suspect's information is missing")
        if not request.ask_about_suspect:
            suspect_information = None
        status = status_of(victim_information, suspect_information)
    was = request.status
    if was not in ALLOWED_FROM[status]:
        raise ResponseRefused(f"consent cannot be {status.value} when it is {was.value}")
    now = clock.now()
    moved = session.execute(
        update(ConsentRequest)
        .where(
            ConsentRequest.id == request.id,
            ConsentRequest.status == was,
            ConsentRequest.updated_at == request.updated_at,
        )
        .values(status=status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise ResponseRefused("the request changed while this answer was being sent")
    request.status = status
    request.updated_at = now
    _keep_language(session, request, language)
    response = ConsentResponse(
        request_id=request.id,
        status=status,
        victim_information=victim_information,
        suspect_information=suspect_information,
        signed_name=signed_name,
        print_name=print_name,
        signed_on=signed_on,
        chair_name=form_settings.chair_name(session, request.case_id),
        submitted_at=now,
        date_of_birth_digest=(
            verification.digest_date_of_birth(request, date_of_birth) if date_of_birth else None
        ),
    )
    request.responses.append(response)
    session.flush()
    if device:
        verification.remember(session, request, device, reason="answered")
    audit.record(
        session,
        f"consent.{status.value}",
        actor=actor_of(request),
        partnership_id=request.partnership_id,
        object_type="consent_request",
        object_id=request.id,
        case_id=request.case_id,
        client_address=client_address,
        response_id=response.id,
        previous_status=was.value,
        victim_information=victim_information,
        suspect_information=suspect_information,
    )
    _tell_the_review(session, request, response)
    return response


def _keep_language(session: Session, request: ConsentRequest, language: str | None) -> None:
    """The language of their first answer becomes the family member's, if none was known."""
    if request.language is not None:
        return
    partnership = session.get(Partnership, request.partnership_id)
    request.language = family_language.chosen(partnership, language)


def review_copy(
    session: Session, request: ConsentRequest, response: ConsentResponse
) -> outbox.Attachment:
    """The signed form as the review gets it: with the case reference, and English beside the
    Welsh where the family member's was in Welsh only."""
    case = session.get(Case, request.case_id)
    partnership = session.get(Partnership, request.partnership_id)
    data = documents.render_response_pdf(
        response, request, partnership=partnership, victim=victim_name(session, request.case_id),
        reference=case.reference, languages=documents.review_languages(partnership, request),
    )  # fmt: skip
    return outbox.Attachment(
        documents.response_filename(response, case.reference), documents.PDF_CONTENT_TYPE, data
    )


def family_copy(session: Session, request: ConsentRequest, response: ConsentResponse) -> bytes:
    """The family member's own copy: no case reference, in their language."""
    partnership = session.get(Partnership, request.partnership_id)
    return documents.render_response_pdf(
        response, request, partnership=partnership, victim=victim_name(session, request.case_id)
    )


def victim_label(session: Session, request: ConsentRequest) -> str:
    return victim_name(session, request.case_id) or "the person who died"


def _tell_the_review(session: Session, request: ConsentRequest, response: ConsentResponse) -> None:
    case = session.get(Case, request.case_id)
    partnership = session.get(Partnership, request.partnership_id)
    entry = messages.WITHDRAWAL if response.status is ConsentStatus.WITHDRAWN else messages.RESPONSE
    try:
        outbox.queue_message(
            session,
            partnership=partnership,
            purpose=entry.name,
            reference=case.reference,
            to=recipients(session, request),
            context={
                "case_id": case.id,
                "consent_id": request.id,
                "status": response.status.value,
                "agreement": documents.heading(request, response),
                "relationship": request.relationship_to_victim,
                "delivery": request.delivery.value,
                "ask_about_suspect": request.ask_about_suspect,
                "victim_information": response.victim_information,
                "suspect_information": response.suspect_information,
                "signed_on": clock.long_date(response.signed_on),
                "submitted": clock.long_moment(response.submitted_at),
            },
            attachments=[review_copy(session, request, response)],
            actor=actor_of(request),
        )
    except (routing.RoutingError, outbox.MessageRefused):
        # Nobody to send to (no inbox configured): the answer is recorded all the same, and the
        # console's tracker shows it.
        log.warning(
            "consent answer recorded but not sent: no usable recipient",
            extra={"consent_request_id": request.id, "response_id": response.id},
        )
