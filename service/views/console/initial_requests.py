"""Console: the initial information request of a referral awaiting its decision, and the
invitation to the scoping meeting on any draft trawl.

The officer starts the request from the referral; its draft pages are the trawl's
(``trawl_sending``), and once sent its tracker is the referral's information page, and its
returns are shown on the decision page. The work is in ``service.trawls.initial``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from forms.trawl import date_parts
from forms.trawl_meeting import MeetingForm, cleaned
from service import clock, db
from service.auth import scope, web
from service.models import Referral, ReferralStatus, Trawl, TrawlStatus
from service.trawls import initial, tracking
from service.views.console import bp, common


def _referral(s, sc, referral_id: int) -> Referral:  # noqa: ANN001
    found = sc.get(s, Referral, referral_id)
    if found is None or found.status is ReferralStatus.DRAFT:
        abort(404)
    return found


@bp.post("/referrals/<int:referral_id>/information/new")
@web.requires("trawls.send")
def initial_request_new(referral_id: int):
    """Start the referral's initial information request (or carry on with its draft)."""
    sc = web.current_scope()
    with db.transaction() as s:
        referral = _referral(s, sc, referral_id)
        if not initial.may_start(referral):
            flash("This referral has been decided: ask agencies from its case", "important")
            return redirect(url_for("console.referral", referral_id=referral.id))
        draft = initial.latest_draft(s, sc, referral)
        if draft is None:
            draft = initial.start(s, referral, created_by=sc.user.id)
            common.record(s, sc, "trawl.draft_started", object_type="trawl",
                          object_id=draft.id, case_id=None, referral_id=referral.id)  # fmt: skip
        trawl_id = draft.id
    return redirect(url_for("console.trawl_agencies", trawl_id=trawl_id))


@bp.get("/referrals/<int:referral_id>/information")
@web.requires("trawls.view")
def initial_requests(referral_id: int):
    """The referral's initial information requests: each agency's progress and answer."""
    sc = web.current_scope()
    with db.transaction() as s:
        referral = _referral(s, sc, referral_id)
        common.record(s, sc, "trawl.tracker_viewed", object_type="referral",
                      object_id=referral.id, case_id=referral.case_id)  # fmt: skip
        sent = initial.sent_requests(s, sc, referral)
        draft = initial.latest_draft(s, sc, referral)
        now = clock.now()
        return render_template(
            "console/initial_requests.html",
            referral=referral,
            sent=[(t, initial.returns_of(t)) for t in sent],
            draft=draft,
            may_start=initial.may_start(referral) and scope.can(sc.user, "trawls.send"),
            status=lambda req: tracking.request_status(req, now),
        )


@bp.route("/trawls/<int:trawl_id>/meeting", methods=["GET", "POST"])
@web.requires("trawls.send")
def trawl_meeting(trawl_id: int):
    """Invite the agencies to the scoping meeting (optional): from the draft's check page."""
    sc = web.current_scope()
    s = db.Sessions()
    trawl = common.found(s, sc, Trawl, trawl_id)
    if trawl.status is not TrawlStatus.DRAFT:
        abort(404)
    form = MeetingForm()
    if form.validate_on_submit():
        with db.transaction() as t:
            row = common.found(t, sc, Trawl, trawl_id)
            if row.status is TrawlStatus.DRAFT:
                for name, value in cleaned(form).items():
                    setattr(row, name, value)
        return redirect(url_for("console.trawl_check", trawl_id=trawl_id))
    if not form.is_submitted():
        form.process(
            data={
                "meeting_date": date_parts(trawl.meeting_date),
                "meeting_time": trawl.meeting_time or "",
                "meeting_place": trawl.meeting_place or "",
            }
        )
    return render_template(
        "console/trawl_meeting.html",
        trawl=trawl,
        case=initial.case_of(s, trawl),
        form=form,
        back={"text": "Back", "href": url_for("console.trawl_check", trawl_id=trawl.id)},
    ), (400 if form.errors else 200)


def information(s, sc, referral: Referral) -> dict:  # noqa: ANN001
    """What the referral's pages show of its initial requests (``referral/_information``)."""
    now = clock.now()
    return {
        "information": [(t, initial.returns_of(t)) for t in initial.sent_requests(s, sc, referral)],
        "information_status": lambda req: tracking.request_status(req, now),
        "may_ask": initial.may_start(referral) and scope.can(sc.user, "trawls.send"),
    }
