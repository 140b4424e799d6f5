"""Signing in and out, setting up an account, resetting a password, and session timeouts."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from forms.account import (
    ChoosePasswordForm,
    ForgotPasswordForm,
    ResetPasswordForm,
    SecurityCodeForm,
    SignInForm,
)
from service import clock, db, link_sessions, tokens
from service.auth import accounts, console_sessions, signing_in, totp, web
from service.auth.signing_in import Outcome
from service.models import User
from service.ratelimit import SIGN_IN_LIMIT, limiter
from service.views import linked

bp = Blueprint("account", __name__)

LOCKED_MESSAGE = (
    "You have tried to sign in too many times. Your account is locked for 15 minutes. "
    "Wait, then try again"
)
WRONG_SIGN_IN = "Enter a correct email address and password"
WRONG_CODE = "The security code is not right. Enter the code your app shows now"

limit = limiter.limit(SIGN_IN_LIMIT, methods=["POST"])


# --- sign in --------------------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
@limit
def sign_in():
    if web.current() is not None:
        return redirect(url_for("console.dashboard"))
    form = SignInForm()
    problem = None
    if form.validate_on_submit():
        with db.transaction() as s:
            outcome, user = signing_in.check_password(
                s, form.email.data, form.password.data, client_address=web.client_address()
            )
            user_id = user.id if user else None
        if outcome is Outcome.OK:
            session.clear()
            session["pending_user"] = user_id
            session["pending_at"] = time.time()
            return redirect(url_for("account.security_code", next=request.args.get("next")))
        problem = LOCKED_MESSAGE if outcome is Outcome.LOCKED else WRONG_SIGN_IN
        form.email.errors = [problem]
        form.password.errors = []
    return render_template("account/sign_in.html", form=form, problem=problem)


def _pending_user() -> User | None:
    user_id, at = session.get("pending_user"), session.get("pending_at")
    if not user_id or not at or time.time() - at > signing_in.CODE_STAGE_TTL.total_seconds():
        return None
    return db.Sessions.get(User, user_id)


@bp.route("/sign-in/security-code", methods=["GET", "POST"])
@limit
def security_code():
    user = _pending_user()
    if user is None:
        session.pop("pending_user", None)
        return redirect(url_for("account.sign_in"))
    form = SecurityCodeForm()
    if form.validate_on_submit():
        with db.transaction() as s:
            user = s.get(User, user.id)
            outcome = signing_in.check_code(
                s, user, form.code.data, client_address=web.client_address()
            )
            raw = (
                console_sessions.start_session(s, user, client_address=web.client_address())
                if outcome is Outcome.OK
                else None
            )
        if raw:
            web.sign_in(raw)
            return redirect(web.next_page(url_for("console.dashboard")))
        if outcome is Outcome.LOCKED:
            session.clear()
            flash(LOCKED_MESSAGE, "locked")
            return redirect(url_for("account.sign_in"))
        form.code.errors = [WRONG_CODE]
    return render_template("account/security_code.html", form=form)


@bp.post("/sign-out")
def sign_out():
    c = web.current()
    if c is not None:
        with db.transaction() as s:
            console_sessions.end_session(
                s, s.merge(c.console_session), "signed_out", client_address=web.client_address()
            )
    session.clear()
    return redirect(url_for("account.signed_out"))


@bp.get("/signed-out")
def signed_out():
    return render_template("account/signed_out.html", timed_out=False)


@bp.get("/session/timed-out")
def timed_out():
    """Where the timeout warning (or, without JavaScript, a refresh) sends an idle browser."""
    c = web.current()
    if c is not None:
        remaining = c.idle_expires_at - clock.now()
        if remaining.total_seconds() > 60:
            # Still in use (another tab kept it alive): nothing to do here.
            return redirect(url_for("console.dashboard"))
        with db.transaction() as s:
            console_sessions.end_session(s, s.merge(c.console_session), "idle")
    session.clear()
    return render_template("account/signed_out.html", timed_out=True)


@bp.post("/session/keep-alive")
@web.login_required
def keep_alive():
    """'Stay signed in' in the timeout warning: the idle timeout starts again."""
    c = web.current()
    seconds = int((c.idle_expires_at - clock.now()).total_seconds())
    return jsonify(idle_seconds=seconds)


# --- one-time links -------------------------------------------------------------------------

#: Where the browser keeps the random key of its visit through a set-up or a reset link.
SETUP_VISIT = "setup_visit"
RESET_VISIT = "reset_visit"


def _link_problem(exc: tokens.TokenRefused, kind: str):
    return linked.no_referrer(
        Response(
            render_template("account/link_problem.html", problem=exc.problem.value, kind=kind),
            404 if exc.problem is tokens.TokenProblem.INVALID else 410,
        )
    )


def _end_visit(name: str) -> None:
    key = session.pop(name, None)
    if key is not None:
        with db.transaction() as s:
            link_sessions.end(s, key)


def _open_link(name: str, purpose: str, kind: str, endpoint: str):
    """The emailed link: check it, start a visit kept in the database, and go on to ``endpoint``
    without the token in the address. The cookie gets only the visit's random key, which opens
    nothing once the visit ends, and no Referer carries the link. The browser's history still
    holds the link's own address, as the email does: it works until the set-up or the reset is
    done (which uses the token up) or the link expires."""
    token = request.args["token"]
    try:
        token_row, user = accounts.user_for_token(db.Sessions(), token, purpose)
    except tokens.TokenRefused as exc:
        _end_visit(name)
        return _link_problem(exc, kind)
    with db.transaction() as s:
        link_sessions.end(s, session.get(name))
        session[name] = link_sessions.start(s, token_row, subject_id=user.id)
    return linked.no_referrer(redirect(url_for(endpoint)))


def _visit_token(name: str) -> str:
    """The token of this browser's visit through a set-up or reset link; not found once the
    visit has ended (finished, idle or too old), whoever holds the cookie."""
    s = db.Sessions()
    visit = link_sessions.find(s, session.get(name))
    token_row = link_sessions.token_of(s, visit) if visit is not None else None
    if token_row is None:
        _end_visit(name)
        abort(404)
    if link_sessions.due_a_touch(visit):
        with db.transaction() as t:
            link_sessions.touch(t, visit)
    return tokens.token_for(token_row)


def _refused(exc: tokens.TokenRefused, name: str, kind: str):
    _end_visit(name)
    return _link_problem(exc, kind)


# --- account set-up -------------------------------------------------------------------------


@bp.get("/account/set-up")
def set_up():
    if request.args.get("token"):
        return _open_link(SETUP_VISIT, accounts.SETUP, "setup", "account.set_up")
    token = _visit_token(SETUP_VISIT)
    try:
        _, user = accounts.user_for_token(db.Sessions(), token, accounts.SETUP)
    except tokens.TokenRefused as exc:
        return _refused(exc, SETUP_VISIT, "setup")
    return render_template("account/set_up_start.html", user=user)


@bp.route("/account/set-up/password", methods=["GET", "POST"])
@limit
def set_up_password():
    token = _visit_token(SETUP_VISIT)
    form = ChoosePasswordForm()
    try:
        _, user = accounts.user_for_token(db.Sessions(), token, accounts.SETUP)
        if form.validate_on_submit():
            with db.transaction() as s:
                try:
                    accounts.setup_password(s, token, form.password.data)
                except accounts.AccountRefused as exc:
                    form.password.errors = [str(exc)]
            if not form.errors:
                return redirect(url_for("account.set_up_authenticator"))
    except tokens.TokenRefused as exc:
        return _refused(exc, SETUP_VISIT, "setup")
    return render_template("account/set_up_password.html", form=form, user=user)


@bp.route("/account/set-up/authenticator", methods=["GET", "POST"])
@limit
def set_up_authenticator():
    token = _visit_token(SETUP_VISIT)
    form = SecurityCodeForm()
    try:
        with db.transaction() as s:
            try:
                user, secret = accounts.setup_secret(s, token)
            except accounts.AccountRefused:
                return redirect(url_for("account.set_up_password"))
            if form.validate_on_submit():
                try:
                    accounts.confirm_authenticator(
                        s, token, form.code.data, client_address=web.client_address()
                    )
                except accounts.AccountRefused as exc:
                    form.code.errors = [str(exc)]
    except tokens.TokenRefused as exc:
        return _refused(exc, SETUP_VISIT, "setup")
    if form.is_submitted() and not form.errors:
        _end_visit(SETUP_VISIT)
        flash(
            "Your account is set up. Sign in with your email address, password and a code "
            "from your authenticator app.",
            "success",
        )
        return redirect(url_for("account.sign_in"))
    uri = totp.provisioning_uri(secret, user.email)
    return render_template(
        "account/set_up_authenticator.html",
        form=form,
        user=user,
        qr=totp.qr_code_data_uri(uri),
        secret=totp.grouped(secret),
    )


# --- password reset -------------------------------------------------------------------------


@bp.route("/account/forgot-password", methods=["GET", "POST"])
@limit
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with db.transaction() as s:
            accounts.request_reset(s, form.email.data, client_address=web.client_address())
        return redirect(url_for("account.reset_sent"))
    return render_template("account/forgot_password.html", form=form)


@bp.get("/account/forgot-password/sent")
def reset_sent():
    return render_template("account/reset_sent.html")


@bp.route("/account/reset-password", methods=["GET", "POST"])
@limit
def reset_password():
    if request.method == "GET" and request.args.get("token"):
        return _open_link(RESET_VISIT, accounts.RESET, "reset", "account.reset_password")
    token = _visit_token(RESET_VISIT)
    form = ResetPasswordForm()
    try:
        accounts.user_for_token(db.Sessions(), token, accounts.RESET)
        if form.validate_on_submit():
            with db.transaction() as s:
                try:
                    accounts.reset_password(
                        s,
                        token,
                        password=form.password.data,
                        code=form.code.data,
                        client_address=web.client_address(),
                    )
                except accounts.AccountRefused as exc:
                    getattr(form, exc.field or "password").errors = [str(exc)]
            if not form.errors:
                _end_visit(RESET_VISIT)
                session.clear()
                flash("Your password has been changed. Sign in with your new password.", "success")
                return redirect(url_for("account.sign_in"))
    except tokens.TokenRefused as exc:
        return _refused(exc, RESET_VISIT, "reset")
    return render_template("account/reset_password.html", form=form)


@bp.app_context_processor
def _account_context() -> dict[str, object]:
    # Set by the console's pages; other pages have no signed-in user in their layout.
    return {"signed_in": g.get("current")}
