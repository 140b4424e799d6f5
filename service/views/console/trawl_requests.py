"""Console: a case's trawl tracker and each agency's request. Everyone who can read the case
reads the tracker and the returns, and every view of them is audited; officers resend, revoke
or renew a request's link and decide its requests for more time.

An initial information request (``service.trawls.initial``) has the same pages before there
is a case: they name its referral and lead back to the referral's information requests.

The work is in ``service.trawls.tracking``; every row is read through the user's Scope.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session

from forms import trawl as trawl_forms
from forms import trawl_return
from forms.trawl import ExtensionDecisionForm
from service import clock, db
from service.auth import scope, web
from service.models import Case, Partnership, Referral, TrawlRequest
from service.requests import bounces
from service.trawls import extensions, initial, sending, tracking
from service.views.console import bp, common

_record = common.record


def _request(s: Session, sc: scope.Scope, request_id: int) -> TrawlRequest:
    return common.found(s, sc, TrawlRequest, request_id)


def _case(s: Session, sc: scope.Scope, req: TrawlRequest) -> Case | initial.Considering:
    """The request's case or, before there is one, the referral standing for it: either found
    through the Scope, so another partnership's request ends with 404."""
    if req.case_id is not None:
        return common.found(s, sc, Case, req.case_id)
    common.found(s, sc, Referral, req.trawl.referral_id)
    return initial.case_of(s, req)


def _about(case: Case | initial.Considering) -> dict[str, object]:
    """What the request's pages say it belongs to, and where their back link goes: the case's
    trawls, or the referral's information requests."""
    if case.id is None:
        return {
            "caption": f"Information request for referral {case.reference}",
            "tracker": {
                "text": "Back to the information requests",
                "href": url_for("console.initial_requests", referral_id=case.referral_id),
            },
        }
    return {
        "caption": f"Trawl for {case.reference}",
        "tracker": {
            "text": "Back to the trawls",
            "href": url_for("console.trawls", case_id=case.id),
        },
    }


@bp.get("/cases/<int:case_id>/trawls")
@web.requires("trawls.view")
def trawls(case_id: int):
    """Every trawl of the case and each agency's progress. Audited."""
    sc = web.current_scope()
    with db.transaction() as s:
        case = common.found(s, sc, Case, case_id)
        _record(s, sc, "trawl.tracker_viewed", object_type="case", object_id=case.id,
                case_id=case.id)  # fmt: skip
    found = tracking.tracker(s, sc, case)
    bounced = bounces.states(s, sending.TRAWL, [r for rs in found.requests.values() for r in rs])
    return render_template(
        "console/trawls.html",
        case=case,
        sent=found.sent,
        drafts=found.drafts,
        requests=found.requests,
        status=lambda req, now=None: tracking.request_status(req, now, bounced.get(req.id)),
        days_taken=tracking.days_taken,
        now=clock.now(),
    )


def _request_page(request_id: int, form: ExtensionDecisionForm | None = None, status: int = 200):
    """One agency's request, its returns and its requests for more time. Audited."""
    sc = web.current_scope()
    with db.transaction() as s:
        req = _request(s, sc, request_id)
        case = _case(s, sc, req)
        _record(s, sc, "trawl.request_viewed", object_type="trawl_request", object_id=req.id,
                case_id=req.case_id, referral_id=req.trawl.referral_id)  # fmt: skip
    detail = tracking.request_detail(s, sc, req)
    if detail is None:
        abort(404)
    can_manage = scope.can(sc.user, "trawls.manage")
    bounced = bounces.standing(bounces.of(s, sending.TRAWL, req), req.agency)
    if detail.pending is not None and can_manage and form is None:
        form = ExtensionDecisionForm()
    return render_template(
        "console/trawl_request.html",
        req=req,
        **_about(case),
        trawl=detail.trawl,
        agency=req.agency,
        people=detail.people,
        versions=[
            (ret, trawl_return.answer_parts(ret.answers or {}, detail.people))
            for ret in detail.returns
        ],
        extensions=detail.extensions,
        pending=detail.pending,
        form=form if detail.pending is not None and can_manage else None,
        status=tracking.request_status(req, bounced=bounced),
        bounced=bounced,
        days=tracking.days_taken(req),
        link_expires=detail.link_expires,
    ), status


