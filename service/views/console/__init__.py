"""The officer console: every page needs a signed-in user, and every query goes through
``service.auth.scope`` (see ``web.current_scope()``)."""

from __future__ import annotations

from flask import Blueprint, g, request, url_for

from service.auth import console_sessions, scope, web

bp = Blueprint("console", __name__, url_prefix="/console")

#: The console's navigation: (endpoint, text, permission). Pages a role cannot use are not shown.
NAVIGATION = [
    ("console.dashboard", "Dashboard", "dashboard.view"),
    ("console.referrals", "Referrals", "referrals.view"),
    ("console.cases", "Cases", "cases.view"),
    ("console.outbox", "Outbox", "outbox.view"),
    ("console.agencies", "Agencies", "agencies.view"),
    ("console.trawl_statistics", "Trawl statistics", "trawls.statistics"),
    ("console.users", "Users", "users.view"),
    ("console.audit", "Audit trail", "audit.view"),
    ("console.settings", "Settings", "settings.view"),
]


@bp.context_processor
def _console_context() -> dict[str, object]:
    c = web.current()
    if c is None:
        return {}
    g.partnership = c.user.partnership
    here = request.endpoint or ""
    items = []
    for endpoint, text, permission in NAVIGATION:
        if scope.can(c.user, permission):
            section = endpoint.split(".", 1)[1]
            items.append(
                {
                    "href": url_for(endpoint),
                    "text": text,
                    "active": here == endpoint or here.startswith(f"console.{section}_"),
                }
            )
    return {
        "navigation": items,
        "navigation_home": url_for("console.dashboard"),
        "signed_in": c,
        "can": lambda permission: scope.can(c.user, permission),
        "idle_seconds": int(console_sessions.IDLE_TIMEOUT.total_seconds()),
        "warning_seconds": int(console_sessions.IDLE_WARNING.total_seconds()),
    }


from service.views.console import (  # noqa: E402, F401  (each module adds its routes to bp)
    action_links,
    action_plan,
    agencies,
    agency_resend,
    audit,
    bounces,
    cases,
    consent,
    consent_settings,
    dashboard,
    feedback,
    files,
    imr_written,
    imrs,
    initial_requests,
    letters,
    notifications,
    outbox,
    panels,
    referrals,
    report_stage,
    retention,
    send_again_address,
    settings,
    summaries,
    summary_send,
    trawl_requests,
    trawl_sending,
    trawl_statistics,
    users,
)
