"""Signing in: the password, then a code from the authenticator app, and the lock on an
address after ``MAX_FAILURES`` wrong attempts in a row.

The lock is kept per address typed (``SignInLock``, keyed by an HMAC of the address), whether
or not the address has an account: known and unknown addresses take the same steps, so neither
the answer nor its timing tells which addresses have accounts. Locking an address ends every
session of its accounts. Nothing here knows about Flask.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service import audit, clock, runtime
from service.auth import console_sessions, identity, passwords, totp
from service.models import User, UserStatus
from service.models.user import SignInLock

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
#: How long after a correct password the code must be entered.
CODE_STAGE_TTL = timedelta(minutes=10)


class Outcome(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


def lock_key(address: str) -> str:
    """The sign-in lock's key for an address: keyed, so the table does not list addresses."""
    secret = runtime.settings().SECRET_KEY.encode()
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()


def _locked(session: Session, address: str, now: datetime) -> bool:
    until = session.scalar(
        select(SignInLock.locked_until).where(SignInLock.key == lock_key(address))
    )
    return until is not None and until > now


def _count_failure(session: Session, address: str, now: datetime) -> int:
    """One more failed attempt for ``address``, counted in one statement so that concurrent
    attempts are all counted; how many in a row there have been now."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(SignInLock)
        .values(key=lock_key(address), failures=1, updated_at=now)
        .on_conflict_do_update(
            index_elements=[SignInLock.key],
            set_={"failures": SignInLock.failures + 1, "updated_at": now},
        )
        .returning(SignInLock.failures)
    )
    return session.execute(statement).scalar_one()


def unlock(session: Session, address: str) -> None:
    """The address starts again with no failed attempts and no lock."""
    session.execute(delete(SignInLock).where(SignInLock.key == lock_key(address)))
    session.execute(
        update(User)
        .where(User.email == address)
        .values(locked_until=None)
        .execution_options(synchronize_session="fetch")
    )


def _account_audit(
    session: Session, action: str, user: User | None, client_address: str | None, **detail: Any
) -> None:
    if user is None:
        audit.record(
            session,
            action,
            actor="anonymous",
            client_address=client_address,
            **detail,
            reason="no_active_account",
        )
    else:
        identity.record(session, action, user, client_address=client_address, **detail)


def _fail(
    session: Session, address: str, user: User | None, stage: str, client_address: str | None
) -> Outcome:
    """Count a failed attempt for the address typed, whether or not it has an account: the
    fifth in a row locks it. Known and unknown addresses take the same steps, so neither the
    answer nor its timing tells which addresses have accounts."""
    now = clock.now()
    failures = _count_failure(session, address, now)
    _account_audit(session, "sign_in.failed", user, client_address, stage=stage, attempt=failures)
    if failures < MAX_FAILURES:
        return Outcome.WRONG
    until = now + LOCK_FOR
    session.execute(
        update(SignInLock)
        .where(SignInLock.key == lock_key(address))
        .values(failures=0, locked_until=until)
    )
    # Shown on the users list; ends every session of the address's accounts.
    session.execute(
        update(User)
        .where(User.email == address)
        .values(locked_until=until)
        .execution_options(synchronize_session="fetch")
    )
    console_sessions.end_all_at_address(session, address, "locked")
    _account_audit(session, "account.locked", user, client_address, until=until.isoformat())
    return Outcome.LOCKED


def _refuse_locked(session: Session, user: User | None, client_address: str | None) -> Outcome:
    _account_audit(session, "sign_in.refused_locked", user, client_address)
    return Outcome.LOCKED


def check_password(
    session: Session, email: str, password: str, *, client_address: str | None = None
) -> tuple[Outcome, User | None]:
    """The first step of signing in; the user only when the outcome is OK."""
    address = identity.stored_address(email)
    active = [u for u in identity.find_users(session, address) if u.status is UserStatus.ACTIVE]
    shown = active[0] if active else None
    if _locked(session, address, clock.now()):
        # While locked the password is not even checked, so guessing goes nowhere.
        return _refuse_locked(session, shown, client_address), None
    # An address with no account is checked against a dummy hash, taking as long.
    user = next((u for u in active if passwords.verify(u.password_hash, password)), None)
    if not active:
        passwords.verify(None, password)
    if user is None:
        return _fail(session, address, shown, "password", client_address), None
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return Outcome.OK, user


def check_code(
    session: Session, user: User, code: str, *, client_address: str | None = None
) -> Outcome:
    """The second step: a code from the app, never one already used."""
    now = clock.now()
    if _locked(session, user.email, now):
        return _refuse_locked(session, user, client_address)
    if user.status is not UserStatus.ACTIVE or not user.totp_secret:
        return _fail(session, user.email, None, "code", client_address)
    step = totp.matching_step(user.totp_secret, code, now, after=user.totp_last_step)
    if step is not None:
        # Conditional, so two requests with the same code cannot both succeed.
        claimed = session.execute(
            update(User)
            .where(
                User.id == user.id,
                (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
            )
            .values(totp_last_step=step, last_sign_in_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            unlock(session, user.email)
            session.refresh(user)
            return Outcome.OK
    return _fail(session, user.email, user, "code", client_address)
