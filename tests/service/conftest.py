"""Local fixtures for the page tests: an app on a fresh SQLite database and an HTTPS test client.

Named ``page_*`` so they do not clash with the shared fixtures in tests/conftest.py.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

import config.settings
import service
import service.models  # noqa: F401  (registers every table on Base.metadata)
from service import db


class HttpsClient(FlaskClient):
    """A test client whose requests are HTTPS unless a test says otherwise: the session cookie
    is ``Secure``, and HSTS is only sent over HTTPS."""

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", "https://localhost")
        return super().open(*args, **kwargs)


@pytest.fixture
def page_app(tmp_path) -> Flask:
    cfg = config.settings.TestConfig()
    cfg.DATABASE_URL = f"sqlite:///{tmp_path / 't.db'}"
    cfg.REDIS_URL = "redis://unused"
    cfg.MAIL_TRANSPORT = f"file://{tmp_path}/outbox"
    cfg.SECRET_KEY = "page-tests-secret-key-0123456789abcdef"
    app = service.create_app(cfg)
    db.Base.metadata.create_all(db.engine())
    app.test_client_class = HttpsClient
    yield app
    db.Sessions.remove()


@pytest.fixture
def page_client(page_app: Flask) -> FlaskClient:
    return page_app.test_client()
