"""Error pages in the GOV.UK style.

Each handled status has its own template under ``templates/errors/``. Pages never show exception
text: Flask has already logged the exception by the time the 500 handler runs.
"""

from __future__ import annotations

import logging

from flask import Flask, g, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

HANDLED = (400, 403, 404, 405, 413, 429)

# Headers an HTTP error carries that the page should keep (``Allow`` on 405, ``Retry-After`` on
# 429); the content type is ours.
_KEEP = {"allow", "retry-after"}


def _kept_headers(error: HTTPException) -> list[tuple[str, str]]:
    return [(k, v) for k, v in error.get_headers() if k.lower() in _KEEP]


def _http_error(error: HTTPException):
    html = render_template(f"errors/{error.code}.html", error=error)
    return html, error.code, _kept_headers(error)


def _csrf_error(error: CSRFError):
    # The reason (token missing, expired, referrer wrong) is for the log, not the page.
    log.info("form rejected: %s", error.description)
    return render_template("errors/400.html", error=error, csrf_failed=True), 400


def _server_error(_error: Exception):
    # Show the partnership only if the request had already looked it up: the database may be
    # what failed, so do not ask it again.
    g.partnership = g.get("partnership")
    try:
        return render_template("errors/500.html"), 500
    except Exception:  # the error page itself failed: still say something useful
        log.exception("error page failed")
        return (
            "Sorry, there is a problem with the service. Try again later.",
            500,
            {"Content-Type": "text/plain; charset=utf-8"},
        )


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    for code in HANDLED:
        app.register_error_handler(code, _http_error)
    app.register_error_handler(500, _server_error)
