"""Speed targets for the collated summary of a large case (`make bench`).

Every agency of the example partnership returns with involvement and 50 chronology entries about
the victim, spread over two years, with some nights seen by two agencies: about 600 entries to
merge, sort and compare for duplicates, then lay out as a PDF.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select

from service import clock
from service.models import Agency
from service.summaries import build, documents
from tests.bench.harness import record
from tests.bench.large_case import SHARED, TOPICS
from tests.summaries.factories import DURING, answers, entry, person_answer, send_trawl, submit
from tests.trawls.factories import make_case

pytestmark = pytest.mark.bench

ENTRIES = 50


def test_a_large_summary_builds_and_renders_in_time(session, partnership):
    """Targets: the summary of ~600 entries builds in under 2 seconds; its PDF in under 30."""
    case = make_case(session, partnership)
    keys = list(session.scalars(select(Agency.key).where(Agency.partnership_id == partnership.id)))
    trawl = send_trawl(session, partnership, case, keys)
    start_day = dt.date(2024, 6, 1)
    for n, request in enumerate(trawl.requests):
        rows = [
            entry(
                trawl,
                0,
                date=(start_day + dt.timedelta(days=7 * i + (n % 3))).isoformat(),
                # Every tenth entry is the night every agency saw; the rest are the agency's own.
                event=SHARED if i % 10 == 0 else f"{TOPICS[n % len(TOPICS)]} (record {n}-{i})",
            )
            for i in range(ENTRIES)
        ]
        submit(session, request, answers(trawl, {0: person_answer()}, chronology=rows), at=DURING)
    session.commit()

    with clock.frozen_at(DURING):
        start = time.perf_counter()
        summary = build.build(session, case)
        built = time.perf_counter() - start
        start = time.perf_counter()
        pdf = documents.summary_pdf(session, case, summary)
        rendered = time.perf_counter() - start
    entries = len(summary.chronology)
    flagged = sum(1 for e in summary.chronology if e.duplicate_of)
    print(f"\n{entries} entries ({flagged} flagged) built in {built:.2f}s; "
          f"PDF of {len(pdf) // 1024} KB in {rendered:.2f}s")  # fmt: skip
    assert entries == ENTRIES * len(trawl.requests)
    assert flagged == ENTRIES // 10 * len(trawl.requests)  # the shared nights, and only those
    oks = [
        record(f"collated summary of {entries} entries built", built, None, "s", "< 2 s",
               built < 2.0),
        record(f"collated summary PDF of {entries} entries", rendered, None, "s", "< 30 s",
               rendered < 30.0),
    ]  # fmt: skip
    assert all(oks), "a summary target was missed (see the table)"
