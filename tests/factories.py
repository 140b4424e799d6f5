"""Factories: rows built the way the service builds them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from config.settings import ROOT
from service import partnerships
from service.models import Partnership

EXAMPLE = ROOT / "config" / "partnerships" / "example.yaml"


def load_example_partnership(session: Session, **overrides) -> Partnership:
    """The fictional Exampleshire partnership from config/partnerships/example.yaml."""
    partnership = partnerships.load(session, EXAMPLE, actor="test").partnership
    for key, value in overrides.items():
        setattr(partnership, key, value)
    session.flush()
    return partnership
