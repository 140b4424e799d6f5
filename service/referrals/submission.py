"""Submitting a referral: the draft becomes a submitted referral with a reference, the PDF goes to
the partnership's referral inbox, and the referrer and the safeguarding lead are told it arrived.

Everything happens in the caller's transaction: nothing is sent unless it commits. The
acknowledgement carries no personal data, but it still goes only to secure addresses; an address
that is not secure gets nothing, and the referral records that its acknowledgement was withheld.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from forms.referral import problems
from mail import outbox, policy, routing
from service import audit, clock
from service.models import Partnership, Referral, ReferralStatus
from service.referrals.pdf import render_referral_pdf

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
REFERENCE_LENGTH = 10
PDF_CONTENT_TYPE = "application/pdf"

SUBMITTED = routing.purpose(
    "referral.submitted",
    title="New DHR referral",
    template="referral_submitted",
    audience="inbox:referrals",
)
ACKNOWLEDGEMENT = routing.purpose(
    "referral.acknowledgement",
    title="DHR referral received",
    template="referral_acknowledgement",
    audience="direct",
    translated=True,
)

#: Whose addresses get the acknowledgement, in this order.
ACKNOWLEDGED = ("referrer_email", "lead_email")


class NotReady(Exception):
    """The referral cannot be submitted; ``problems`` says why (field name → messages)."""

    def __init__(self, problems: dict[str, Any]) -> None:
        super().__init__("the referral cannot be submitted: " + ", ".join(sorted(problems)))
        self.problems = problems


class AlreadySubmitted(NotReady):
    """The referral is no longer a draft: it was submitted (perhaps by a second click)."""

    def __init__(self, message: str = "This referral has already been submitted.") -> None:
        super().__init__({"status": [message]})


def new_reference(session: Session) -> str:
    """Ten characters from an alphabet without look-alikes, not used by any referral yet."""
    while True:
        candidate = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
        taken = session.scalar(select(Referral.id).where(Referral.reference == candidate))
        if taken is None:
            return candidate


def acknowledgement_addresses(
    partnership: Partnership, answers: dict[str, Any]
) -> tuple[list[str], bool]:
    """The referrer's and lead's addresses that may have the acknowledgement (normalised, each
    once), and whether any address given was left out because it is not secure."""
    secure: list[str] = []
    withheld = False
    for key in ACKNOWLEDGED:
        raw = answers.get(key)
        if not raw:
            continue
        try:
            address = policy.normalise(raw)
        except policy.InvalidAddress:
            withheld = True
            continue
        if not policy.is_secure(partnership, address):
            withheld = True
        elif address not in secure:
            secure.append(address)
    return secure, withheld


def not_acknowledged(partnership: Partnership, answers: dict[str, Any]) -> list[str]:
    """The addresses given for the acknowledgement that it may not go to, as they were typed.

    The form asks for secure addresses, so this is empty unless the partnership's secure
    domains changed between the address being typed and the referral being sent.
    """
    found: list[str] = []
    for key in ACKNOWLEDGED:
        raw = (answers.get(key) or "").strip()
        if not raw or raw in found:
            continue
        try:
            secure = policy.is_secure(partnership, policy.normalise(raw))
        except policy.InvalidAddress:
            secure = False
        if not secure:
            found.append(raw)
    return found


def submit(
    session: Session, referral: Referral, *, client_address: str | None = None,
    language: str | None = None,
) -> Referral:  # fmt: skip
    """Submit a complete draft referral, in the caller's transaction (the caller commits).
    The acknowledgement is in ``language``, the referrer's (the form's, when they sent it), if
    the partnership offers it; what goes to the partnership is in English.

    Raises NotReady, changing nothing, if its answers are not complete and valid, or
    AlreadySubmitted (a NotReady) if it is no longer a draft.
    """
    if referral.status is not ReferralStatus.DRAFT:
        raise AlreadySubmitted()
    found = problems(referral.answers or {})
    if found:
        raise NotReady(found)
    session.flush()
    # Guarded by the status it expects, so a double submission cannot send the referral twice:
    # the second waits for the first's transaction and then finds no draft to move.
    moved = session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.status == ReferralStatus.DRAFT)
        .values(status=ReferralStatus.SUBMITTED)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        session.expire(referral, ["status"])  # what the database says, when next read
        raise AlreadySubmitted("This referral can no longer be submitted.")

    partnership = session.get(Partnership, referral.partnership_id)
    if partnership is None:  # the foreign key makes this impossible; be loud if it happens
        raise RuntimeError(f"referral {referral.id} belongs to no partnership")
    now = clock.now()
    referral.reference = new_reference(session)
    referral.status = ReferralStatus.SUBMITTED
    referral.submitted_at = now
    referral.expires_at = None
    referral.decision_due_at = now + timedelta(days=partnership.decision_days)
    session.flush()

    reference = referral.reference
    outbox.queue_message(
        session,
        partnership=partnership,
        purpose=SUBMITTED.name,
        reference=reference,
        context={
            "referral_id": referral.id,
            "submitted": clock.long_moment(now),
            "decision_due": clock.long_date(referral.decision_due_at),
        },
        attachments=[
            outbox.Attachment(
                f"referral-{reference}.pdf",
                PDF_CONTENT_TYPE,
                render_referral_pdf(referral, partnership),
            )
        ],
        actor="public",
    )

    addresses, withheld = acknowledgement_addresses(partnership, referral.answers)
    if addresses:
        outbox.queue_message(
            session,
            partnership=partnership,
            purpose=ACKNOWLEDGEMENT.name,
            reference=reference,
            to=addresses,
            actor="public",
            language=language,
        )
    referral.acknowledgement_withheld = withheld

    audit.record(
        session,
        "referral.submitted",
        actor="public",
        partnership_id=partnership.id,
        object_type="referral",
        object_id=referral.id,
        client_address=client_address,
        reference=reference,
        acknowledgement_withheld=withheld,
    )
    session.flush()
    return referral
