"""What happens to console accounts: creating and inviting them, setting them up, resetting a
password, and officers disabling, re-enabling and re-inviting users. Nothing here knows about
Flask; views, the CLI and tests call the same code.

Below this module: ``identity`` (an account's address and its audit events),
``console_sessions`` (signed-in sessions) and ``signing_in`` (the password and code checks and
the sign-in lock), which this module uses to end sessions and lift a lock.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mail import outbox, policy, routing
from service import audit, clock, runtime, tokens
from service.auth import console_sessions, identity, passwords, signing_in, totp
from service.models import AccessToken, Partnership, Role, User, UserStatus

SETUP_TTL = timedelta(hours=72)
RESET_TTL = timedelta(hours=2)

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


def _new_token(session: Session, user: User, purpose: str, ttl: timedelta) -> str:
    """A new link token for the user; the earlier ones for ``purpose`` stop working."""
    tokens.revoke_all(session, purpose=purpose, subject_type="user", subject_id=user.id)
    _, token = tokens.issue(
        session,
        purpose=purpose,
        subject_type="user",
        subject_id=user.id,
        partnership_id=user.partnership_id,
        expires_at=clock.now() + ttl,
    )
    return token


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
        address = identity.normalise_email(email)
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
    identity.record(
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
        console_sessions.end_all(session, user, "set_up_again")
    token = _new_token(session, user, SETUP, SETUP_TTL)
    identity.record(
        session, "user.setup_link_issued", user, actor=actor, client_address=client_address
    )
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
    signing_in.unlock(session, user.email)
    console_sessions.end_all(session, user, "account_set_up")
    identity.record(session, "user.set_up", user, client_address=client_address)
    return user


# --- password reset -------------------------------------------------------------------------


def request_reset(session: Session, email: str, *, client_address: str | None = None) -> None:
    """Email a reset link to the account's own address, if there is an active account. The
    caller says the same thing either way, so nobody learns which addresses have accounts."""
    active = [u for u in identity.find_users(session, email) if u.status is UserStatus.ACTIVE]
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
    token = _new_token(session, user, RESET, RESET_TTL)
    _send_link(session, user, RESET_MESSAGE.name, _link("/account/reset-password", token))
    identity.record(
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
    outcome = signing_in.check_code(session, user, code, client_address=client_address)
    if outcome is signing_in.Outcome.LOCKED:
        raise AccountRefused(
            "You have entered the wrong security code too many times. "
            "Wait 15 minutes, then try again",
            "code",
        )
    if outcome is not signing_in.Outcome.OK:
        raise AccountRefused(
            "The security code is not right. Enter the 6-digit code your app shows now", "code"
        )
    tokens.use(session, row)
    user.password_hash = passwords.hash_password(password)
    console_sessions.end_all(session, user, "password_reset")
    identity.record(session, "password_reset.completed", user, client_address=client_address)
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
        console_sessions.end_all(session, user, "disabled")
        tokens.revoke_all(session, purpose=SETUP, subject_type="user", subject_id=user.id)
        tokens.revoke_all(session, purpose=RESET, subject_type="user", subject_id=user.id)
    else:
        if user.status is not UserStatus.DISABLED:
            return
        user.status = UserStatus.ACTIVE if user.password_hash else UserStatus.INVITED
        signing_in.unlock(session, user.email)
    identity.record(
        session,
        "user.disabled" if disabled else "user.enabled",
        user,
        actor=identity.actor_of(actor),
        client_address=client_address,
    )


def send_new_setup_link(
    session: Session, user: User, *, actor: User, client_address: str | None = None
) -> None:
    """Email the user a new set-up link (for an invitation that expired, or a lost app)."""
    if user.status is UserStatus.DISABLED:
        raise AccountRefused("Re-enable the account before sending a set-up link")
    link = new_setup_link(
        session, user, actor=identity.actor_of(actor), client_address=client_address
    )
    _send_link(session, user, SETUP_MESSAGE.name, link)
