"""A lead officer's page for their action in a case's action plan, opened from the link in
their reminder: the action, and its status, progress and evidence to update. The link opens
that one action and nothing else; a refused link gets the same page whatever the reason.
"""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from forms import action_plan_pages as pages
from service import db, i18n
from service.actions import links, messages, plan
from service.auth import web
from service.models import ActionItem, Agency, Case
from service.views import journey, linked

bp = Blueprint("action_update", __name__, url_prefix=links.PATH)

_link = linked.LinkedRequest(
    bp,
    check=links.check,
    session_key="action_update",
    token_in_query=True,
    problem_template="action/link_problem.html",
    start_endpoint="action_update.start",
    opened_action="action_plan.link_opened",
    object_type="action_item",
    actor=lambda action: f"lead-officer:{action.id}",
)


@bp.route("/update", methods=["GET", "POST"])
@linked.public_limit
def start():
    action: ActionItem = _link.current()
    s = db.Sessions()
    owner = s.get(Agency, action.agency_id) if action.agency_id else None
    # In the language of the lead officer's emails, unless they choose the other.
    i18n.prefer(messages.language(g.partnership, owner))
    form = pages.update_form(
        {"status": action.status.value, "progress": action.progress, "evidence": action.evidence}
        if request.method == "GET"
        else None
    )
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        with db.transaction() as t:
            plan.update_by_lead(t, action, form.answers(),
                                client_address=web.client_address())  # fmt: skip
        return redirect(url_for("action_update.start", saved=1))
    return render_template(
        "action/update.html",
        action=action,
        case=s.get(Case, action.case_id),
        owner=owner,
        status=plan.status_text(action),
        tag=plan.status_tag(action),
        target=i18n.long_date(action.target_date),
        form=form,
        timed_out=timed_out,
        saved=request.args.get("saved") == "1",
        has_errors=bool(form.errors) or timed_out,
    )
