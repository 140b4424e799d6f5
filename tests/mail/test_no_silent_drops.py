"""No email is dropped in silence: outside the tests, nothing suppresses a routing error or a
refused message; a message that may have nobody to go to is queued with
``mail.queueing.queue_if_addressed``, which records why it was not sent."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("service", "mail", "workers", "forms")
SWALLOWED = {"RoutingError", "NoRecipients", "MessageRefused"}


def _names(node: ast.AST) -> set[str]:
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            found.add(sub.attr)
    return found


def test_no_suppress_of_a_routing_error_or_a_refused_message_is_left():
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "suppress" and SWALLOWED & set().union(*map(_names, node.args)):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
