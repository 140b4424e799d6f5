"""Local fixtures for the browser tests: the app in a real HTTP server thread, and Debian's
Chromium driven by Playwright.

Named so they do not clash with the shared fixtures in tests/conftest.py (or pytest-playwright's).
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask, send_file
from werkzeug.serving import make_server

import config.settings
import service
import service.models  # noqa: F401  (registers every table on Base.metadata)
from service import db
from service.models import Nation, Partnership

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# Where the test server serves axe-core from. A same-origin script file passes the service's
# Content-Security-Policy, so the pages are checked under the policy they really have.
AXE_URL = "/_test/axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class LiveServer:
    app: Flask
    url: str


def _live_app(tmp: Path, redis_url: str, mail_transport: str | None = None) -> Flask:
    cfg = config.settings.TestConfig()
    cfg.DATABASE_URL = f"sqlite:///{tmp / 't.db'}"
    cfg.REDIS_URL = redis_url
    cfg.MAIL_TRANSPORT = mail_transport or f"file://{tmp}/outbox"
    cfg.SECRET_KEY = "e2e-tests-secret-key-0123456789abcdef"
    app = service.create_app(cfg)
    db.Base.metadata.create_all(db.engine())
    with db.transaction() as session:
        session.add(
            Partnership(
                slug="exampleshire",
                name="Exampleshire Community Safety Partnership",
                nation=Nation.ENGLAND,
                contact_email="dhr@exampleshire.gov.uk",
                contact_phone="01632 960 000",
            )
        )

    @app.get(AXE_URL)
    def _axe():
        return send_file(AXE, mimetype="text/javascript")

    return app


@contextlib.contextmanager
def serving(app: Flask) -> Iterator[LiveServer]:
    """``app`` in a real HTTP server on a free loopback port, for as long as the block runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        db.Sessions.remove()


def check_axe_is_installed() -> None:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci` (or `make install`)")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, redis_url) -> Iterator[LiveServer]:
    check_axe_is_installed()
    with serving(_live_app(tmp_path_factory.mktemp("live"), redis_url)) as server:
        yield server


@pytest.fixture(scope="module")
def chromium_browser():
    executable = shutil.which("chromium")
    if not executable:
        pytest.fail(
            "Chromium is not installed: the accessibility tests need Debian's chromium "
            "(`apt-get install chromium`) on the PATH. They must not be skipped."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def type_text(page, value: str) -> None:
    """Type ``value`` into the focused field: its first characters key by key, so the page's own
    key handlers run as for a person typing, and the rest as one insertion, as a paste or an
    input method makes it (a key per character costs a browser round trip each)."""
    head, rest = value[:8], value[8:]
    page.keyboard.type(head)
    if rest:
        page.keyboard.insert_text(rest)
