"""Console users, their signed-in sessions, and one-time links to set up or reset an account."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service import clock
from service.crypto import EncryptedString
from service.db import Base
from service.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from service.models.partnership import Partnership


class Role(enum.StrEnum):
    OFFICER = "officer"  # everything in their partnership
    CHAIR = "chair"  # reads the cases they are assigned to
    VIEWER = "viewer"  # reads, changes nothing


class UserStatus(enum.StrEnum):
    INVITED = "invited"  # has a set-up link, has not chosen a password yet
    ACTIVE = "active"
    DISABLED = "disabled"


class User(Base):
    __tablename__ = "user_account"
    # One account per address in each partnership: a partnership cannot take an address away
    # from another (someone who works for two has an account in each).
    __table_args__ = (UniqueConstraint("partnership_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id"), index=True)
    # Lower-cased.
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    status: Mapped[UserStatus] = mapped_column(str_enum(UserStatus), default=UserStatus.INVITED)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString(255))
    # The last 30-second step whose code was accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column()
    # While the address is locked (see SignInLock); kept here for the users list.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    partnership: Mapped[Partnership] = relationship()

    @property
    def label(self) -> str:
        return self.name or self.email


class SignInLock(Base):
    """Failed sign-ins counted per address typed, whether or not it has an account, so a lock
    tells nobody which addresses do. Keyed by a keyed hash: the addresses are not stored."""

    __tablename__ = "sign_in_lock"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ConsoleSession(Base):
    """A signed-in session. The browser holds a random id; only its SHA-256 is stored."""

    __tablename__ = "console_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie id
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the absolute lifetime
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "signed_out", "idle", "expired", "disabled", "password_reset"
    end_reason: Mapped[str | None] = mapped_column(String(32))
    client_address: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()


class AccessToken(Base):
    """A one-time or revocable link: the token in the link is signed and names this row, so a
    link can be refused once used, revoked or expired."""

    __tablename__ = "access_token"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random nonce
    purpose: Mapped[str] = mapped_column(String(32))
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnership.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
