"""A browser's visit through a link, kept in the database: the browser's cookie holds only a
random key.

Flask's session cookie is signed, not encrypted: anyone who copies it can read it. So a link's
token never goes in it. Opening a link stores a row with the sha256 of a new random key and the
id of the stored token the link names; the browser keeps the key. Every page finds the row by
the key and checks the token again, so revoking the link ends every visit through it at once.

A visit ends when its row is deleted: after ``IDLE_TIMEOUT`` without a page, ``LIFETIME`` after
it began whatever happens, ``AFTER_SENDING`` after the form was sent (time to read the
confirmation and download a copy), when the browser opens another link of the same kind, or
when the link is refused. After that the key names nothing: a copied cookie opens nothing, and
neither does the database row, which holds no key and no token. The sweep deletes rows that
ended without anyone coming back (``delete_ended``).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from service import clock
from service.models import AccessToken, LinkSession

#: Without a page for this long, a visit ends: long enough to find an answer in the records.
IDLE_TIMEOUT = timedelta(hours=2)
#: How often a visit's last activity is written: not at every page, which would cost a commit
#: each (the idle timeout is then up to this much shorter than IDLE_TIMEOUT).
TOUCH_EVERY = timedelta(minutes=1)
#: A visit ends this long after it began, however busy: a working day.
LIFETIME = timedelta(hours=12)
#: Once the form is sent, a visit lasts this long more at most.
AFTER_SENDING = timedelta(minutes=30)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(session: Session, token: AccessToken, *, subject_id: int | None) -> str:
    """A new visit through ``token``'s link; returns the random key for the browser's cookie."""
    key = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        LinkSession(
            id=_digest(key),
            purpose=token.purpose,
            access_token_id=token.id,
            subject_id=subject_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + LIFETIME,
        )
    )
    return key


def _live(row: LinkSession, now: datetime) -> bool:
    idle = now - clock.as_utc(row.last_seen_at)
    return now < clock.as_utc(row.expires_at) and idle < IDLE_TIMEOUT


def find(session: Session, key: object) -> LinkSession | None:
    """The live visit the cookie's ``key`` names, or None. Reads only."""
    if not isinstance(key, str) or not key:
        return None
    row = session.get(LinkSession, _digest(key))
    return row if row is not None and _live(row, clock.now()) else None


def token_of(session: Session, visit: LinkSession) -> AccessToken | None:
    return session.get(AccessToken, visit.access_token_id)


def _set(session: Session, visit: LinkSession, **values: datetime) -> None:
    # A conditional UPDATE, not a change to the loaded row: a visit ended meanwhile by another
    # tab is simply not there to change.
    session.execute(
        update(LinkSession)
        .where(LinkSession.id == visit.id)
        .values(**values)
        .execution_options(synchronize_session="evaluate")
    )


def due_a_touch(visit: LinkSession) -> bool:
    """Whether the visit's last activity is older than ``TOUCH_EVERY``: only then is it written
    again."""
    return clock.now() - clock.as_utc(visit.last_seen_at) >= TOUCH_EVERY


def touch(session: Session, visit: LinkSession) -> None:
    """A page was shown: the idle timeout starts again."""
    _set(session, visit, last_seen_at=clock.now())


def sent(session: Session, visit: LinkSession) -> None:
    """The form was sent: the visit ends ``AFTER_SENDING`` from now, if not before."""
    _set(
        session, visit, expires_at=min(clock.as_utc(visit.expires_at), clock.now() + AFTER_SENDING)
    )


def carry_on(session: Session, visit: LinkSession) -> None:
    """The visitor starts changing what they sent: the visit lasts as a new one would, up to
    its ``LIFETIME``."""
    _set(session, visit, expires_at=clock.as_utc(visit.created_at) + LIFETIME)


def end(session: Session, key: object) -> None:
    """The visit is over: its key names nothing any more."""
    if isinstance(key, str) and key:
        session.execute(
            delete(LinkSession)
            .where(LinkSession.id == _digest(key))
            .execution_options(synchronize_session="evaluate")
        )


def delete_ended(session: Session, now: datetime) -> int:
    """Delete the visits that ended with nobody coming back; how many."""
    gone = session.execute(
        delete(LinkSession)
        .where(or_(LinkSession.expires_at <= now, LinkSession.last_seen_at <= now - IDLE_TIMEOUT))
        .execution_options(synchronize_session=False)
    )
    return gone.rowcount
