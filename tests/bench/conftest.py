"""`make bench`: one table of every benchmark's rows at the end, and ``var/bench.json``."""

from __future__ import annotations

import pytest

from tests.bench import harness


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not harness.ROWS:
        return
    terminalreporter.section("benchmarks: the service against its baselines, this run")
    for line in harness.table():
        terminalreporter.write_line(line)
    path = harness.write_json()
    missed = sum(1 for r in harness.ROWS if not r.ok)
    terminalreporter.write_line(
        f"\n{len(harness.ROWS)} rows, {missed} missed their target; written to {path}"
    )