@bp.get("/trawl-requests/<int:request_id>")
@web.requires("trawls.view")
def trawl_request(request_id: int):
    return _request_page(request_id)


def _act(request_id: int, action: str, change: Callable[[Session, TrawlRequest], None],
         message: str):  # fmt: skip
    sc = web.current_scope()
    with db.transaction() as s:
        req = _request(s, sc, request_id)
        _case(s, sc, req)  # its case, or its referral, must be the user's too
        change(s, req)
        _record(s, sc, action, object_type="trawl_request", object_id=req.id,
                case_id=req.case_id, referral_id=req.trawl.referral_id)  # fmt: skip
        withheld = req.link_withheld
    flash(message, "success")
    if withheld:
        flash(
            "This agency has no secure email address: it gets a notice without the link. "
            "Add a secure address to the agency, then send the link again.",
            "important",
        )
    return redirect(url_for("console.trawl_request", request_id=request_id))


def _send_again(new_link: bool) -> Callable[[Session, TrawlRequest], None]:
    def change(s: Session, req: TrawlRequest) -> None:
        sc = web.current_scope()
        tracking.send_link_again(
            s,
            req,
            partnership=common.found(s, sc, Partnership, sc.user.partnership_id),
            case=_case(s, sc, req),
            actor=common.actor(sc),
            new_link=new_link,
        )

    return change


@bp.post("/trawl-requests/<int:request_id>/resend")
@web.requires("trawls.manage")
def trawl_request_resend(request_id: int):
    return _act(request_id, "trawl.link_resent", _send_again(False), "The link has been sent again")


@bp.post("/trawl-requests/<int:request_id>/new-link")
@web.requires("trawls.manage")
def trawl_request_new_link(request_id: int):
    return _act(
        request_id,
        "trawl.link_reissued",
        _send_again(True),
        "A new link has been sent. The old link no longer works.",
    )


@bp.get("/trawl-requests/<int:request_id>/revoke")
@web.requires("trawls.manage")
def trawl_request_revoke_confirm(request_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    req = _request(s, sc, request_id)
    about = _about(_case(s, sc, req))
    return render_template("console/trawl_revoke.html", req=req, agency=req.agency, **about)


@bp.post("/trawl-requests/<int:request_id>/revoke")
@web.requires("trawls.manage")
def trawl_request_revoke(request_id: int):
    return _act(
        request_id,
        "trawl.link_revoked",
        tracking.revoke_link,
        "The link has been revoked. It no longer works. Issue a new link to send the agency one.",
    )


@bp.post("/trawl-requests/<int:request_id>/extension")
@web.requires("trawls.manage")
def trawl_request_extension(request_id: int):
    """Approve or refuse the agency's waiting request for more time."""
    sc = web.current_scope()
    form = ExtensionDecisionForm()
    if not form.validate_on_submit():
        return _request_page(request_id, form, 400)
    decision = trawl_forms.clean_decision(form)
    try:
        with db.transaction() as s:
            req = _request(s, sc, request_id)
            _case(s, sc, req)
            tracking.decide_extension(
                s, sc, req, actor=common.actor(sc), user_id=sc.user.id,
                client_address=web.client_address(), **decision,
            )  # fmt: skip
            due = req.due_date
    except extensions.ExtensionRefused as exc:
        flash(str(exc), "important")
        return redirect(url_for("console.trawl_request", request_id=request_id))
    if decision["approve"]:
        flash(f"Extension approved: the return is now due on {clock.long_date(due)}", "success")
    else:
        flash("Extension refused: the due date has not changed", "success")
    return redirect(url_for("console.trawl_request", request_id=request_id))
