"""Every kind of message the service sends has both its bodies: a plain-text template and an
HTML one under templates/email/, so no purpose fails only when it is first sent."""

from __future__ import annotations

import importlib

from config.settings import ROOT
from mail import routing

EMAIL_TEMPLATES = ROOT / "templates" / "email"


def _register_every_purpose() -> None:
    """Import each module that registers a purpose (purposes are registered on import)."""
    for package in ("service", "mail", "workers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts and "purpose(" in path.read_text():
                importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))


def test_every_registered_purpose_has_its_text_and_html_templates():
    _register_every_purpose()
    assert len(routing.PURPOSES) > 30, "the purposes were not all found"
    missing = [
        f"{entry.name}: {entry.template}.{kind}"
        for entry in routing.PURPOSES.values()
        for kind in ("txt", "html")
        if not (EMAIL_TEMPLATES / f"{entry.template}.{kind}").is_file()
    ]
    assert missing == []
