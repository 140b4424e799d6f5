"""The console's Flask side of accounts: the signed-in user of a request, and the decorators
views use to require a sign-in and a permission."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from flask import abort, g, redirect, request, session, url_for

from service import db
from service.auth import console_sessions, scope
from service.models import User

F = TypeVar("F", bound=Callable[..., Any])

SESSION_KEY = "sid"
#: Why a live-looking session is refused; it is ended (and audited) when first found so.
LAPSED = ("idle", "expired", "disabled")


def client_address() -> str | None:
    return request.remote_addr


def current() -> console_sessions.Current | None:
    """The signed-in session of this request (looked up once per request)."""
    if "current" not in g:
        raw = session.get(SESSION_KEY)
        found, reason = console_sessions.load_session(db.Sessions(), raw)
        if reason in LAPSED:
            with db.transaction() as s:
                console_sessions.end_lapsed(s, raw, reason)
        if found is None and SESSION_KEY in session:
            session.pop(SESSION_KEY)
        g.current = found
        g.session_end_reason = reason
    return g.current


def current_user() -> User | None:
    c = current()
    return c.user if c else None


def current_scope() -> scope.Scope:
    user = current_user()
    if user is None:
        abort(401)
    return scope.Scope(user)


def _unsafe_char(text: str) -> bool:
    # Browsers and Werkzeug drop control characters and read "\\" as "/", so "/\t/evil" or
    # "/\\evil" would become "//evil", another host.
    return any(c == "\\" or unicodedata.category(c).startswith("C") for c in text)


def _safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None: never "//elsewhere" or a full URL,
    however it is encoded."""
    if not target or not target.startswith("/"):
        return None
    decoded = target
    for _ in range(3):  # as many layers as anything on the way might decode
        decoded = unquote(decoded)
    for form in (target, decoded):
        parts = urlsplit(form)
        if _unsafe_char(form) or form.startswith("//") or parts.scheme or parts.netloc:
            return None
    return target


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        c = current()
        if c is None:
            if g.get("session_end_reason") in ("idle", "expired"):
                return redirect(url_for("account.timed_out"))
            target = request.full_path if request.method == "GET" else None
            return redirect(url_for("account.sign_in", next=_safe_next(target)))
        if console_sessions.due_a_touch(c):
            with db.transaction() as s:
                console_sessions.touch(s, c)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def requires(permission: str) -> Callable[[F], F]:
    """Signed in, and the user's role has ``permission``; otherwise 403."""
    if permission not in scope.PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None or not scope.can(user, permission):
                abort(403)
            return view(*args, **kwargs)

        return login_required(checked)  # type: ignore[return-value]

    return decorator


def sign_in(raw_session_id: str) -> None:
    """Give the browser a new session: nothing from before sign-in carries over."""
    session.clear()
    session[SESSION_KEY] = raw_session_id
    session.permanent = True
    g.pop("current", None)


def next_page(default: str) -> str:
    return _safe_next(request.args.get("next")) or default
