"""The application factory."""

from __future__ import annotations

from datetime import timedelta

import jinja2
from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFProtect

from config import settings as settings_mod
from config.logging import configure_logging
from service import db, runtime

csrf = CSRFProtect()


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per process, whichever app instance asks first: each app has its
    own Jinja environment, and compiling the GOV.UK macros again for every instance costs more
    than rendering them. Jinja checks each entry against its template's source."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def create_app(config: settings_mod.Config | None = None) -> Flask:
    """Build the web app from ``config`` (default: the environment, validated)."""
    cfg = config or settings_mod.load()
    cfg.validate()
    configure_logging()

    app = Flask(
        __name__,
        template_folder=str(settings_mod.ROOT / "templates"),
        static_folder="static",
        static_url_path="/static",
    )
    app.config.update(
        SECRET_KEY=cfg.SECRET_KEY,
        TESTING=cfg.TESTING,
        SESSION_COOKIE_NAME="dhr_session",
        SESSION_COOKIE_SECURE=cfg.session_cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        WTF_CSRF_SSL_STRICT=True,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.extensions["dhr.settings"] = cfg
    from service.session_cookie import EncryptedSessionInterface

    app.session_interface = EncryptedSessionInterface()
    if cfg.TRUST_PROXY:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # ProxyFix believes only the last n X-Forwarded-For entries, counted from the right
        # (the ones those proxies appended), so a client cannot forge its address through them.
        n = cfg.TRUST_PROXY
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.jinja_loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(str(settings_mod.ROOT / "templates")),
            jinja2.PrefixLoader(
                {"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja")}
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.bytecode_cache = _COMPILED

    runtime.configure(cfg)
    from service import crypto

    crypto.check_stored(db.Sessions())  # a wrong DATA_KEY stops the app here
    app.teardown_appcontext(lambda _exc: db.Sessions.remove())

    from service import errors, i18n, ratelimit, security, uploads
    from service.views import filters, public

    # Every hook that runs around a request is installed here, and only here. Blueprints keep
    # only hooks that concern their own pages (the referral pages' link check).
    csrf.init_app(app)  # before each request: the CSRF check
    security.init_app(app)  # after each request: security and cache headers
    errors.init_app(app)  # error pages
    filters.init_app(app)  # template filters for times and dates
    # The page's language (Welsh or English) and the language switcher.
    i18n.init_app(app, public.page_partnership)
    ratelimit.init_app(app, cfg.REDIS_URL)  # before and after each request: rate limits
    uploads.init_app(app)  # before each request, first of all: upload pages' size limit
    for blueprint, checks_own_csrf in _blueprints():
        if checks_own_csrf:
            csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    return app


def _blueprints() -> list[tuple[Blueprint, bool]]:
    """Every blueprint, and whether it checks its own CSRF token.

    The forms that check their own token do so that a page left open too long is shown again
    with what was typed, not lost to an error page.
    """
    from service.views import (
        account,
        action_update,
        console,
        family_consent,
        imr_report,
        imr_return,
        panel_feedback,
        public,
        referral,
        trawl_return,
    )

    return [
        (public.bp, False),
        (account.bp, False),
        (console.bp, False),
        (referral.bp, True),
        (trawl_return.bp, True),
        (imr_return.bp, True),
        (imr_report.bp, True),  # the IMR written in the service, through the same link
        (family_consent.bp, True),
        (panel_feedback.bp, True),  # a panel member's answer on a draft
        (action_update.bp, True),  # a lead officer's update to their action
    ]
