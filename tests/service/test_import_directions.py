"""Imports point down the floors: the workers and the domain never import the views, and the
outbox (all of ``mail``) never imports the workers. Imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _offenders(files: list[Path], forbidden: str) -> list[str]:
    return sorted(
        {
            f"{path.relative_to(ROOT)}:{line} imports {name}"
            for path in files
            for line, name in _imports(path)
            if name == forbidden or name.startswith(forbidden + ".")
        }
    )


def _tree(*parts: str) -> list[Path]:
    return sorted(p for part in parts for p in (ROOT / part).rglob("*.py"))


def test_workers_mail_and_domain_code_never_import_the_views():
    domain = [
        p
        for p in _tree("service", "mail", "workers", "forms")
        if "views" not in p.relative_to(ROOT).parts
        # The app factory and the processes that serve it put the views together.
        and p.relative_to(ROOT).as_posix() not in ("service/app.py", "service/wsgi.py")
    ]
    assert _offenders(domain, "service.views") == []


def test_the_outbox_never_imports_the_workers():
    assert _offenders(_tree("mail"), "workers") == []
