"""Console: sending an agency's bounced requests again, once the officer has corrected its
address.

Saving an agency that has requests waiting (``service.requests.resending.waiting``: a trawl or
IMR request whose email bounced, and a new address to send it to) comes here: the page lists
them, and the officer chooses whether their due dates restart before they go. The work, its
compare-and-set and its audit are ``service.requests.resending``'s.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from forms.agency_resend import SendAgainForm
from service import clock, db
from service.auth import web
from service.imrs import requesting  # noqa: F401  (registers the IMR request kind)
from service.models import Agency
from service.requests import resending
from service.trawls import sending  # noqa: F401  (registers the trawl request kind)
from service.views.console import bp, common
from service.views.console.agencies import _return_to


def waiting_for(agency_id: int) -> bool:
    """True if the agency has requests to send again (after saving it, say)."""
    sc = web.current_scope()
    s = db.Sessions()
    agency = sc.get(s, Agency, agency_id)
    return agency is not None and bool(resending.waiting(s, agency))


def _page(agency_id: int, form: SendAgainForm, status: int = 200):
    sc = web.current_scope()
    s = db.Sessions()
    agency = common.found(s, sc, Agency, agency_id)
    return render_template(
        "console/agency_send_again.html",
        agency=agency,
        waiting=resending.waiting(s, agency),
        form=form,
        today=clock.london_date(clock.now()),
        back_to=_return_to() or url_for("console.agencies"),
    ), status


@bp.get("/agencies/<int:agency_id>/send-again")
@web.requires("agencies.edit")
def agency_send_again(agency_id: int):
    return _page(agency_id, SendAgainForm())


@bp.post("/agencies/<int:agency_id>/send-again")
@web.requires("agencies.edit")
def agency_send_again_post(agency_id: int):
    """Send each waiting request again to the corrected address, in one transaction."""
    sc = web.current_scope()
    form = SendAgainForm()
    if not form.validate_on_submit():
        return _page(agency_id, form, 400)
    with db.transaction() as s:
        agency = sc.get(s, Agency, agency_id)
        if agency is None:
            abort(404)
        sent = resending.send_again(
            s,
            agency,
            restart=form.restart.data == "restart",
            actor=common.actor(sc),
            client_address=web.client_address(),
        )
        count, name = len(sent), agency.name
    if count:
        what = "1 request" if count == 1 else f"{count} requests"
        flash(f"{what} sent again to {name}", "success")
    else:
        flash(f"No request to {name} was waiting to be sent again", "important")
    return redirect(_return_to() or url_for("console.agencies"))
