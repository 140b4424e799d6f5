"""Sending a case's collated summary (the PDF) to the recipients the officer chooses ("send to
sub-group"); the two moments it goes to the DHR officer by itself are ``to_officer``'s.

"Send to sub-group" sends the same PDF to addresses the officer chooses: the partnership's
inboxes, the case's chairs, its panel members, the agencies' contacts, or typed ones. Only
addresses the policy calls secure can be chosen; each gets its own email and the send is
audited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mail import outbox, policy, routing
from service import audit
from service.models import Agency, AuditEvent, Case, PanelMember, Partnership, UserStatus
from service.summaries import build as summaries
from service.summaries import documents
from service.summaries.limits import MAX_RECIPIENTS
from service.summaries.to_officer import outstanding_text

SUB_GROUP = routing.purpose(
    "summary.sub_group",
    title="Collated summary of trawl returns",
    template="summary_sub_group",
    audience="direct",
)


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
    pdf: bytes | None = None,
) -> Sent:
    """One email with the summary PDF to each address (each checked secure again), and the
    audit event for the send, in the caller's transaction. ``pdf`` is the kept summary PDF
    (``cache.prepare``, made before the transaction); it is made here only for a caller
    without one."""
    for address in addresses:
        if not policy.is_secure(partnership, policy.normalise(address)):
            raise outbox.MessageRefused(insecure_message(partnership, address))
    summary = summaries.build(session, case)
    pdf = pdf or documents.summary_pdf(session, case, summary)
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
