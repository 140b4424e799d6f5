"""The sweep's summary checks: the collated summary to the DHR officer when a trawl's last
return is in, and on the morning after its due date with what is still outstanding.

When each goes, and why, is in ``service.summaries.to_officer``; each is claimed with a
compare-and-set in the transaction that queues the email, so it goes exactly once however many
sweeps run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from service.summaries import to_officer
from workers.sweep import deadline_check


@deadline_check("summaries: every return in")
def send_complete(session: Session, now: datetime) -> int:
    """The summary for every trawl whose last return is in; the summaries sent."""
    to_officer.fill_missing(session, now)
    return sum(
        1
        for trawl in to_officer.complete_due(session, now)
        if to_officer.send_to_officer(session, trawl, to_officer.EVERY_RETURN_IN, now)
    )


@deadline_check("summaries: due date")
def send_at_due_date(session: Session, now: datetime) -> int:
    """The summary, with what is outstanding, for every trawl past its due date; the summaries
    sent."""
    to_officer.fill_missing(session, now)
    return sum(
        1
        for trawl in to_officer.at_due_date_due(session, now)
        if to_officer.send_to_officer(session, trawl, to_officer.DUE_DATE, now)
    )
