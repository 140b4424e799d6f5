"""Sending a case's collated summary (the PDF) to the DHR officer when a trawl is complete and
when it falls due.

Two moments send the summary to the partnership's DHR officer inbox, each once per trawl:

- **Every return in.** When the first return of a trawl's last outstanding request arrives,
  ``service.trawls.returns`` sets ``Trawl.summary_complete_at`` in that submission's
  transaction. Amendments never do; an agency whose link was withheld is outstanding until it
  returns. The next sweep sends the summary.
- **The due date.** ``Trawl.summary_due_at`` is set when the trawl is sent: the partnership's
  dispatch hour on the first working day after the due date, the moment the first chasers go.
  The due date is a whole day the agencies have to answer, so a summary on the morning of the
  due date would list as outstanding agencies that still have the day to reply, and one on a
  Saturday would wait unread until Monday. On that morning the officer gets the summary with the
  agencies still outstanding named in the email: the same agencies the chasers went to. If every
  agency has returned by then the due-date summary is not sent: the "every return in" summary
  has gone, or goes in the same sweep, and says more.

Each is claimed with a compare-and-set on its ``*_sent_at`` column in the transaction that
queues the email, so two sweeps at once, a restarted scheduler or an emptied Redis send it
exactly once. Nothing is sent for a closed case. The email goes through the secure-recipient
policy like every other: an inbox outside the allowlist gets the content-free notice (or the
message is held), never the PDF. Without a DHR officer inbox nothing is claimed, so the summary
goes at the first sweep after one is configured.

Trawls sent before summaries existed have no ``summary_due_at``: the sweep fills it from their
due date (``fill_missing``) and, if every agency had already returned, sets
``summary_complete_at`` to when the last one did, so they get their summaries as a new trawl
would (a trawl long past its due date gets its due-date summary at the next sweep).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mail import outbox, policy, routing
from service import audit, runtime
from service.clock import long_date
from service.models import Case, CaseStatus, Partnership, Trawl, TrawlRequest, TrawlStatus
from service.summaries import build as summaries
from service.summaries import documents
from service.trawls import schedule
from service.workdays import london_date

log = logging.getLogger(__name__)

COMPLETE = routing.purpose(
    "summary.complete",
    title="Collated summary: every trawl return received",
    template="summary_complete",
    audience="inbox:dhr_officer",
)
AT_DUE_DATE = routing.purpose(
    "summary.due",
    title="Collated summary: trawl due date passed",
    template="summary_due",
    audience="inbox:dhr_officer",
)


def due_moment(partnership: Partnership, trawl: Trawl) -> datetime:
    """When the due-date summary goes: with the first chasers, the morning after the due date."""
    return schedule.first_chaser_at(partnership, trawl.due_date)


@dataclass(frozen=True)
class Trigger:
    name: str  # "complete" or "due": the audit event's "trigger"
    purpose: routing.Purpose
    sent_column: str


EVERY_RETURN_IN = Trigger("complete", COMPLETE, "summary_complete_sent_at")
DUE_DATE = Trigger("due", AT_DUE_DATE, "summary_due_sent_at")


def fill_missing(session: Session, now: datetime) -> int:
    """Give trawls sent before summaries existed their summary moments; how many were filled."""
    found = session.scalars(
        select(Trawl)
        .where(Trawl.status == TrawlStatus.SENT, Trawl.summary_due_at.is_(None))
        .order_by(Trawl.id)
    ).all()
    for trawl in found:
        if trawl.due_date is None:
            continue
        partnership = session.get(Partnership, trawl.partnership_id)
        waiting = session.scalar(
            select(func.count(TrawlRequest.id)).where(
                TrawlRequest.trawl_id == trawl.id, TrawlRequest.returned_at.is_(None)
            )
        )
        last = session.scalar(
            select(func.max(TrawlRequest.returned_at)).where(TrawlRequest.trawl_id == trawl.id)
        )
        session.execute(
            update(Trawl)
            .where(Trawl.id == trawl.id, Trawl.summary_due_at.is_(None))
            .values(summary_due_at=due_moment(partnership, trawl))
            .execution_options(synchronize_session=False)
        )
        if not waiting and last is not None:
            session.execute(
                update(Trawl)
                .where(Trawl.id == trawl.id, Trawl.summary_complete_at.is_(None))
                .values(summary_complete_at=last)
                .execution_options(synchronize_session=False)
            )
    return len(found)


def complete_due(session: Session, now: datetime) -> list[Trawl]:
    """Sent trawls of open cases whose last return is in and whose summary has not gone."""
    return _due(session, Trawl.summary_complete_at <= now, Trawl.summary_complete_sent_at.is_(None))


def at_due_date_due(session: Session, now: datetime) -> list[Trawl]:
    """Sent trawls of open cases past their due-date summary moment, with agencies still
    outstanding, whose due-date summary has not gone."""
    return _due(
        session,
        Trawl.summary_due_at <= now,
        Trawl.summary_due_sent_at.is_(None),
        Trawl.summary_complete_at.is_(None),
    )


def _due(session: Session, *criteria) -> list[Trawl]:  # noqa: ANN002
    return list(
        session.scalars(
            select(Trawl)
            .join(Case, Case.id == Trawl.case_id)
            .where(Trawl.status == TrawlStatus.SENT, Case.status == CaseStatus.OPEN, *criteria)
            .order_by(Trawl.id)
        )
    )


def _claim(session: Session, trawl: Trawl, trigger: Trigger, now: datetime) -> bool:
    column = getattr(Trawl, trigger.sent_column)
    criteria = [Trawl.id == trawl.id, column.is_(None)]
    if trigger is DUE_DATE:
        # A last return that landed since this sweep read the row wins: nothing is outstanding.
        criteria.append(Trawl.summary_complete_at.is_(None))
    taken = session.execute(
        update(Trawl)
        .where(*criteria)
        .values({trigger.sent_column: now})
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def _addressable(purpose: routing.Purpose, partnership: Partnership) -> bool:
    try:
        for address in routing.recipients(purpose, partnership):
            policy.normalise(address)
    except (routing.RoutingError, policy.InvalidAddress):
        return False
    return True


def _tracker_link(case: Case) -> str:
    return f"{runtime.settings().SERVICE_URL.rstrip('/')}/console/cases/{case.id}/summary"


def outstanding_of(summary: summaries.Summary, trawl: Trawl) -> list[summaries.AgencyLine]:
    """The trawl's agencies that have not returned, as the summary shows them."""
    ids = {r.id for r in trawl.requests}
    return [a for a in summary.outstanding if a.request_id in ids]


