"""Logging: one line per event, identifiers only.

Nothing here logs a message body, a subject or an address. Libraries that would log content at
DEBUG (exchangelib, smtplib's debug output, urllib3) are held at WARNING.
"""

from __future__ import annotations

import logging
import os
import sys

_configured = False

QUIET = (
    "urllib3",
    "requests_oauthlib",
    "oauthlib",
    "mail.log",
    "aiosmtpd",
    "weasyprint",
    "fontTools",
)
#: exchangelib logs request XML (the message itself) at DEBUG, and some of it at ERROR.
SILENT = ("exchangelib",)


class _KeyValueFormatter(logging.Formatter):
    """``time level logger message key=value…`` with the ``extra`` identifiers appended."""

    _std = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        extras = {k: v for k, v in record.__dict__.items() if k not in self._std}
        if extras:
            base += " " + " ".join(f"{k}={v}" for k, v in sorted(extras.items()))
        return base


def configure_logging(level: str | None = None) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO"))
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in SILENT:
        logging.getLogger(name).setLevel(logging.CRITICAL)
