"""Rate limits per client address (Flask-Limiter, counted in Redis).

If Redis cannot be reached the limit is skipped, not the request: signing in keeps working, and
the database's failed-attempt counter still locks an account after five wrong tries.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

#: Attempts to sign in, enter a code, or use a set-up or reset link, per client address.
SIGN_IN_LIMIT = "20 per 5 minutes"

limiter = Limiter(
    key_func=get_remote_address,
    default_limits=[],
    # One Redis call per limited request (the hit), not a second for X-RateLimit-* headers.
    headers_enabled=False,
    swallow_errors=True,
    strategy="moving-window",
)


def storage_uri(redis_url: str) -> str:
    """Flask-Limiter's name for the same Redis (it spells a unix socket redis+unix://)."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://") :]
    return redis_url


def init_app(app: Flask, redis_url: str) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(redis_url)
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
    }
    app.config["RATELIMIT_KEY_PREFIX"] = "dhr-limit"
    limiter.init_app(app)
    # Every limit is a view's own, checked by its decorator. With no default or application-wide
    # limits, the check Flask-Limiter also runs before every request has nothing to count.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
