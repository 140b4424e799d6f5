"""Asking an agency for its Individual Management Review.

The officer or the case's chair chooses the agency, the due date and the terms of reference
(a PDF or Word document, checked by ``service.uploads``). ``send`` stores the request, gives the
agency its own link and queues the request email, which follows the partnership's IMR request
letter and carries the terms of reference, all in the caller's transaction.

``IMR`` is the IMR request as a kind of agency request (``service.requests``): the kernel
delivers it and chases it, as it does the trawl's (the first chaser on the first working day
after the due date, the second of a round escalating; none after the first submission).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from mail import outbox, routing, sizing
from service import audit, clock, runtime, uploads
from service.clock import long_date
from service.imrs import links, messages
from service.models import Agency, Case, CaseStatus, ImrRequest, Partnership, StoredFile
from service.requests import delivery, kinds
from service.requests.delivery import has_secure_address
from service.workdays import london_date

#: Room left in a message for its bodies and headers when deciding whether the terms of
#: reference can go attached.
_MESSAGE_ALLOWANCE = 256 * 1024


class RequestRefused(ValueError):
    """Why the IMR cannot be requested; safe to show to the officer. ``field`` is the form
    field it is about."""

    def __init__(self, message: str, field: str = "agency") -> None:
        super().__init__(message)
        self.field = field


def open_request(session: Session, case: Case, agency: Agency) -> ImrRequest | None:
    """The agency's IMR request on this case, if it has one."""
    return session.scalar(
        select(ImrRequest)
        .where(ImrRequest.case_id == case.id, ImrRequest.agency_id == agency.id)
        .order_by(ImrRequest.id.desc())
        .limit(1)
    )


def send(
    session: Session,
    case: Case,
    agency: Agency,
    *,
    due_date: dt.date,
    filename: str | None,
    data: bytes,
    note: str | None,
    created_by: int | None,
    actor: str,
    by_chair: bool = False,
    client_address: str | None = None,
) -> ImrRequest:
    """Ask ``agency`` for its IMR on ``case``: store the terms of reference, the request, its
    link and the email. Raises RequestRefused or ``uploads.UploadRefused``, adding nothing."""
    if case.status is not CaseStatus.OPEN:
        raise RequestRefused("This case is closed: an IMR cannot be requested")
    if agency.partnership_id != case.partnership_id:
        raise RequestRefused("Select the agency to ask for an IMR")
    if due_date <= london_date(clock.now()):
        raise RequestRefused("The due date must be in the future", "due_date")
    if open_request(session, case, agency) is not None:
        raise RequestRefused(f"An IMR has already been requested from {agency.name} for this case")
    terms = uploads.store(
        session,
        partnership_id=case.partnership_id,
        filename=filename,
        data=data,
        allowed=uploads.TERMS_TYPES,
        max_bytes=uploads.TERMS_MAX_BYTES,
    )
    session.flush()  # the request's foreign key names it: no relationship orders the inserts
    partnership = session.get(Partnership, case.partnership_id)
    now = clock.now()
    request = ImrRequest(
        partnership_id=case.partnership_id,
        case_id=case.id,
        agency_id=agency.id,
        terms_of_reference_id=terms.id,
        note=note or None,
        created_by=created_by,
        sent_at=now,
        due_date=due_date,
        link_withheld=not has_secure_address(partnership, agency),
        next_chaser_at=IMR.first_chaser_at(partnership, due_date),
        last_activity_at=now,
    )
    session.add(request)
    session.flush()
    deliver_request(
        session, request, partnership=partnership, case=case, actor=actor, by_chair=by_chair
    )
    audit.record(
        session,
        "imr.requested",
        actor=actor,
        partnership_id=case.partnership_id,
        object_type="imr_request",
        object_id=request.id,
        case_id=case.id,
        client_address=client_address,
        agency_id=agency.id,
        due_date=due_date.isoformat(),
    )
    return request


