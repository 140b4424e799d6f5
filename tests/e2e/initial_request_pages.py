"""The console's pages of the initial information request, for the browser tests: the
referral's information requests page, the draft request's pages with its invitation to the
scoping meeting, the decision page showing a sent request's answers, and one agency's request
page and its revoke confirmation before there is a case; made once in the live server's
database through the service's own code."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from service import db
from service.models import Referral, Trawl, TrawlPurpose, TrawlRequest, TrawlStatus
from service.trawls import initial, sending


def initial_request_pages(console_data) -> list[str]:  # noqa: ANN001
    referral_id = console_data["referral"].id
    with db.transaction() as s:
        referral = s.get(Referral, referral_id)
        drafts = s.scalars(
            select(Trawl).where(
                Trawl.referral_id == referral_id,
                Trawl.purpose == TrawlPurpose.INITIAL,
                Trawl.status == TrawlStatus.DRAFT,
            )
        ).all()
        if not drafts:
            sent = initial.start(s, referral, created_by=None)
            sent.scope_from, sent.scope_to = dt.date(2021, 10, 1), dt.date(2026, 10, 1)
            sent.meeting_date, sent.meeting_time = dt.date(2026, 11, 4), "10am"
            sent.meeting_place = "Room 2, Exampleshire Town Hall"
            sending.send(s, sent, actor="test")
            draft = initial.start(s, referral, created_by=None)
            draft_id = draft.id
        else:
            draft_id = drafts[0].id
        # One agency's request of the sent one: its page and its revoke confirmation.
        request_id = s.scalar(
            select(TrawlRequest.id)
            .join(Trawl, TrawlRequest.trawl_id == Trawl.id)
            .where(Trawl.referral_id == referral_id, Trawl.purpose == TrawlPurpose.INITIAL)
            .order_by(TrawlRequest.id)
            .limit(1)
        )
    base = f"/console/trawls/{draft_id}"
    return [
        f"/console/referrals/{referral_id}/information",
        f"{base}/agencies",
        f"{base}/people",
        f"{base}/scope",
        f"{base}/note",
        f"{base}/meeting",
        f"{base}/check",
        f"/console/trawl-requests/{request_id}",
        f"/console/trawl-requests/{request_id}/revoke",
    ]
