"""Sending an agency's return: the new version, a PDF of it to the DHR officer's inbox and an
acknowledgement to the agency, all in the caller's transaction (nothing is sent unless it
commits).

An amendment is sent the same way: a new version, with what changed from the one before, and
the officer's email says which version it is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from forms import trawl_return as catalogue
from mail import outbox, policy, queueing, routing
from service import clock
from service.clock import long_moment
from service.models import Agency, Case, Partnership, TrawlRequest, TrawlReturn
from service.pdf import render_html, write_pdf
from service.trawls import initial, messages, returns

PDF_CONTENT_TYPE = "application/pdf"


class NothingToSend(ValueError):
    """There are no unsent answers: the return was sent already (perhaps by a second click)."""


def pdf_filename(case: Case, version: int) -> str:
    return f"trawl-return-{case.reference}-v{version}.pdf"


def render_return_html(
    row: TrawlReturn, request: TrawlRequest, *, case: Case, agency: Agency,
    partnership: Partnership,
) -> str:  # fmt: skip
    trawl = request.trawl
    people = trawl.people
    answers = row.answers or {}
    return render_html(
        "pdf/trawl_return.html",
        row=row,
        case=case,
        agency=agency,
        partnership=partnership,
        people=people,
        submitted=long_moment(row.submitted_at),
        scope_from=clock.long_date(trawl.scope_from),
        scope_to=clock.long_date(trawl.scope_to),
        due_date=clock.long_date(request.due_date),
        long_date=clock.long_date,
        parts=catalogue.answer_parts(answers, people),
        flagged=catalogue.outside_scope(answers, people, trawl.scope_from, trawl.scope_to),
        dates_confirmed=bool(answers.get("dates_confirmed")),
        declaration=bool(answers.get("declaration")),
    )


def render_return_pdf(
    row: TrawlReturn, request: TrawlRequest, *, case: Case, agency: Agency,
    partnership: Partnership,
) -> bytes:  # fmt: skip
    """One version of the return as a PDF, marked OFFICIAL-SENSITIVE on every page."""
    return write_pdf(
        render_return_html(row, request, case=case, agency=agency, partnership=partnership)
    )


def send(
    session: Session,
    request: TrawlRequest,
    answers: dict[str, Any],
    *,
    client_address: str | None = None,
) -> TrawlReturn:
    """Store ``answers`` as the request's next version and tell the DHR officer and the agency.

    Raises NothingToSend, changing nothing, if the request has no unsent answers any more.
    """
    session.refresh(request)
    if request.draft is None:
        raise NothingToSend("nothing to send")
    people = request.trawl.people
    previous = request.latest_return
    found = catalogue.changes(previous.answers or {}, answers, people) if previous else []
    row = returns.submit(
        session,
        request,
        answers,
        involvement=catalogue.involvement(answers),
        changes=found,
        client_address=client_address,
    )
    case = initial.case_of(session, request)
    agency = session.get(Agency, request.agency_id)
    partnership = session.get(Partnership, request.partnership_id)
    pdf = render_return_pdf(row, request, case=case, agency=agency, partnership=partnership)
    actor = f"agency:{agency.id}"
    completed_by = (row.answers or {}).get("completed_by") or {}
    # No DHR officer inbox (or no agency address): the return is stored all the same, the
    # console's tracker shows it, and the case page says which email was not sent.
    queueing.queue_if_addressed(
        session,
        partnership=partnership,
        purpose=messages.RETURN_SUBMITTED.name,
        reference=case.reference,
        case_id=case.id,
        context={
            "agency_name": agency.name,
            "case_id": case.id,
            "referral_id": request.trawl.referral_id,
            "version": row.version,
            "amendment": row.version > 1,
            "changes": row.changes,
            "involvement": row.involvement,
            "submitted": long_moment(row.submitted_at or clock.now()),
        },
        attachments=[outbox.Attachment(pdf_filename(case, row.version), PDF_CONTENT_TYPE, pdf)],
        actor=actor,
    )
    queueing.queue_if_addressed(
        session,
        partnership=partnership,
        purpose=messages.RETURN_ACKNOWLEDGEMENT.name,
        reference=case.reference,
        case_id=case.id,
        agency=agency,
        # A copy to the person who completed the return, if theirs is a secure address.
        to=policy.secure_only(partnership, [completed_by.get("email")]),
        context={
            "agency_name": agency.name,
            "version": row.version,
            "amendment": row.version > 1,
            # In the acknowledgement's own language: the agency's.
            "submitted": long_moment(
                row.submitted_at or clock.now(),
                routing.language(messages.RETURN_ACKNOWLEDGEMENT, partnership, agency),
            ),
            "considering": request.trawl.considering and request.case_id is None,
        },
        actor=actor,
    )
    return row
