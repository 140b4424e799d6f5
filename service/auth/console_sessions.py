"""Signed-in console sessions: starting one, finding the live one of a request, and ending it.

The browser's cookie holds a random id; the table holds only its sha256. A session ends when
the user signs out, after ``IDLE_TIMEOUT`` without a page, ``SESSION_LIFETIME`` after it began
whatever happens, or when the account is disabled, locked, set up again or its password reset.
Nothing here knows about Flask.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import clock
from service.auth import identity
from service.models import ConsoleSession, User, UserStatus

IDLE_TIMEOUT = timedelta(minutes=30)
#: How often a session's last activity is written: not at every page, which would cost a commit
#: each (the idle timeout is then up to this much shorter than IDLE_TIMEOUT).
TOUCH_EVERY = timedelta(minutes=1)
IDLE_WARNING = timedelta(minutes=2)
SESSION_LIFETIME = timedelta(hours=12)


def session_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def start_session(session: Session, user: User, *, client_address: str | None = None) -> str:
    """A new signed-in session; returns the random id for the browser's cookie."""
    raw = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        ConsoleSession(
            id=session_key(raw),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
            client_address=client_address,
        )
    )
    identity.record(session, "sign_in", user, client_address=client_address)
    return raw


@dataclass(frozen=True)
class Current:
    """The signed-in session of a request."""

    console_session: ConsoleSession
    user: User

    @property
    def idle_expires_at(self) -> datetime:
        return min(
            self.console_session.last_seen_at + IDLE_TIMEOUT, self.console_session.expires_at
        )


def load_session(session: Session, raw: str | None) -> tuple[Current | None, str | None]:
    """The live session for cookie id ``raw``, or why there is none ("idle", "expired",
    "disabled", or "unknown"/"signed_out"/... for one that is gone). Reads only."""
    if not raw:
        return None, None
    row = session.get(ConsoleSession, session_key(raw))
    if row is None:
        return None, "unknown"
    if row.ended_at is not None:
        return None, row.end_reason or "ended"
    now = clock.now()
    user = row.user
    reason = None
    if user.status is not UserStatus.ACTIVE:
        reason = "disabled"
    elif now >= row.expires_at:
        reason = "expired"
    elif now - row.last_seen_at >= IDLE_TIMEOUT:
        reason = "idle"
    if reason:
        return None, reason  # the caller ends the session (see end_lapsed)
    return Current(row, user), None


def end_lapsed(session: Session, raw: str, reason: str) -> None:
    """End a session found idle, past its lifetime, or of a disabled user."""
    row = session.get(ConsoleSession, session_key(raw))
    if row is not None:
        end_session(session, row, reason)


def due_a_touch(current: Current) -> bool:
    """Whether the session's last activity is older than ``TOUCH_EVERY``: only then is it
    written again."""
    return clock.now() - current.console_session.last_seen_at >= TOUCH_EVERY


def touch(session: Session, current: Current) -> None:
    """The user did something: the idle timeout starts again."""
    current.console_session.last_seen_at = clock.now()


def end_session(
    session: Session, row: ConsoleSession, reason: str, *, client_address: str | None = None
) -> None:
    if row.ended_at is not None:
        return
    row.ended_at = clock.now()
    row.end_reason = reason
    signed_out = reason == "signed_out"
    identity.record(
        session,
        "sign_out" if signed_out else "session.ended",
        row.user,
        actor=None if signed_out else "system",
        client_address=client_address,
        reason=reason,
    )


def _end_each(session: Session, rows: Iterable[ConsoleSession], reason: str) -> None:
    for row in list(rows):
        end_session(session, row, reason)


def end_all(session: Session, user: User, reason: str) -> None:
    """End every live session of the account."""
    live = select(ConsoleSession).where(
        ConsoleSession.user_id == user.id, ConsoleSession.ended_at.is_(None)
    )
    _end_each(session, session.scalars(live), reason)


def end_all_at_address(session: Session, address: str, reason: str) -> None:
    """End every live session of every account with this address (one in each partnership)."""
    live = (
        select(ConsoleSession)
        .join(User, ConsoleSession.user_id == User.id)
        .where(User.email == address, ConsoleSession.ended_at.is_(None))
    )
    _end_each(session, session.scalars(live), reason)