def outstanding_text(line: summaries.AgencyLine) -> str:
    """``Exampleshire Police: overdue`` — the agency's name and where its return stands."""
    if line.status is summaries.AgencyStatus.BOUNCED:
        where = f"its email bounced on {line.bounced_on}, so the request is not reaching it"
    elif line.extension_to:
        where = f"given more time, to {line.extension_to}"
    elif line.status is summaries.AgencyStatus.OVERDUE:
        where = f"overdue (due {line.due_on})"
    else:
        where = f"due {line.due_on}"
    if line.link_withheld:
        where += "; it has no secure address, so it was not sent the link"
    return f"{line.name}: {where}"


def send_to_officer(
    session: Session, trawl: Trawl, trigger: Trigger, now: datetime, *, pdf: bytes | None = None
) -> bool:
    """Send the DHR officer the summary for ``trigger`` if this sweep wins it; True if it did.
    ``pdf`` is the kept summary PDF (``cache.prepare``, made outside the transaction); it is
    made here only for a caller without one."""
    partnership = session.get(Partnership, trawl.partnership_id)
    case = session.get(Case, trawl.case_id)
    if not _addressable(trigger.purpose, partnership):
        log.warning(
            "summary not sent: no DHR officer inbox",
            extra={"trawl_id": trawl.id, "trigger": trigger.name},
        )
        return False
    with session.begin_nested() as savepoint:
        if not _claim(session, trawl, trigger, now):
            return False  # another sweep sent it, or the last return got in first
        summary = summaries.build(session, case, now=now)
        waiting = outstanding_of(summary, trawl)
        if trigger is DUE_DATE and not waiting:
            # Every agency has returned though the trawl was never marked complete: there is
            # nothing outstanding to tell. The claim stands, so no sweep looks at it again.
            return False
        context = {
            "case_reference": case.reference,
            "trawl_sent": long_date(london_date(trawl.sent_at)),
            "due_date": long_date(trawl.due_date),
            "agencies": len(trawl.requests),
            "returned": len(trawl.requests) - len(waiting),
            "outstanding": [outstanding_text(line) for line in waiting],
            "link": _tracker_link(case),
        }
        pdf = pdf or documents.summary_pdf(session, case, summary)
        try:
            outbox.queue_message(
                session,
                partnership=partnership,
                purpose=trigger.purpose.name,
                reference=case.reference,
                context=context,
                attachments=[
                    outbox.Attachment(documents.pdf_filename(case), documents.PDF_CONTENT_TYPE, pdf)
                ],
            )
        except (routing.RoutingError, outbox.MessageRefused):
            # Checked above, so only the inbox changed under us: give the claim back.
            log.warning(
                "summary not sent: no usable DHR officer inbox",
                extra={"trawl_id": trawl.id, "trigger": trigger.name},
            )
            savepoint.rollback()
            return False
        audit.record(
            session,
            "summary.sent_to_officer",
            partnership_id=trawl.partnership_id,
            object_type="trawl",
            object_id=trawl.id,
            case_id=trawl.case_id,
            trigger=trigger.name,
            outstanding=len(waiting),
        )
    return True
