"""DHR Forms: the web service, its domain, its models and its command line.

app, wsgi, cli, runtime, db, migrate   the app factory, the processes and their set-up
clock, workdays                        the one clock and UK time; working days
models, auth                           the data model; console accounts and access scope
audit, access_log                      writing the audit trail; visits through links
tokens, link_sessions, session_cookie, security, crypto, ratelimit, errors
                                       links, browser sessions and request protection
partnerships, agencies, uploads, pdf, spreadsheets, queues
                                       shared pieces the domain packages use
requests                               the agency-request kernel (trawls and IMRs)
referrals, trawls, imrs, consent, panels, summaries
                                       the review's work, one package each
views                                  the pages (Flask blueprints); only ``app`` imports them
demo, demo_data                        ``dhr demo``
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from service.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # The app, and with it every view and page form, loads only when asked for: the workers
    # and the question catalogues import service.clock without Flask or Flask-WTF.
    if name == "create_app":
        from service.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
