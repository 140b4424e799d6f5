"""The application factory."""

from __future__ import annotations

from datetime import timedelta

import jinja2
from flask import Flask
from flask_wtf.csrf import CSRFProtect

from config import settings as settings_mod
from config.logging import configure_logging
from service import db, runtime

csrf = CSRFProtect()


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

    runtime.configure(cfg)
    from service import crypto

    crypto.check_stored(db.Sessions())  # a wrong DATA_KEY stops the app here
    app.teardown_appcontext(lambda _exc: db.Sessions.remove())

    csrf.init_app(app)

    from service import errors, ratelimit, security
    from service.views import account, console, family_consent, public, referral, trawl_return

    security.init_app(app)
    errors.init_app(app)
    from service.views import filters

    filters.init_app(app)
    ratelimit.init_app(app, cfg.REDIS_URL)
    app.register_blueprint(public.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(console.bp)
    # The referral pages check their own CSRF token, so that a page left open too long is
    # shown again with what was typed, not lost to an error page.
    csrf.exempt(referral.bp)
    app.register_blueprint(referral.bp)
    csrf.exempt(trawl_return.bp)  # the same, for the agency's trawl-return form
    app.register_blueprint(trawl_return.bp)
    from service.views import imr_return

    csrf.exempt(imr_return.bp)  # the same, for the agency's IMR form
    app.register_blueprint(imr_return.bp)
    csrf.exempt(family_consent.bp)  # the same, for the family member's consent form
    app.register_blueprint(family_consent.bp)
    from service.views import panel_feedback

    csrf.exempt(panel_feedback.bp)  # the same, for a panel member's answer on a draft
    app.register_blueprint(panel_feedback.bp)
    return app
