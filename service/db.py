"""Engine and sessions. Flask views, rq jobs and the CLI share this module, so none of the
work functions need a request."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

from service import clock

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in, timezone-aware UTC out, on Postgres and SQLite alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use service.clock")
        return clock.as_utc(value)

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ANN001
        return clock.as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


_engine: Engine | None = None
Sessions: scoped_session[Session] = scoped_session(sessionmaker(expire_on_commit=False))


def configure(url: str) -> Engine:
    """Point the session factory at ``url``; calling again with the same URL is a no-op."""
    global _engine
    if _engine is not None and _engine.url == make_url(url):
        return _engine
    if _engine is not None:
        Sessions.remove()
        _engine.dispose()
    _engine = _make_engine(url)
    Sessions.configure(bind=_engine)
    return _engine


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):  # noqa: ANN001
            # Let SQLAlchemy issue BEGIN itself (below) instead of pysqlite's lazy BEGIN.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # noqa: ANN001
            # A transaction that will write takes the write lock at BEGIN, so two sweeps or
            # workers queue up behind each other instead of one failing with "database is
            # locked" when it tries to write from a stale read snapshot.
            immediate = conn.get_execution_options().get(WRITE_OPTION)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def engine() -> Engine:
    if _engine is None:
        raise RuntimeError("database not configured")
    return _engine


WRITE_OPTION = "dhr_write"

#: How rows are locked so that two transactions take turns: FOR NO KEY UPDATE on Postgres. It
#: excludes other lockers and writers of the row, but not the key-share locks that foreign-key
#: checks take on it (plain FOR UPDATE would, and two transactions that each inserted or updated
#: a child row would then deadlock). SQLite ignores it: its writers already take turns.
NO_KEY_UPDATE = {"key_share": True}


_DEPTH = "dhr.transaction_depth"


@contextlib.contextmanager
def transaction() -> Iterator[Session]:
    """A session whose work commits together at the end of the block, or not at all.

    The transaction is begun as a writing one (on SQLite: BEGIN IMMEDIATE). On SQLite a read
    transaction already open in the session (a view that looked things up first) is ended
    before, so its old snapshot never has to be upgraded to a write, which SQLite refuses when
    another writer got in between. Postgres (read committed) takes each statement's snapshot
    afresh, so there the open transaction simply goes on to write: one commit, not two.
    A ``transaction()`` inside another joins it.
    """
    session = Sessions()
    depth = session.info.get(_DEPTH, 0)
    if depth == 0:
        if not session.in_transaction():
            session.connection(execution_options={WRITE_OPTION: True})
        elif _is_sqlite(session):
            session.commit()  # a read snapshot: nothing to write, but it must not linger
            session.connection(execution_options={WRITE_OPTION: True})
    session.info[_DEPTH] = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _after_fork_in_child() -> None:
    # rq forks a child per job: the child must open its own connections, never share the
    # parent's sockets.
    if _engine is not None:
        _engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork_in_child)
