"""Referral drafts: created by the first page a referrer saves, kept for 28 days after they last
saved, and reachable from another browser through a link emailed to a secure address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy.orm import Session

from mail import outbox, policy, routing
from service import audit, clock, runtime, tokens
from service.models import Partnership, Referral, ReferralStatus

KEEP_FOR = timedelta(days=28)
RESUME = "referral-draft"

RESUME_MESSAGE = routing.purpose(
    "referral.resume",
    title="Your unfinished DHR referral",
    template="referral_resume",
    audience="direct",
)


class DraftRefused(ValueError):
    """Why a draft cannot be saved or sent; safe to show on the form, in its language."""


def new_draft(session: Session, partnership: Partnership) -> Referral:
    now = clock.now()
    draft = Referral(
        partnership_id=partnership.id,
        status=ReferralStatus.DRAFT,
        answers={},
        created_at=now,
        expires_at=now + KEEP_FOR,
    )
    session.add(draft)
    session.flush()
    return draft


def save(session: Session, draft: Referral, answers: dict[str, Any]) -> None:
    """Merge one page's answers into the draft; the 28 days start again."""
    if draft.status is not ReferralStatus.DRAFT:
        raise DraftRefused(gettext("This referral has already been sent"))
    draft.answers = {**(draft.answers or {}), **answers}
    draft.expires_at = clock.now() + KEEP_FOR


def live_draft(
    session: Session, draft_id: Any, *, partnership: Partnership | None = None
) -> Referral | None:
    """The draft with this id, if it is still a draft, has not expired and (when ``partnership``
    is given) was begun for that partnership."""
    try:
        draft = session.get(Referral, int(draft_id)) if draft_id else None
    except (TypeError, ValueError):
        return None
    if draft is None or draft.status is not ReferralStatus.DRAFT:
        return None
    if partnership is not None and draft.partnership_id != partnership.id:
        return None
    if draft.expires_at is not None and draft.expires_at <= clock.now():
        return None
    return draft


def send_resume_link(
    session: Session, draft: Referral, email: str, *, client_address: str | None = None
) -> None:
    """Email a link back to the draft, only to a secure address: the draft holds everything the
    referrer has typed about the people involved."""
    partnership = session.get(Partnership, draft.partnership_id)
    try:
        address = policy.normalise(email)
    except policy.InvalidAddress as exc:
        raise DraftRefused(
            gettext("Enter an email address in the correct format, like name@example.gov.uk")
        ) from exc
    if not policy.is_secure(partnership, address):
        raise DraftRefused(
            gettext(
                "Enter a secure email address. We can only send the link to an address on one "
                "of these domains: %(domains)s",
                domains=", ".join(partnership.secure_domains),
            )
        )
    tokens.revoke_all(session, purpose=RESUME, subject_type="referral", subject_id=draft.id)
    _, token = tokens.issue(
        session,
        purpose=RESUME,
        subject_type="referral",
        subject_id=draft.id,
        partnership_id=partnership.id,
        expires_at=draft.expires_at or clock.now() + KEEP_FOR,
    )
    # The plain address serves every partnership: the draft the token names knows its own, and
    # the form goes on at that partnership's pages.
    link = f"{runtime.settings().SERVICE_URL.rstrip('/')}/refer/resume?token={token}"
    outbox.queue_message(
        session,
        partnership=partnership,
        purpose=RESUME_MESSAGE.name,
        reference=f"DRAFT-{draft.id}",
        to=[address],
        context={"link": link, "expires_at": clock.long_date(draft.expires_at)},
        actor="public",
    )
    audit.record(
        session,
        "referral.resume_link_sent",
        actor="public",
        partnership_id=partnership.id,
        object_type="referral",
        object_id=draft.id,
        client_address=client_address,
    )


def resume(session: Session, token: str, *, partnership: Partnership | None = None) -> Referral:
    """The draft a resume link names; TokenRefused if the link is not (or no longer) good, or
    the draft was begun for another partnership than ``partnership``."""
    row = tokens.check(session, token, purpose=RESUME)
    if partnership is not None and row.partnership_id != partnership.id:
        # Each partnership's form opens only its own drafts.
        raise tokens.TokenRefused(tokens.TokenProblem.INVALID)
    draft = live_draft(session, row.subject_id)
    if draft is None:
        raise tokens.TokenRefused(tokens.TokenProblem.EXPIRED, row)
    return draft
