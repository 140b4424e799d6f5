"""Who a console account is: the address it is stored and found by, its name in the audit
trail, and the audit events about it. The other account modules build on these; nothing here
knows about Flask.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mail import policy
from service import audit
from service.models import User


def normalise_email(email: str) -> str:
    """Accounts are found whatever the case someone types their address in."""
    return policy.normalise(email).lower()


def stored_address(email: str) -> str:
    """The address as accounts store it. Anything else is kept as typed, so it is counted
    towards a lock like any address."""
    try:
        return normalise_email(email)
    except policy.InvalidAddress:
        return (email or "").strip().lower()


def find_users(session: Session, email: str) -> list[User]:
    """The accounts with this address, one at most in each partnership."""
    return list(
        session.scalars(select(User).where(User.email == stored_address(email)).order_by(User.id))
    )


def actor_of(user: User | None) -> str:
    """The audit trail's name for what ``user`` does."""
    return f"user:{user.id}" if user else "anonymous"


def record(
    session: Session, action: str, user: User, *, actor: str | None = None, **kwargs: Any
) -> None:
    """An audit event about a user's account; by default the user did it."""
    audit.record(
        session,
        action,
        actor=actor or actor_of(user),
        partnership_id=user.partnership_id,
        object_type="user",
        object_id=user.id,
        **kwargs,
    )
