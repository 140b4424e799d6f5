"""Links that carry a token: account set-up and password reset now, agencies' and families'
links later.

The token is itsdangerous-signed with the purpose as salt and names a stored row, so a link works
for one purpose only and can be refused once used, revoked or past its expiry, whatever its
signature says.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service import clock, runtime
from service.models import AccessToken


class TokenProblem(enum.StrEnum):
    INVALID = "invalid"  # not one of ours, or for another purpose
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


class TokenRefused(Exception):
    def __init__(self, problem: TokenProblem, token: AccessToken | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.token = token


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(runtime.settings().SECRET_KEY, salt=f"dhr-token:{purpose}")


def issue(
    session: Session,
    *,
    purpose: str,
    subject_type: str,
    subject_id: str | int,
    expires_at: datetime,
    partnership_id: int | None = None,
) -> tuple[AccessToken, str]:
    """Store a new token row and return it with the string that goes in the link."""
    row = AccessToken(
        id=secrets.token_hex(16),
        purpose=purpose,
        partnership_id=partnership_id,
        subject_type=subject_type,
        subject_id=str(subject_id),
        created_at=clock.now(),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row, _serializer(purpose).dumps(row.id)


def token_for(row: AccessToken) -> str:
    """The link string for a stored token row (the same every time, so a link can be resent)."""
    return _serializer(row.purpose).dumps(row.id)


def nonce_of(token: str) -> str | None:
    """The stored row's id a signed token names, read without checking the signature: only to
    name a token that ``check`` has just accepted."""
    _signed, nonce = URLSafeSerializer("unchecked").loads_unsafe(token or "")
    return nonce if isinstance(nonce, str) else None


def check(session: Session, token: str, *, purpose: str) -> AccessToken:
    """The row ``token`` names, if it is for ``purpose`` and still usable; else TokenRefused."""
    try:
        nonce = _serializer(purpose).loads(token or "")
    except BadSignature as exc:
        raise TokenRefused(TokenProblem.INVALID) from exc
    row = session.get(AccessToken, nonce) if isinstance(nonce, str) else None
    if row is None or row.purpose != purpose:
        raise TokenRefused(TokenProblem.INVALID)
    if row.revoked_at is not None:
        raise TokenRefused(TokenProblem.REVOKED, row)
    if row.used_at is not None:
        raise TokenRefused(TokenProblem.USED, row)
    if clock.now() >= row.expires_at:
        raise TokenRefused(TokenProblem.EXPIRED, row)
    return row


def use(session: Session, row: AccessToken) -> None:
    """Mark a one-time token used; a second request racing this one loses."""
    done = session.execute(
        update(AccessToken)
        .where(AccessToken.id == row.id, AccessToken.used_at.is_(None))
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise TokenRefused(TokenProblem.USED, row)


def revoke_all(session: Session, *, purpose: str, subject_type: str, subject_id: str | int) -> None:
    """Revoke every unused token of ``purpose`` for one subject (a new link replaces old ones)."""
    session.execute(
        update(AccessToken)
        .where(
            AccessToken.purpose == purpose,
            AccessToken.subject_type == subject_type,
            AccessToken.subject_id == str(subject_id),
            AccessToken.used_at.is_(None),
            AccessToken.revoked_at.is_(None),
        )
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )


class RequestLinks:
    """Links that open one request row for someone without an account (an agency's trawl
    return, its IMR): bound to that row, revocable, renewable, and refused alike whatever is
    wrong with them.

    ``expires(row)`` gives a new link's expiry; ``path`` is where the link opens (the view
    takes the token from the query string).
    """

    def __init__(
        self,
        *,
        purpose: str,
        subject: str,
        path: str,
        model: type,
        expires: Callable[[Any], datetime],
    ) -> None:
        self.purpose, self.subject, self.path = purpose, subject, path
        self.model, self.expires = model, expires

    def url_for_token(self, token: str) -> str:
        return f"{runtime.settings().SERVICE_URL.rstrip('/')}{self.path}?token={token}"

    def issue(self, session: Session, row: Any) -> str:
        """A new link for ``row`` (any earlier one stops working); the URL."""
        self.revoke(session, row)
        _token_row, token = issue(
            session,
            purpose=self.purpose,
            subject_type=self.subject,
            subject_id=row.id,
            partnership_id=row.partnership_id,
            expires_at=self.expires(row),
        )
        return self.url_for_token(token)

    def current(self, session: Session, row: Any) -> AccessToken | None:
        """The row's working token, if it has one."""
        return session.scalar(
            select(AccessToken)
            .where(
                AccessToken.purpose == self.purpose,
                AccessToken.subject_type == self.subject,
                AccessToken.subject_id == str(row.id),
                AccessToken.revoked_at.is_(None),
                AccessToken.expires_at > clock.now(),
            )
            .order_by(AccessToken.created_at.desc())
            .limit(1)
        )

    def current_url(self, session: Session, row: Any) -> str | None:
        token_row = self.current(session, row)
        return self.url_for_token(token_for(token_row)) if token_row else None

    def revoke(self, session: Session, row: Any) -> None:
        revoke_all(session, purpose=self.purpose, subject_type=self.subject, subject_id=row.id)

    def check(self, session: Session, token: str) -> Any:
        """The row ``token`` opens; ``TokenRefused`` otherwise (whatever the reason, the caller
        shows the same page)."""
        try:
            token_row = check(session, token, purpose=self.purpose)
        except TokenRefused as refused:
            if refused.token is None:
                # An unknown or altered token costs the same database round trip as a known
                # one, so the response time does not tell them apart.
                session.get(self.model, -1)
            raise
        row = None
        if token_row.subject_type == self.subject and token_row.subject_id.isdigit():
            row = session.get(self.model, int(token_row.subject_id))
        if row is None or row.partnership_id != token_row.partnership_id:
            raise TokenRefused(TokenProblem.INVALID)
        return row
