"""Console: send an action's lead officer their link to update it, from the action's page:
the working link again, or a new one that replaces it. The buttons are on the action's page
(``templates/console/actions/_send_link.html``)."""

from __future__ import annotations

from flask import flash, redirect, url_for

from service import db
from service.actions import links, sending
from service.auth import web
from service.models import ActionItem
from service.views.console import bp, common


def _send(action_id: int, *, new_link: bool):
    sc = web.current_scope()
    try:
        with db.transaction() as s:
            action = common.found(s, sc, ActionItem, action_id)
            sending.send_link(s, action, new_link=new_link, actor=common.actor(sc),
                              client_address=web.client_address())  # fmt: skip
    except sending.LinkRefused as refused:
        flash(str(refused), "important")
    else:
        flash(
            "A new link has been emailed to the lead officer. The old link no longer works."
            if new_link
            else "The lead officer's link has been emailed to them",
            "success",
        )
    return redirect(url_for("console.action_edit", action_id=action_id))


@bp.post("/actions/<int:action_id>/send-link")
@web.requires("actions.manage")
def action_send_link(action_id: int):
    return _send(action_id, new_link=False)


@bp.post("/actions/<int:action_id>/new-link")
@web.requires("actions.manage")
def action_new_link(action_id: int):
    return _send(action_id, new_link=True)


@bp.app_template_global()
def action_link_state(action: ActionItem) -> dict[str, bool]:
    """For the action's page: whether the link can be sent, and whether one is working now."""
    s = db.Sessions()
    return {
        "can_send": sending.can_send(s, action),
        "has_link": links.current(s, action) is not None,
    }
