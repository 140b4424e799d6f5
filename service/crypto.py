"""Secrets stored encrypted at rest: Fernet with the keys in ``DATA_KEY``.

``DATA_KEY`` is a comma-separated list of Fernet keys. The first encrypts; every one decrypts. To
change keys, put the new key first, run `dhr keys rotate` (every stored secret is re-encrypted
with it), then remove the old key. A column holds an encrypted secret by being typed
``EncryptedString``: the rest of the code reads and writes plain values.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import String, literal, select, type_coerce, update
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from config.settings import ConfigError

log = logging.getLogger(__name__)


class KeyProblem(ConfigError):
    """``DATA_KEY`` is missing, malformed, or does not decrypt what is stored."""


WRONG_KEY = (
    "DATA_KEY cannot decrypt the stored secrets: it does not contain the key they were "
    "encrypted with (keep the old key after the new one until `dhr keys rotate` has run)"
)


@functools.cache
def fernet_for(keys: str) -> MultiFernet:
    """The MultiFernet for a ``DATA_KEY`` value."""
    parts = [k.strip() for k in keys.split(",") if k.strip()]
    if not parts:
        raise KeyProblem("cannot start: set DATA_KEY in the environment (see README)")
    try:
        return MultiFernet([Fernet(k) for k in parts])
    except (ValueError, TypeError) as exc:
        raise KeyProblem(
            "DATA_KEY must be one or more Fernet keys separated by commas (make one with "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"`)'
        ) from exc


def _fernet() -> MultiFernet:
    from service import runtime

    return fernet_for(runtime.settings().data_keys())


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise KeyProblem(WRONG_KEY) from exc


class EncryptedString(TypeDecorator[str]):
    """A string column stored as a Fernet token (a 32-character secret takes 140 characters)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else decrypt(value)


def _encrypted_columns() -> list[tuple[Any, Any]]:
    """(table, column) for every ``EncryptedString`` column the models declare."""
    import service.models  # noqa: F401  (registers every table)
    from service.db import Base

    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedString)
    ]


def _plain(column: Any) -> Any:
    # The stored token itself, not passed through EncryptedString.
    return type_coerce(column, String())


def rotate(session: Session | Connection) -> int:
    """Re-encrypt every stored secret with the first key in ``DATA_KEY``; how many there were."""
    fernet = _fernet()
    count = 0
    for table, column in _encrypted_columns():
        (pk,) = table.primary_key.columns
        rows = session.execute(select(pk, _plain(column)).where(column.is_not(None))).all()
        for key, token in rows:
            fresh = _rotate_one(fernet, token)
            session.execute(
                update(table).where(pk == key).values({column.name: literal(fresh, String())})
            )
            count += 1
    # One-time codes sealed into queued messages (``mail.links.seal``) are secrets too.
    from mail import links

    return count + links.rotate_sealed(session, lambda token: _rotate_one(fernet, token))


def _rotate_one(fernet: MultiFernet, token: str) -> str:
    try:
        return fernet.rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise KeyProblem(WRONG_KEY) from exc


def check_stored(session: Session) -> None:
    """Decrypt one stored secret of each kind, so a wrong ``DATA_KEY`` stops the service at
    start-up, not at someone's sign-in. A database not reachable (or not migrated) yet is left
    for the first request to report."""
    try:
        for _table, column in _encrypted_columns():
            token = session.scalar(select(_plain(column)).where(column.is_not(None)).limit(1))
            if token is not None:
                decrypt(token)
    except (OperationalError, ProgrammingError):
        log.warning("stored secrets not checked at start: the database cannot be read yet")
    finally:
        session.rollback()


def migration_keys() -> MultiFernet:
    """The keys a migration encrypts with: ``DATA_KEY``, or this process's settings."""
    from service import runtime

    value = os.environ.get("DATA_KEY", "")
    if not value and runtime.configured() is not None:
        value = runtime.configured().data_keys()
    if not value:
        raise KeyProblem(
            "the database holds authenticator secrets that must now be encrypted: set DATA_KEY "
            "in the environment (see README), then run `dhr db upgrade` again"
        )
    return fernet_for(value)
