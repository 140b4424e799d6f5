"""Sending a case's collated summary (the PDF): to the DHR officer when a trawl is complete and
when it falls due, and to the recipients the officer chooses ("send to sub-group").

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

"Send to sub-group" sends the same PDF to addresses the officer chooses: the partnership's
inboxes, the case's chairs, its panel members, the agencies' contacts, or typed ones. Only
addresses the policy calls secure can be chosen; each gets its own email and the send is
audited.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mail import outbox, policy, routing
from service import audit, runtime
from service.clock import long_date
from service.models import (
    Agency,
    AuditEvent,
    Case,
    CaseStatus,
    PanelMember,
    Partnership,
    Trawl,
    TrawlRequest,
    TrawlStatus,
    UserStatus,
)
from service.summaries import build as summaries
from service.summaries import documents
from service.trawls import schedule
from service.workdays import london_date

log = logging.getLogger(__name__)

#: The most addresses one "send to sub-group" takes.
MAX_RECIPIENTS = 50
NOTE_MAX = 2000

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
SUB_GROUP = routing.purpose(
    "summary.sub_group",
    title="Collated summary of trawl returns",
    template="summary_sub_group",
    audience="direct",
)


# --- the two moments ---------------------------------------------------------------------------


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
    if line.extension_to:
        where = f"given more time, to {line.extension_to}"
    elif line.status is summaries.AgencyStatus.OVERDUE:
        where = f"overdue (due {line.due_on})"
    else:
        where = f"due {line.due_on}"
    if line.link_withheld:
        where += "; it has no secure address, so it was not sent the link"
    return f"{line.name}: {where}"


def send_to_officer(session: Session, trawl: Trawl, trigger: Trigger, now: datetime) -> bool:
    """Send the DHR officer the summary for ``trigger`` if this sweep wins it; True if it did."""
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
        pdf = documents.summary_pdf(session, case, summary)
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


# --- send to sub-group -------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """Someone the officer can choose to send the summary to."""

    address: str  # normalised: the checkbox's value
    name: str
    described_as: str  # "Partnership inbox", "Panel member: Safeguarding lead, ..."
    secure: bool


INBOX_LABELS = {"dhr_officer": "DHR officer inbox", "chair": "Independent chair inbox"}


def candidates(session: Session, partnership: Partnership, case: Case) -> list[Candidate]:
    """The partnership's inboxes, the case's chairs, its panel members and the agencies'
    contacts, each address once (the first description wins), secure ones marked."""
    found: list[tuple[str, str, str]] = []
    for inbox, label in INBOX_LABELS.items():
        # Named by the inbox's label already: described by what it is, not the label again.
        found += [(a, label, "Partnership inbox") for a in partnership.inbox(inbox)]
    for chair in sorted(case.chairs, key=lambda c: (c.user.label.casefold(), c.user_id)):
        if chair.user.partnership_id == partnership.id and chair.user.status is not (
            UserStatus.DISABLED
        ):
            found.append((chair.user.email, chair.user.label, "Chair of this case"))
    members = session.scalars(
        select(PanelMember)
        .where(
            PanelMember.case_id == case.id,
            PanelMember.partnership_id == partnership.id,
            PanelMember.removed_at.is_(None),
        )
        .order_by(func.lower(PanelMember.name), PanelMember.id)
    )
    for member in members:
        about = ", ".join(
            x
            for x in (member.role, member.agency.name if member.agency else None)
            if x and x.casefold() != "panel member"
        )
        found.append((member.email, member.name, "Panel member" + (f": {about}" if about else "")))
    agencies = session.scalars(
        select(Agency)
        .where(Agency.partnership_id == partnership.id)
        .order_by(func.lower(Agency.name), Agency.id)
    )
    for agency in agencies:
        found += [(a, agency.name, "Agency contact") for a in agency.secure_addresses or ()]
    seen: dict[str, Candidate] = {}
    for raw, name, described in found:
        try:
            address = policy.normalise(raw)
        except policy.InvalidAddress:
            continue
        key = address.casefold()
        if key not in seen:
            seen[key] = Candidate(address, name, described, policy.is_secure(partnership, address))
    return list(seen.values())


_SEPARATORS = re.compile(r"[\s,;]+")


def typed_addresses(text: str | None) -> list[str]:
    """The addresses in a box of typed ones, split on commas, semicolons, spaces and lines."""
    return [a for a in _SEPARATORS.split(text or "") if a]


@dataclass
class Choice:
    """What the officer chose, checked: the addresses to send to, or what is wrong."""

    addresses: list[str] = field(default_factory=list)
    #: Field name → messages, for the error summary.
    problems: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, name: str, message: str) -> None:
        self.problems.setdefault(name, []).append(message)


NOTHING_CHOSEN = "Select who to send the summary to, or enter an email address"
NOT_OFFERED = "Select recipients from the list"
TOO_MANY = f"The summary can go to up to {MAX_RECIPIENTS} recipients at once"


def choose(
    partnership: Partnership,
    offered: Sequence[Candidate],
    ticked: Sequence[str],
    typed: str | None,
) -> Choice:
    """Check the ticked candidates and the typed addresses: every one must be an address the
    secure-recipient policy calls secure. Each field gets one message naming every address it
    refuses."""
    chosen = Choice()
    by_key = {c.address.casefold(): c for c in offered}
    seen: set[str] = set()
    refused: dict[str, list[str]] = {"recipients": [], "other_addresses": []}
    malformed: list[str] = []
    not_offered = False

    def add(address: str) -> None:
        if address.casefold() not in seen:
            seen.add(address.casefold())
            chosen.addresses.append(address)

    for value in ticked:
        candidate = by_key.get((value or "").strip().casefold())
        if candidate is None:
            not_offered = True
        elif not candidate.secure:
            refused["recipients"].append(candidate.address)
        else:
            add(candidate.address)
    for raw in typed_addresses(typed):
        try:
            address = policy.normalise(raw)
        except policy.InvalidAddress:
            malformed.append(raw[:100])
            continue
        if policy.is_secure(partnership, address):
            add(address)
        else:
            refused["other_addresses"].append(address)
    if not_offered:
        chosen.problem("recipients", NOT_OFFERED)
    for name, addresses in refused.items():
        if addresses:
            chosen.problem(name, insecure_message(partnership, *addresses))
    if malformed:
        quoted = _and([f"‘{a}’" for a in malformed])
        verb = "is not an email address" if len(malformed) == 1 else "are not email addresses"
        chosen.problem(
            "other_addresses", f"{quoted} {verb}: enter addresses like name@example.gov.uk"
        )
    if not chosen.problems and not chosen.addresses:
        chosen.problem("recipients", NOTHING_CHOSEN)
    if len(chosen.addresses) > MAX_RECIPIENTS:
        chosen.problem("other_addresses", TOO_MANY)
    # One message a field: the error summary and the field show the first.
    chosen.problems = {k: [". ".join(v)] for k, v in chosen.problems.items()}
    return chosen


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def insecure_message(partnership: Partnership, *addresses: str) -> str:
    """Why ``addresses`` cannot be sent the summary, naming them."""
    domains = ", ".join(partnership.secure_domains or ()) or "none are set"
    verb = "is not a secure address" if len(addresses) == 1 else "are not secure addresses"
    return (
        f"{_and(addresses)} {verb}: the summary can only go to addresses on the "
        f"partnership’s secure domains ({domains})"
    )


@dataclass(frozen=True)
class Sent:
    event_id: int
    message_ids: list[str]


def send_to_sub_group(
    session: Session,
    case: Case,
    partnership: Partnership,
    addresses: Sequence[str],
    *,
    note: str | None,
    actor: str,
    client_address: str | None = None,
) -> Sent:
    """One email with the summary PDF to each address (each checked secure again), and the
    audit event for the send, in the caller's transaction."""
    for address in addresses:
        if not policy.is_secure(partnership, policy.normalise(address)):
            raise outbox.MessageRefused(insecure_message(partnership, address))
    summary = summaries.build(session, case)
    pdf = documents.summary_pdf(session, case, summary)
    context = {
        "case_reference": case.reference,
        "note": note or None,
        "agencies": len(summary.agencies),
        "returned": len(summary.returned),
        "outstanding": [outstanding_text(line) for line in summary.outstanding],
    }
    attachment = outbox.Attachment(documents.pdf_filename(case), documents.PDF_CONTENT_TYPE, pdf)
    message_ids: list[str] = []
    for address in addresses:
        (message,) = outbox.queue_message(
            session,
            partnership=partnership,
            purpose=SUB_GROUP.name,
            reference=case.reference,
            to=[address],
            context=context,
            attachments=[attachment],
            actor=actor,
        )
        message_ids.append(message.id)
    event = audit.record(
        session,
        "summary.sent_to_sub_group",
        actor=actor,
        partnership_id=partnership.id,
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        client_address=client_address,
        recipients=len(message_ids),
        messages=message_ids,
        note=bool(note),
    )
    session.flush()
    return Sent(event.id, message_ids)


def sent_event(session: Session, case: Case, event_id: object) -> AuditEvent | None:
    """The audit event of one "send to sub-group" of ``case``, or None."""
    try:
        ident = int(event_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return session.scalar(
        select(AuditEvent).where(
            AuditEvent.id == ident,
            AuditEvent.case_id == case.id,
            AuditEvent.partnership_id == case.partnership_id,
            AuditEvent.action == "summary.sent_to_sub_group",
        )
    )
