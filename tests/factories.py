"""Factories: rows built the way the service builds them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from config.settings import ROOT
from service import partnerships
from service.models import Partnership

EXAMPLE = ROOT / "config" / "partnerships" / "example.yaml"
#: The fictional Welsh partnership: Welsh and English, its social services' emails in Welsh.
DYFFRYN = ROOT / "config" / "partnerships" / "dyffryn-example.yaml"
#: The marking on every subject of a partnership that offers both languages.
BOTH_MARKINGS = "OFFICIAL-SENSITIVE / SWYDDOGOL-SENSITIF"


def load_example_partnership(session: Session, **overrides) -> Partnership:
    """The fictional Exampleshire partnership from config/partnerships/example.yaml."""
    partnership = partnerships.load(session, EXAMPLE, actor="test").partnership
    for key, value in overrides.items():
        setattr(partnership, key, value)
    session.flush()
    return partnership


def load_welsh_partnership(session: Session) -> Partnership:
    """The fictional Dyffryn Example partnership from config/partnerships/dyffryn-example.yaml."""
    return partnerships.load(session, DYFFRYN, actor="test").partnership
