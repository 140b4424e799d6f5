"""Column helpers shared by the models."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import JSON, Enum

from service.db import UTCDateTime

__all__ = ["JSON", "UTCDateTime", "str_enum", "new_id"]


def str_enum(cls: type[enum.StrEnum]) -> Enum:
    """Store a StrEnum as its values in a VARCHAR, so adding a member needs no type migration."""
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


def new_id() -> str:
    return uuid.uuid4().hex
