"""The deadline sweep among 1,000,000 open trawl requests (`make bench`).

Ten requests are due their first chaser, on two open cases; beside them 100,000 closed cases
hold ten unanswered requests each, every one past its chaser time (a chaser is never sent for a
closed case). The sweep is measured three ways in one run: before the million rows are added
(the baseline), with them and nothing due, and with the ten due. What it costs should grow with
the requests it chases, not with the ones it passes over.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

import pytest
from sqlalchemy import Integer, String, cast, event, func, insert, literal, select, text

from service import db
from service.db import UTCDateTime
from service.models import Agency, Case, Trawl, TrawlRequest
from service.models.types import JSON
from tests.bench.harness import record
from tests.trawls.factories import sent_trawl
from workers import sweep

pytestmark = [pytest.mark.bench, pytest.mark.timeout(1800)]

CLOSED_CASES = 100_000
AGENCIES = 10
#: When the factories' trawls are due their first chaser (09:00 London on 22 December 2026).
FIRST = dt.datetime(2026, 12, 22, 9, 0, tzinfo=dt.UTC)
BEFORE = FIRST - dt.timedelta(minutes=1)
RUNS = 5


def _bulk_agencies(session, partnership) -> list[int]:  # noqa: ANN001
    ids = list(session.scalars(select(Agency.id).where(Agency.partnership_id == partnership.id)))
    for n in range(len(ids), AGENCIES):
        agency = Agency(partnership_id=partnership.id, key=f"bulk-{n}", name=f"Bulk agency {n}",
                        secure_addresses=[f"bulk{n}@exampleshire.gov.uk"])  # fmt: skip
        session.add(agency)
        session.flush()
        ids.append(agency.id)
    return ids[:AGENCIES]


def _fill(session, partnership) -> None:  # noqa: ANN001
    """100,000 closed cases, a sent trawl each, ten unanswered overdue requests each: three
    INSERT … SELECT statements over a counting CTE, on Postgres and SQLite alike."""
    agency_ids = _bulk_agencies(session, partnership)
    p = literal(partnership.id)
    at = literal(dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC), UTCDateTime)
    due = literal(dt.date(2025, 1, 20))
    # Their first chaser's time, long past; and their due-date summary, sent then.
    chased = literal(dt.datetime(2025, 1, 21, 9, 0, tzinfo=dt.UTC), UTCDateTime)
    n = select(literal(1, Integer).label("i")).cte("n", recursive=True)
    n = n.union_all(select(n.c.i + 1).where(n.c.i < CLOSED_CASES))
    cases, trawls = Case.__table__, Trawl.__table__
    columns = ["partnership_id", "reference", "status", "created_at", "updated_at"]
    reference = literal("BULK-") + cast(n.c.i, String)
    session.execute(
        insert(cases).from_select(columns, select(p, reference, literal("closed"), at, at))
    )
    bulk = select(cases.c.id).where(cases.c.reference.like("BULK-%")).subquery()
    columns = [
        "partnership_id",
        "case_id",
        "purpose",
        "status",
        "agency_ids",
        "person_ids",
        "created_at",
        "sent_at",
        "due_date",
        "summary_due_at",
        "summary_due_sent_at",
    ]
    values = [p, bulk.c.id, literal("review"), literal("sent"), literal(agency_ids, JSON),
              literal([], JSON), at, at, due, chased, chased]  # fmt: skip
    session.execute(insert(trawls).from_select(columns, select(*values)))
    columns = [
        "trawl_id",
        "partnership_id",
        "case_id",
        "agency_id",
        "sent_at",
        "due_date",
        "link_withheld",
        "chasers_sent",
        "chasers_this_round",
        "last_activity_at",
        "next_chaser_at",
    ]
    agencies = Agency.__table__
    values = [trawls.c.id, p, trawls.c.case_id, agencies.c.id, at, due, literal(False),
              literal(0), literal(0), at, chased]  # fmt: skip
    rows = (
        select(*values)
        .select_from(trawls.join(bulk, bulk.c.id == trawls.c.case_id))
        .join(agencies, agencies.c.id.in_(agency_ids))
    )
    session.execute(insert(TrawlRequest.__table__).from_select(columns, rows))
    session.commit()
    session.execute(text("ANALYZE"))  # the planner's statistics, as a running database has
    session.commit()


class _Statements:
    """Every SQL statement the process sends while counting."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args) -> None:  # noqa: ANN002
        self.count += 1


def _sweep(at: dt.datetime) -> tuple[float, int, sweep.SweepReport]:
    counter = _Statements()
    event.listen(db.engine(), "before_cursor_execute", counter)
    try:
        start = time.perf_counter()
        report = sweep.run(at)
        took = (time.perf_counter() - start) * 1000
    finally:
        event.remove(db.engine(), "before_cursor_execute", counter)
    assert not report.errors, report.errors
    return took, counter.count, report


def _median_sweep(at: dt.datetime) -> tuple[float, int]:
    runs = [_sweep(at) for _ in range(RUNS)]
    assert all(r.checks.get("trawl chasers") == 0 for _, _, r in runs)
    return statistics.median(ms for ms, _, _ in runs), runs[-1][1]


def test_the_sweep_among_a_million_open_requests(settings, partnership, session):
    with db.transaction() as s:
        p = s.merge(partnership)
        sent_trawl(s, p)
        sent_trawl(s, p)
    small_ms, small_statements = _median_sweep(BEFORE)

    _fill(db.Sessions(), partnership)
    total = db.Sessions().scalar(select(func.count()).select_from(TrawlRequest))
    assert total == CLOSED_CASES * AGENCIES + 10
    none_ms, none_statements = _median_sweep(BEFORE)
    due_ms, due_statements, report = _sweep(FIRST)
    assert report.checks["trawl chasers"] == 10
    per_chaser = (due_statements - none_statements) / 10

    oks = [
        record("deadline sweep, 0 due among 1,000,000 open trawl requests (ms)", none_ms,
               small_ms, "ms", "< 100 ms (baseline: before the million)", none_ms < 100),
        record("the same: SQL statements, 0 due (baseline: before the million)",
               none_statements, small_statements, "stmts", "no more than before",
               none_statements <= small_statements),
        record("the same, 10 due (ms)", due_ms, none_ms, "ms", "< 1,000 ms", due_ms < 1000),
        record("the same: SQL statements, 10 due", due_statements, none_statements, "stmts",
               "< 30 a chaser", per_chaser < 30),
    ]  # fmt: skip
    print(f"\nSQL statements a chaser: {per_chaser:.1f}")
    assert all(oks), "a sweep target was missed (see the table)"
