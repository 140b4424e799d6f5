"""Which of our messages a report is about: exactly, or none.

A failure is matched to the one message whose Message-ID is one the report names and whose
recipient is the failed address. The returned message's (or returned headers') Message-ID is
used when the report has one; only when it has none are the report's own ``In-Reply-To`` and
``References`` tried. Nothing is guessed: no match by subject, date, address alone or sender,
so a report naming another partnership's message can only ever be about that message.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mail.bounces.parse import Failure, Report
from service.models import Message


@dataclass(frozen=True)
class Match:
    message: Message
    failure: Failure


def find(session: Session, report: Report) -> list[Match]:
    """The (message, failure) pairs the report is about; an empty list when it names none."""
    ids = report.original_ids or report.fallback_ids
    if not ids or not report.failures:
        return []
    candidates = session.scalars(
        select(Message)
        .where(Message.message_id_header.in_(ids))
        .order_by(Message.id)
        .execution_options(populate_existing=True)  # statuses as they are now
    ).all()
    matches: list[Match] = []
    for failure in report.failures:
        hits = [m for m in candidates if m.recipient.strip().lower() in failure.addresses]
        if len(hits) == 1 and all(m.message is not hits[0] for m in matches):
            matches.append(Match(hits[0], failure))
    return matches
