"""A family consent link carries its code in the path, so the access log of `dhr demo` (werkzeug)
and of `dhr web` (gunicorn) records the path only, never the query string, and the code masked
as ``/consent/[code]``; the form's own pages are logged as they are."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import types
import urllib.error
import urllib.request

from gunicorn.config import Config
from werkzeug.serving import make_server

from service import access_log
from service.consent import links
from tests.consent.factories import ask, link_path
from tests.mailserver import free_port


def test_the_demo_logs_the_path_only_with_the_code_masked(page_app, session, partnership, caplog):
    req = ask(session, partnership)
    session.commit()
    code = link_path(session, req).rsplit("/", 1)[1]
    port = free_port()
    server = make_server(
        "127.0.0.1", port, page_app, threaded=True, request_handler=access_log.DemoRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    caplog.set_level(logging.INFO, logger="werkzeug")
    try:
        for target in (f"/consent/{code}?utm_source=email", "/?token=secret-query-value",
                       "/consent/start"):  # fmt: skip
            request = urllib.request.Request(f"http://127.0.0.1:{port}{target}")
            opener = urllib.request.build_opener(_NoRedirect)
            # A redirect or a refusal: only the log matters here.
            with contextlib.suppress(urllib.error.HTTPError):
                opener.open(request, timeout=10).close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
    logged = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    everything = "\n".join(logged)
    assert code not in everything and code.replace("-", "") not in everything
    assert "utm_source" not in everything and "secret-query-value" not in everything
    assert '"GET /consent/[code]" 302' in everything
    assert '"GET /" ' in everything
    assert '"GET /consent/start"' in everything


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kw):  # noqa: ANN002, ANN003, ANN201
        return None


def test_production_logs_the_same_way():
    logger = access_log.GunicornLogger(Config())
    code = "7q2m-4k8p-aaaa-bbbb-cccc-dddd-ee"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/consent/{code}?utm_source=email",
        "PATH_INFO": f"/consent/{code}",
        "QUERY_STRING": "utm_source=email",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": f"https://mail.example.com/?link=/consent/{code}",
    }
    resp = types.SimpleNamespace(status="302 FOUND", headers=[], sent=0)
    req = types.SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = logger.atoms(resp, req, environ, dt.timedelta(milliseconds=5))
    line = access_log.GUNICORN_FORMAT % atoms
    assert line == '192.0.2.1 "GET /consent/[code]" 302 0.005000'
    assert code not in repr(atoms) and "utm_source" not in repr(atoms)


def test_only_the_forms_own_pages_are_logged_as_they_are(page_app):
    pages = {
        rule.rule.removeprefix(f"{links.PATH}/")
        for rule in page_app.url_map.iter_rules()
        if rule.endpoint.startswith("family_consent.")
        and rule.endpoint != "family_consent.open_link"
    }
    assert pages == set(links.PAGES)
    for page in pages:
        assert links.mask(f"/consent/{page}") == f"/consent/{page}"
    for code in ("7Q2M 4K8P", "start2", "start/", "", "../start"):
        assert links.mask(f"/consent/{code}") == "/consent/[code]"
