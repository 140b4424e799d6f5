"""The access log, the same for `dhr web` (gunicorn) and `dhr demo` (werkzeug): the client,
the method, the path without its query string, and the status. A family consent link carries
its code in the path, so the path is logged with the code masked (``/consent/[code]``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from gunicorn.glogging import Logger as _GunicornLogger
from werkzeug.serving import WSGIRequestHandler

from service.consent import links

#: `dhr web`'s access log format (gunicorn's atoms): client, "method path", status, seconds.
GUNICORN_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(L)s'


def access_path(target: str) -> str:
    """The path of a request target as the access log records it: no query, no link code."""
    return links.mask(urlsplit(target or "").path)


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger with only the atoms that cannot carry a code or a query.

    gunicorn's own atoms add every request and response header and the whole environment,
    which repeat the address (and the Referer, the previous page's address) in full; they are
    not made here at all, and gunicorn logs "-" for an atom that is not there.
    """

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        method = environ.get("REQUEST_METHOD", "-")
        path = access_path(environ.get("PATH_INFO", ""))
        protocol = environ.get("SERVER_PROTOCOL", "-")
        seconds, micro = request_time.seconds, request_time.microseconds
        return {
            "h": environ.get("REMOTE_ADDR", "-"),
            "m": method,
            "U": path,
            "q": "",
            "H": protocol,
            "r": f"{method} {path} {protocol}",
            "s": status,
            "f": "-",
            "T": seconds,
            "M": seconds * 1000 + micro // 1000,
            "D": seconds * 1_000_000 + micro,
            "L": f"{seconds}.{micro:06d}",
        }


class DemoRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, logging as `dhr web` does instead of the full request line."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        command = getattr(self, "command", None) or "-"
        path = access_path(getattr(self, "path", "") or "")
        self.log("info", '"%s %s" %s', command, path, str(getattr(code, "value", code)))

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002
        # The standard library's error messages repeat the raw request line, code and all.
        status = next((a for a in args if isinstance(a, int)), "-")
        self.log("error", "request refused: %s", status)
