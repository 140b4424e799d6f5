"""Fixtures for the page tests: the app on the shared test database and an HTTPS test client.

Named ``page_*`` so they do not clash with the shared fixtures in tests/conftest.py.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

import service
import service.models  # noqa: F401  (registers every table on Base.metadata)


class HttpsClient(FlaskClient):
    """A test client whose requests are HTTPS unless a test says otherwise: the session cookie
    is ``Secure``, and HSTS is only sent over HTTPS."""

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", "https://localhost")
        return super().open(*args, **kwargs)


@pytest.fixture
def page_app(settings) -> Flask:
    """The app on the shared test database (emptied for each test) and Redis."""
    app = service.create_app(settings)
    app.test_client_class = HttpsClient
    return app


@pytest.fixture
def page_client(page_app: Flask) -> FlaskClient:
    return page_app.test_client()
