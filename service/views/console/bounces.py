"""Console: emails that could not be delivered (bounces), listed on the dashboard until the
officer marks each as dealt with. The work is in ``mail.bounces.undelivered``."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for

from mail.bounces import undelivered
from service import db
from service.auth import identity, scope, web
from service.models import MessageBounce
from service.views.console import bp


@bp.app_template_global("undelivered_emails")
def undelivered_emails() -> list[MessageBounce]:
    """For the dashboard's partial: the signed-in user's bounces not yet dealt with."""
    current = web.current()
    if current is None or not scope.can(current.user, "outbox.view"):
        return []
    sc = web.current_scope()
    return undelivered.waiting(db.Sessions(), sc.where(MessageBounce))


@bp.post("/bounces/<int:bounce_id>/dealt-with")
@web.requires("outbox.act")
def bounce_dealt_with(bounce_id: int):
    with db.transaction() as s:
        bounce = web.current_scope().get(s, MessageBounce, bounce_id)
        if bounce is None:
            abort(404)
        try:
            undelivered.deal_with(
                s,
                bounce,
                actor=identity.actor_of(web.current_user()),
                client_address=web.client_address(),
            )
        except undelivered.NotWaiting:
            flash("This bounce had already been dealt with.", "important")
        else:
            flash("Marked as dealt with.", "success")
    return redirect(url_for("console.dashboard"))
