"""Views stay thin: parse, call one domain function, render. A view module that grows past its
limit is holding queries or rules that belong in the domain packages."""

from __future__ import annotations

from pathlib import Path

import pytest

VIEWS = Path(__file__).resolve().parents[2] / "service" / "views"

#: The console's views.
CONSOLE_LIMIT = 450
#: Every view module, the public and agency pages as well as the console's.
VIEWS_LIMIT = 450


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(VIEWS / "console"), ids=lambda p: p.name)
def test_no_console_view_module_is_over_the_limit(path: Path) -> None:
    assert _lines(path) <= CONSOLE_LIMIT, f"{path.name}: move its queries and rules into the domain"


def test_no_view_module_is_over_the_limit() -> None:
    over = {str(p.relative_to(VIEWS)): n for p in _modules(VIEWS) if (n := _lines(p)) > VIEWS_LIMIT}
    assert over == {}
