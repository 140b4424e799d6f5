"""The sweep's summary checks: the collated summary to the DHR officer when a trawl's last
return is in, and on the morning after its due date with what is still outstanding.

When each goes, and why, is in ``service.summaries.to_officer``; each is claimed with a
compare-and-set in the transaction that queues the email, so it goes exactly once however many
sweeps run. The PDF it attaches is the kept one (``service.summaries.cache``), made outside any
transaction; a large one is made by a worker job and its email goes in the sweep after it is
ready.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from service import db
from service.models import Trawl
from service.summaries import cache, to_officer
from workers.sweep import deadline_check


def _send(due: list[tuple[int, int]], trigger: to_officer.Trigger, now: datetime) -> int:
    sent = 0
    for trawl_id, case_id in due:
        pdf = cache.prepare(case_id, now=now)  # outside any transaction
        if pdf is None:
            continue  # a worker is making it: the next sweep sends it
        with db.transaction() as session:
            trawl = session.get(Trawl, trawl_id)
            sent += to_officer.send_to_officer(session, trawl, trigger, now, pdf=pdf)
    return sent


@deadline_check("summaries: every return in", own_transactions=True)
def send_complete(session: Session, now: datetime) -> int:
    """The summary for every trawl whose last return is in; the summaries sent."""
    with db.transaction() as s:
        to_officer.fill_missing(s, now)
        due = [(t.id, t.case_id) for t in to_officer.complete_due(s, now)]
    return _send(due, to_officer.EVERY_RETURN_IN, now)


@deadline_check("summaries: due date", own_transactions=True)
def send_at_due_date(session: Session, now: datetime) -> int:
    """The summary, with what is outstanding, for every trawl past its due date; the summaries
    sent."""
    with db.transaction() as s:
        to_officer.fill_missing(s, now)
        due = [(t.id, t.case_id) for t in to_officer.at_due_date_due(s, now)]
    return _send(due, to_officer.DUE_DATE, now)