def terms_fit_in_email(terms: StoredFile) -> bool:
    """True if the terms of reference can go attached to the request email. The agency cannot
    sign in to the console, so a file too big for email is offered through its own link."""
    return sizing.encoded_size(terms.size) + _MESSAGE_ALLOWANCE <= sizing.size_limit()


def email_context(
    request: ImrRequest, case: Case, agency: Agency, link: str | None, *, terms_attached: bool,
    by_chair: bool = False, language: str = "en",
) -> dict:  # fmt: skip
    """What the request email says (the letter's wording, the case by its reference); its date
    in ``language``, the email's own (``language_of``)."""
    return {
        "agency_name": agency.name,
        "case_reference": case.reference,
        "due_date": long_date(request.due_date, language),
        "note": request.note,
        "link": link,
        "terms_attached": terms_attached,
        "by_chair": by_chair,
    }


def language_of(session: Session, purpose: routing.Purpose, agency: Agency) -> str:
    """The language of the agency's email of ``purpose``: its dates are written in it too."""
    return routing.language(purpose, session.get(Partnership, agency.partnership_id), agency)


def terms_filename(case: Case, terms: StoredFile) -> str:
    extension = ".docx" if terms.content_type == uploads.DOCX else ".pdf"
    return f"terms-of-reference-{case.reference}{extension}"


def deliver_request(
    session: Session,
    request: ImrRequest,
    *,
    partnership: Partnership,
    case: Case,
    actor: str,
    new_link: bool = True,
    by_chair: bool = False,
) -> None:
    """Queue the request email to the agency: with a new link, or resending its current one.
    An agency without a secure address gets the partnership's content-free notice instead."""
    delivery.deliver_request(
        IMR,
        session,
        request,
        partnership=partnership,
        case=case,
        actor=actor,
        new_link=new_link,
        by_chair=by_chair,
    )


# --- the IMR request as a kind of agency request --------------------------------------------


def _letter(
    session: Session, request: ImrRequest, case: Case, agency: Agency, link: str | None, *,
    by_chair: bool = False,
) -> kinds.Letter:  # fmt: skip
    """The request letter, with the terms of reference attached if they fit in an email."""
    terms = session.get(StoredFile, request.terms_of_reference_id)
    attached = terms is not None and terms_fit_in_email(terms)
    attachments = (
        [outbox.Attachment(terms_filename(case, terms), terms.content_type, terms.data)]
        if attached
        else []
    )
    context = email_context(
        request, case, agency, link, terms_attached=attached, by_chair=by_chair,
        language=language_of(session, messages.REQUEST, agency),
    )  # fmt: skip
    return kinds.Letter(context, attachments)


def _chaser_context(
    session: Session, request: ImrRequest, case: Case, agency: Agency, number: int
) -> dict:
    """What a chaser says. It resends the agency's current link; a revoked or expired one is
    not replaced here (the officer sends a new link from the console). Its dates are in the
    chaser's language."""
    language = language_of(session, messages.CHASER, agency)
    return {
        "agency_name": agency.name,
        "case_reference": case.reference,
        "sent_date": long_date(london_date(request.sent_at), language),
        "due_date": long_date(request.due_date, language),
        "link": links.current_url(session, request),
        "chaser_number": number,
    }


def _tracker_link(request: ImrRequest) -> str:
    base = runtime.settings().SERVICE_URL.rstrip("/")
    return f"{base}/console/imr-requests/{request.id}"


IMR = kinds.register(
    kinds.RequestKind(
        name="imr",
        model=ImrRequest,
        object_type="imr_request",
        links=links.LINKS,
        request=messages.REQUEST,
        chaser=messages.CHASER,
        escalation=messages.ESCALATION,
        escalation_officer=messages.ESCALATION_OFFICER,
        letter=_letter,
        chaser_context=_chaser_context,
        tracker_link=_tracker_link,
        title="IMR request",
        page=lambda request: f"/console/imr-requests/{request.id}",
    )
)
