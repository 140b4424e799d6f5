"""The figures of one `make bench` run: every benchmark records its rows here.

A row is one piece of work measured twice in the same run, the service's way (``product``) and
the baseline's (``baseline``), with the target the product must meet stated against the
baseline (``≥ 0.3× baseline``) or as a limit (``< 300 MB``). At the end of the session
``tests/bench/conftest.py`` prints every row as one table and writes them to ``var/bench.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from config.settings import ROOT

#: Where the run's rows are written.
JSON_PATH = Path(ROOT) / "var" / "bench.json"


@dataclass(frozen=True)
class Row:
    name: str
    product: float
    baseline: float | None
    unit: str
    target: str
    ok: bool

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0) or math.isnan(self.product):
            return None
        return self.product / self.baseline


ROWS: list[Row] = []


def record(
    name: str, product: float, baseline: float | None, unit: str, target: str, ok: bool
) -> bool:
    """Keep one row for the run's table; returns ``ok`` so a test can assert on it."""
    ROWS.append(Row(name, float(product), None if baseline is None else float(baseline), unit,
                    target, bool(ok)))  # fmt: skip
    return ok


def at_least(ratio: float, product: float, baseline: float) -> bool:
    """Product is at least ``ratio`` times the baseline (for rates: higher is better)."""
    return product >= ratio * baseline


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(rows: list[Row] | None = None) -> list[str]:
    """The rows as an aligned text table, one line each, with a heading."""
    rows = ROWS if rows is None else rows
    head = ("work", "product", "baseline", "unit", "ratio", "target", "result")
    body = [
        (
            r.name,
            _number(r.product),
            _number(r.baseline),
            r.unit,
            "—" if r.ratio is None else f"{r.ratio:.2f}×",
            r.target,
            "ok" if r.ok else "MISSED",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    right = {1, 2, 4}

    def fmt(line: tuple[str, ...]) -> str:
        return "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()

    return [fmt(head), "  ".join("-" * w for w in widths), *(fmt(line) for line in body)]


def write_json(path: Path = JSON_PATH, rows: list[Row] | None = None) -> Path:
    rows = ROWS if rows is None else rows
    path.parent.mkdir(parents=True, exist_ok=True)
    data = [{**asdict(r), "ratio": r.ratio} for r in rows]
    path.write_text(json.dumps({"rows": data}, indent=2, ensure_ascii=False) + "\n")
    return path
