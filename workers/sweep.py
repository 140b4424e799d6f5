"""The deadline sweep: one pass that turns due rows into work.

It trusts the database, not Redis: messages left queued or sending too long are handed to the
queue again, then every registered deadline check runs. Two sweeps may run at once; every step
takes its rows with a conditional update, so nothing is done twice.

A later feature registers a check in a few lines::

    @deadline_check("trawl chasers")
    def send_chasers(session, now):
        for request in due_requests(session, now):
            if claim_once(session, TrawlRequest, request.id, "chased_at", now):
                queue_message(session, ...)
        return count
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from mail import handover, outbox
from service import db, runtime
from workers import checks
from workers.queues import batches, enqueue_delivery

log = logging.getLogger(__name__)

Check = Callable[[Session, datetime], int]
CHECKS: dict[str, Check] = {}


#: Checks that open their own transactions (work that must hold none open, such as a PDF).
OWN_TRANSACTIONS: set[str] = set()


def deadline_check(name: str, *, own_transactions: bool = False) -> Callable[[Check], Check]:
    """Register ``fn(session, now) -> number of things done`` to run in every sweep."""

    def decorate(fn: Check) -> Check:
        CHECKS[name] = fn
        if own_transactions:
            OWN_TRANSACTIONS.add(name)
        return fn

    return decorate


def claim_once(session: Session, model: type, row_id: object, column: str, now: datetime) -> bool:
    """Set ``model.column = now`` where it is still empty; True for the one caller that did."""
    attribute = getattr(model, column)
    result = session.execute(
        update(model)
        .where(model.id == row_id, attribute.is_(None))  # type: ignore[attr-defined]
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


@dataclass
class SweepReport:
    at: datetime
    recovered: list[str] = field(default_factory=list)
    enqueued: list[str] = field(default_factory=list)
    not_enqueued: list[str] = field(default_factory=list)
    checks: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"sweep as at {self.at.isoformat()}",
            f"messages recovered from a stopped worker: {len(self.recovered)}",
            f"messages handed to the queue: {len(self.enqueued)}",
        ]
        if self.not_enqueued:
            out.append(
                "messages the queue could not take (the next sweep retries): "
                f"{len(self.not_enqueued)}"
            )
        out += [f"{name}: {count}" for name, count in self.checks.items()]
        out += [f"{name}: FAILED ({error})" for name, error in self.errors.items()]
        return out


def run(at: datetime) -> SweepReport:
    """One pass as at ``at``."""
    runtime.bootstrap()
    checks.load()
    report = SweepReport(at=at)
    with db.transaction() as session:
        report.recovered = outbox.recover_stale_sending(session, at)
    with db.transaction() as session:
        taken = handover.take_due_for_enqueue(session, at)
    for batch in batches(taken):
        if enqueue_delivery(batch):
            report.enqueued.extend(batch)
        else:
            report.not_enqueued.extend(batch)
    if report.not_enqueued:
        # Give them back at once, so the next sweep does not wait for them to go stale.
        with db.transaction() as session:
            handover.release_enqueue_claim(session, report.not_enqueued, at)
    for name, check in CHECKS.items():
        try:
            if name in OWN_TRANSACTIONS:
                db.Sessions().expire_all()
                report.checks[name] = check(db.Sessions(), at)
                continue
            with db.transaction() as session:
                # `dhr scheduler` keeps one session from sweep to sweep: what it loaded a minute
                # ago (an agency's address, a request's chaser count) must be read afresh, or a
                # compare-and-set would compare with stale values.
                session.expire_all()
                report.checks[name] = check(session, at)
        except Exception as exc:
            # One broken check must not stop the others, nor message recovery.
            log.exception("deadline check failed", extra={"check": name})
            report.errors[name] = type(exc).__name__
    log.info(
        "sweep done",
        extra={
            "recovered": len(report.recovered),
            "enqueued": len(report.enqueued),
            "errors": len(report.errors),
        },
    )
    return report
