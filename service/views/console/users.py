"""Console: the partnership's users. Officers invite users, disable and re-enable them, and send
a new set-up link; every change goes through ``service.auth.accounts``, which audits it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from marshmallow import ValidationError
from sqlalchemy import func

from forms.user import ROLE_HINTS, InviteUserForm, InviteUserSchema
from service import clock, db
from service.auth import accounts, identity, web
from service.models import User, UserStatus
from service.views.console import bp


def status_of(user: User) -> tuple[str, str]:
    """(text, tag classes) for the user's status; "Locked" while a lock is in force."""
    if user.status is UserStatus.DISABLED:
        return "Disabled", "govuk-tag--grey"
    if user.locked_until is not None and user.locked_until > clock.now():
        return "Locked", "govuk-tag--red"
    if user.status is UserStatus.INVITED:
        return "Invited", "govuk-tag--blue"
    return "Active", "govuk-tag--green"


@bp.get("/users")
@web.requires("users.view")
def users():
    sc = web.current_scope()
    rows = db.Sessions().scalars(
        sc.select(User).order_by(func.lower(func.coalesce(User.name, User.email)), User.id)
    )
    return render_template("console/users.html", users=list(rows), status_of=status_of)


@bp.route("/users/invite", methods=["GET", "POST"])
@web.requires("users.manage")
def user_invite():
    sc = web.current_scope()
    form = InviteUserForm()
    data = None
    if form.validate_on_submit():
        try:
            data = InviteUserSchema().load(
                {"email": form.email.data.strip(), "name": form.name.data, "role": form.role.data}
            )
        except ValidationError as exc:  # the form's checks should have caught it first
            for name, messages in exc.normalized_messages().items():
                form._fields.get(name, form.email).errors = [messages[0]]
    if data is not None:
        try:
            with db.transaction() as s:
                user, _ = accounts.create_user(
                    s,
                    sc.user.partnership,
                    email=data["email"],
                    role=data["role"],
                    name=data["name"],
                    actor=identity.actor_of(sc.user),
                    client_address=web.client_address(),
                    send_email=True,
                )
                email = user.email
        except accounts.AccountRefused as exc:
            field = form._fields.get(exc.field or "email", form.email)
            field.errors = [str(exc)]
        else:
            flash(f"Invitation sent to {email}", "success")
            return redirect(url_for("console.users"))
    return render_template("console/user_invite.html", form=form, role_hints=ROLE_HINTS)


def _target(user_id: int) -> User:
    found = web.current_scope().get(db.Sessions(), User, user_id)
    if found is None:
        abort(404)
    return found


@bp.get("/users/<int:user_id>")
@web.requires("users.view")
def user(user_id: int):
    target = _target(user_id)
    me = web.current_user()
    return render_template(
        "console/user.html",
        target=target,
        status=status_of(target),
        is_me=target.id == me.id,
        UserStatus=UserStatus,
    )


def _change(user_id: int, change, done: str):
    """Make ``change(session, target, me)`` in one transaction; a refusal is shown, not raised."""
    me = web.current_user()
    try:
        with db.transaction() as s:
            target = web.current_scope().get(s, User, user_id)
            if target is None:
                abort(404)
            change(s, target, me)
            message = done.format(label=target.label)
    except accounts.AccountRefused as exc:
        flash(str(exc), "important")
    else:
        flash(message, "success")
    return redirect(url_for("console.user", user_id=user_id))


@bp.post("/users/<int:user_id>/disable")
@web.requires("users.manage")
def user_disable(user_id: int):
    def change(s, target, me):
        accounts.set_disabled(s, target, True, actor=me, client_address=web.client_address())

    return _change(user_id, change, "{label} has been disabled. Their sessions have ended")


@bp.post("/users/<int:user_id>/enable")
@web.requires("users.manage")
def user_enable(user_id: int):
    def change(s, target, me):
        accounts.set_disabled(s, target, False, actor=me, client_address=web.client_address())

    return _change(user_id, change, "{label} has been re-enabled")


@bp.post("/users/<int:user_id>/setup-link")
@web.requires("users.manage")
def user_setup_link(user_id: int):
    def change(s, target, me):
        if target.id == me.id:
            # It would end this session and the officer's own sign-in: another officer does it.
            raise accounts.AccountRefused(
                "You cannot send yourself a new set-up link. Ask another officer to send one"
            )
        accounts.send_new_setup_link(s, target, actor=me, client_address=web.client_address())

    return _change(user_id, change, "A new set-up link has been sent to {label}")
