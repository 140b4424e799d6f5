"""What happens to console accounts: creating them, setting them up, signing in and out,
locking, resetting. Nothing here knows about Flask; views, the CLI and tests call the same code.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mail import outbox, policy, routing
from service import audit, clock, runtime, tokens
from service.auth import passwords, totp
from service.models import AccessToken, ConsoleSession, Partnership, Role, User, UserStatus
from service.models.user import SignInLock

SETUP_TTL = timedelta(hours=72)
RESET_TTL = timedelta(hours=2)
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(minutes=30)
IDLE_WARNING = timedelta(minutes=2)
SESSION_LIFETIME = timedelta(hours=12)
#: How long after a correct password the code must be entered.
CODE_STAGE_TTL = timedelta(minutes=10)

SETUP = "account-setup"
RESET = "password-reset"

SETUP_MESSAGE = routing.purpose(
    "account.setup",
    title="Set up your DHR Forms account",
    template="account_setup",
    audience="direct",
)
RESET_MESSAGE = routing.purpose(
    "account.reset",
    title="Reset your DHR Forms password",
    template="account_reset",
    audience="direct",
)


class AccountRefused(ValueError):
    """The request cannot be done; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Outcome(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


def _audit(
    session: Session, action: str, user: User, *, actor: str | None = None, **kwargs: Any
) -> None:
    """An audit event about a user's account."""
    audit.record(
        session,
        action,
        actor=actor or actor_of(user),
        partnership_id=user.partnership_id,
        object_type="user",
        object_id=user.id,
        **kwargs,
    )


def normalise_email(email: str) -> str:
    """Accounts are found whatever the case someone types their address in."""
    return policy.normalise(email).lower()


def actor_of(user: User | None) -> str:
    return f"user:{user.id}" if user else "anonymous"


def _address(email: str) -> str:
    """The address as accounts store it. Anything else is kept as typed, so it is counted
    towards a lock like any address."""
    try:
        return normalise_email(email)
    except policy.InvalidAddress:
        return (email or "").strip().lower()


def find_users(session: Session, email: str) -> list[User]:
    """The accounts with this address, one at most in each partnership."""
    return list(
        session.scalars(select(User).where(User.email == _address(email)).order_by(User.id))
    )


def _link(path: str, token: str) -> str:
    return f"{runtime.settings().SERVICE_URL.rstrip('/')}{path}?token={token}"


# --- creating and setting up accounts -------------------------------------------------------


def create_user(
    session: Session,
    partnership: Partnership,
    *,
    email: str,
    role: Role | str,
    name: str | None = None,
    actor: str,
    client_address: str | None = None,
    send_email: bool = False,
) -> tuple[User, str]:
    """A new invited user and their set-up link (valid for 72 hours)."""
    try:
        address = normalise_email(email)
    except policy.InvalidAddress as exc:
        raise AccountRefused(
            "Enter an email address in the correct format, like name@example.gov.uk", "email"
        ) from exc
    if not policy.is_secure(partnership, address):
        raise AccountRefused(
            "Enter an email address on one of the partnership's secure domains "
            f"({', '.join(partnership.secure_domains)})",
            "email",
        )
    # Only this partnership's accounts count: whether another partnership has one with this
    # address is none of its business, and cannot stop this one inviting them.
    taken = select(func.count()).select_from(User)
    if session.scalar(taken.where(User.partnership_id == partnership.id, User.email == address)):
        raise AccountRefused("There is already an account with this email address", "email")
    user = User(
        partnership_id=partnership.id,
        email=address,
        name=(name or "").strip() or None,
        role=Role(role),
        status=UserStatus.INVITED,
    )
    session.add(user)
    session.flush()
    _audit(
        session, "user.created", user, actor=actor, client_address=client_address,
        role=user.role.value,
    )  # fmt: skip
    link = new_setup_link(session, user, actor=actor, client_address=client_address)
    if send_email:
        _send_link(session, user, SETUP_MESSAGE.name, link)
    return user, link


def new_setup_link(
    session: Session, user: User, *, actor: str, client_address: str | None = None
) -> str:
    """A fresh set-up link; earlier ones stop working. Used for invitations and for a user who
    has lost their authenticator app: setting up again replaces the password and the app, so
    until they do, the old ones no longer sign in."""
    if user.status is UserStatus.ACTIVE:
        user.status = UserStatus.INVITED
        user.password_hash = None
        user.totp_secret = None
        user.totp_last_step = None
        _end_all_sessions(session, user, "set_up_again")
    tokens.revoke_all(session, purpose=SETUP, subject_type="user", subject_id=user.id)
    _, token = tokens.issue(
        session,
        purpose=SETUP,
        subject_type="user",
        subject_id=user.id,
        partnership_id=user.partnership_id,
        expires_at=clock.now() + SETUP_TTL,
    )
    _audit(session, "user.setup_link_issued", user, actor=actor, client_address=client_address)
    return _link("/account/set-up", token)


def _send_link(session: Session, user: User, purpose: str, link: str) -> None:
    outbox.queue_message(
        session,
        partnership=user.partnership,
        purpose=purpose,
        reference=f"USER-{user.id}",
        to=[user.email],
        context={"link": link, "user": user},
    )


def user_for_token(session: Session, token: str, purpose: str) -> tuple[AccessToken, User]:
    row = tokens.check(session, token, purpose=purpose)
    user = session.get(User, int(row.subject_id))
    if user is None or user.status is UserStatus.DISABLED:
        raise tokens.TokenRefused(tokens.TokenProblem.REVOKED, row)
    return row, user


def setup_password(session: Session, token: str, password: str) -> User:
    """Set-up, step 1: the password. The account stays unusable until step 2 is done."""
    row, user = user_for_token(session, token, SETUP)
    _check_new_password(session, user, password)
    user.password_hash = passwords.hash_password(password)
    return user


def _check_new_password(session: Session, user: User, password: str) -> None:
    reason = passwords.problem(password, email=user.email)
    if reason:
        raise AccountRefused(reason, "password")
    # Someone with accounts in two partnerships signs in with the same address; the password
    # says which account they mean.
    others = session.scalars(
        select(User.password_hash).where(
            User.email == user.email, User.id != user.id, User.password_hash.is_not(None)
        )
    )
    if any(passwords.verify(other, password) for other in others):
        raise AccountRefused(
            "Choose a password different from the one for your other DHR Forms account",
            "password",
        )


def setup_secret(session: Session, token: str) -> tuple[User, str]:
    """Set-up, step 2: the authenticator secret to enrol (the same one until set-up is done)."""
    row, user = user_for_token(session, token, SETUP)
    if not user.password_hash:
        raise AccountRefused("Choose a password first", "password")
    if not user.totp_secret:
        user.totp_secret = totp.new_secret()
        user.totp_last_step = None
    return user, user.totp_secret


def confirm_authenticator(
    session: Session, token: str, code: str, *, client_address: str | None = None
) -> User:
    """Set-up, last step: the first code from the app proves it was enrolled. The account is
    active from now on and the link stops working."""
    row, user = user_for_token(session, token, SETUP)
    if not user.password_hash or not user.totp_secret:
        raise AccountRefused("Choose a password first", "password")
    step = totp.matching_step(user.totp_secret, code, clock.now(), after=None)
    if step is None:
        raise AccountRefused(
            "The security code is not right. Enter the 6-digit code your app shows now", "code"
        )
    tokens.use(session, row)
    user.totp_last_step = step
    user.status = UserStatus.ACTIVE
    _unlock(session, user.email)
    _end_all_sessions(session, user, "account_set_up")
    _audit(session, "user.set_up", user, client_address=client_address)
    return user


# --- signing in -----------------------------------------------------------------------------


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


def _unlock(session: Session, address: str) -> None:
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
        _audit(session, action, user, client_address=client_address, **detail)


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
    live = session.scalars(
        select(ConsoleSession)
        .join(User, ConsoleSession.user_id == User.id)
        .where(User.email == address, ConsoleSession.ended_at.is_(None))
    ).all()
    for row in live:
        end_session(session, row, "locked")
    _account_audit(session, "account.locked", user, client_address, until=until.isoformat())
    return Outcome.LOCKED


def _refuse_locked(session: Session, user: User | None, client_address: str | None) -> Outcome:
    _account_audit(session, "sign_in.refused_locked", user, client_address)
    return Outcome.LOCKED


def check_password(
    session: Session, email: str, password: str, *, client_address: str | None = None
) -> tuple[Outcome, User | None]:
    """The first step of signing in; the user only when the outcome is OK."""
    address = _address(email)
    active = [u for u in find_users(session, address) if u.status is UserStatus.ACTIVE]
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
            _unlock(session, user.email)
            session.refresh(user)
            return Outcome.OK
    return _fail(session, user.email, user, "code", client_address)


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
    _audit(session, "sign_in", user, client_address=client_address)
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
    _audit(
        session,
        "sign_out" if signed_out else "session.ended",
        row.user,
        actor=None if signed_out else "system",
        client_address=client_address,
        reason=reason,
    )


def _end_all_sessions(session: Session, user: User, reason: str) -> None:
    rows = session.scalars(
        select(ConsoleSession).where(
            ConsoleSession.user_id == user.id, ConsoleSession.ended_at.is_(None)
        )
    ).all()
    for row in rows:
        end_session(session, row, reason)


# --- password reset -------------------------------------------------------------------------


def request_reset(session: Session, email: str, *, client_address: str | None = None) -> None:
    """Email a reset link to the account's own address, if there is an active account. The
    caller says the same thing either way, so nobody learns which addresses have accounts."""
    active = [u for u in find_users(session, email) if u.status is UserStatus.ACTIVE]
    if not active:
        audit.record(
            session,
            "password_reset.requested",
            actor="anonymous",
            client_address=client_address,
            outcome="no_active_account",
        )
    for user in active:  # one link per account, each for that partnership's account
        _send_reset_link(session, user, client_address)


def _send_reset_link(session: Session, user: User, client_address: str | None) -> None:
    tokens.revoke_all(session, purpose=RESET, subject_type="user", subject_id=user.id)
    _, token = tokens.issue(
        session,
        purpose=RESET,
        subject_type="user",
        subject_id=user.id,
        partnership_id=user.partnership_id,
        expires_at=clock.now() + RESET_TTL,
    )
    _send_link(session, user, RESET_MESSAGE.name, _link("/account/reset-password", token))
    _audit(
        session,
        "password_reset.requested",
        user,
        client_address=client_address,
        outcome="link_sent",
    )


def reset_password(
    session: Session,
    token: str,
    *,
    password: str,
    code: str,
    client_address: str | None = None,
) -> User:
    """A new password, allowed only with a fresh code from the user's app."""
    row, user = user_for_token(session, token, RESET)
    _check_new_password(session, user, password)
    outcome = check_code(session, user, code, client_address=client_address)
    if outcome is Outcome.LOCKED:
        raise AccountRefused(
            "You have entered the wrong security code too many times. "
            "Wait 15 minutes, then try again",
            "code",
        )
    if outcome is not Outcome.OK:
        raise AccountRefused(
            "The security code is not right. Enter the 6-digit code your app shows now", "code"
        )
    tokens.use(session, row)
    user.password_hash = passwords.hash_password(password)
    _end_all_sessions(session, user, "password_reset")
    _audit(session, "password_reset.completed", user, client_address=client_address)
    return user


# --- officers managing users ----------------------------------------------------------------


def set_disabled(
    session: Session,
    user: User,
    disabled: bool,
    *,
    actor: User,
    client_address: str | None = None,
) -> None:
    if user.id == actor.id:
        raise AccountRefused("You cannot disable your own account")
    if disabled:
        if user.status is UserStatus.DISABLED:
            return
        user.status = UserStatus.DISABLED
        _end_all_sessions(session, user, "disabled")
        tokens.revoke_all(session, purpose=SETUP, subject_type="user", subject_id=user.id)
        tokens.revoke_all(session, purpose=RESET, subject_type="user", subject_id=user.id)
    else:
        if user.status is not UserStatus.DISABLED:
            return
        user.status = UserStatus.ACTIVE if user.password_hash else UserStatus.INVITED
        _unlock(session, user.email)
    _audit(
        session,
        "user.disabled" if disabled else "user.enabled",
        user,
        actor=actor_of(actor),
        client_address=client_address,
    )


def send_new_setup_link(
    session: Session, user: User, *, actor: User, client_address: str | None = None
) -> None:
    """Email the user a new set-up link (for an invitation that expired, or a lost app)."""
    if user.status is UserStatus.DISABLED:
        raise AccountRefused("Re-enable the account before sending a set-up link")
    link = new_setup_link(session, user, actor=actor_of(actor), client_address=client_address)
    _send_link(session, user, SETUP_MESSAGE.name, link)
