"""The agency's return: saved drafts, submitted versions and amendments.

A return is stored as a new TrawlReturn version each time it is submitted; the first
submission stops the chasers (``returned_at`` is set and ``next_chaser_at`` cleared in the same
transaction), and amendments keep the history. When the first return of the trawl's last
outstanding request arrives, the same transaction sets ``Trawl.summary_complete_at``: the sweep
then sends the DHR officer the collated summary (``service.summaries.to_officer``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mail import policy
from service import audit, clock
from service.models import Partnership, Trawl, TrawlRequest, TrawlReturn


def save_draft(session: Session, request: TrawlRequest, answers: dict[str, Any]) -> None:
    """Keep the agency's answers so far; they come back through the same link."""
    now = clock.now()
    request.draft = answers
    request.draft_saved_at = now
    request.last_activity_at = now


def submit(
    session: Session,
    request: TrawlRequest,
    answers: dict[str, Any],
    *,
    involvement: bool,
    changes: list[dict[str, Any]] | None = None,
    client_address: str | None = None,
) -> TrawlReturn:
    """Store ``answers`` as the request's next version and stop its chasers."""
    now = clock.now()
    version = (
        session.scalar(
            select(func.max(TrawlReturn.version)).where(TrawlReturn.request_id == request.id)
        )
        or 0
    ) + 1
    row = TrawlReturn(
        request_id=request.id,
        version=version,
        submitted_at=now,
        involvement=involvement,
        answers=answers,
        changes=changes or [],
    )
    session.add(row)
    # Conditional, like claim_once: the first return stops chasing for good, even if a sweep
    # is running at this moment.
    first = session.execute(
        update(TrawlRequest)
        .where(TrawlRequest.id == request.id, TrawlRequest.returned_at.is_(None))
        .values(returned_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(TrawlRequest)
        .where(TrawlRequest.id == request.id)
        .values(next_chaser_at=None, draft=None, draft_saved_at=None, last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    if first.rowcount == 1:  # an amendment never completes a trawl
        _note_if_last(session, request.trawl_id, now)
    session.flush()
    session.refresh(request)
    audit.record(
        session,
        "trawl.return_submitted" if version == 1 else "trawl.return_amended",
        actor=f"agency:{request.agency_id}",
        partnership_id=request.partnership_id,
        object_type="trawl_request",
        object_id=request.id,
        case_id=request.case_id,
        client_address=client_address,
        version=version,
    )
    return row


def _note_if_last(session: Session, trawl_id: int, now: datetime) -> None:
    """If no request of the trawl is still waiting for its first return, note that the last
    one arrived now (once). The trawl row is locked first: of two last returns committing at
    once, the second waits here and then sees the first, so one of them notes it."""
    # FOR NO KEY UPDATE: this transaction already holds a key-share lock on the trawl (Postgres
    # takes one for the foreign key when a request row is updated twice in one transaction), and
    # so may the other return's; FOR UPDATE would then wait on each other: a deadlock.
    session.execute(select(Trawl.id).where(Trawl.id == trawl_id).with_for_update(key_share=True))
    waiting = session.scalar(
        select(TrawlRequest.id)
        .where(TrawlRequest.trawl_id == trawl_id, TrawlRequest.returned_at.is_(None))
        .limit(1)
    )
    if waiting is None:
        session.execute(
            update(Trawl)
            .where(Trawl.id == trawl_id, Trawl.summary_complete_at.is_(None))
            .values(summary_complete_at=now)
            .execution_options(synchronize_session=False)
        )


def start_amendment(session: Session, request: TrawlRequest) -> bool:
    """Make the latest version's answers the draft, to amend; False if there is nothing sent
    to amend or an amendment is already under way."""
    if request.draft is not None or not request.returns:
        return False
    answers = copy.deepcopy(request.latest_return.answers or {})
    # Asked again on the check page: they vouch for the new version, not the old.
    answers.pop("declaration", None)
    answers.pop("dates_confirmed", None)
    save_draft(session, request, answers)
    return True


def cancel_amendment(session: Session, request: TrawlRequest) -> None:
    """Drop an amendment's unsent changes; the sent versions stay as they are."""
    if request.draft is not None and request.returns:
        request.draft = None
        request.draft_saved_at = None


def secure_check(partnership: Partnership) -> Callable[[str], bool]:
    """Whether an address the agency typed is one of the partnership's secure recipients."""

    def check(address: str) -> bool:
        try:
            return policy.is_secure(partnership, policy.normalise(address))
        except policy.InvalidAddress:
            return False

    return check
