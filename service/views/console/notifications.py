"""Console: after the decision on a referral. What must be sent and by when, each notification's
draft (edit, preview, send once), the report deadline and an agreed new date. Every view of the
page is audited, as the referral's own pages are; the dashboard counts what is overdue."""

from __future__ import annotations

from collections.abc import Iterator

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from forms import after_decision as catalogue
from service import clock, db
from service.auth import scope, web
from service.models import (
    Case,
    DecisionNotification,
    NotificationStatus,
    Referral,
    ReferralStatus,
    ReviewProgress,
)
from service.reviews import drafting, notifications, overview, timescales
from service.views.console import bp, common
from service.views.console.dashboard import Item, attention_item, count


def referral_of(s: Session, sc: scope.Scope, referral_id: int) -> Referral:
    referral = common.found(s, sc, Referral, referral_id)
    if referral.status is ReferralStatus.DRAFT:
        abort(404)
    return referral


def viewed(s: Session, sc: scope.Scope, referral: Referral, page: str) -> None:
    common.record(s, sc, "referral.viewed", object_type="referral", object_id=referral.id,
                  case_id=referral.case_id, page=page)  # fmt: skip


@bp.get("/referrals/<int:referral_id>/after-decision")
@web.requires("referrals.view")
def after_decision(referral_id: int):
    sc = web.current_scope()
    with db.transaction() as s:
        referral = referral_of(s, sc, referral_id)
        viewed(s, sc, referral, "after-decision")
    case = sc.get(s, Case, referral.case_id) if referral.case_id else None
    return render_template(
        "console/after_decision.html",
        referral=referral,
        case=case,
        after=overview.for_referral(s, referral, case),
        names=drafting.RECIPIENT_NAMES,
    )


def _notification(s: Session, sc: scope.Scope, notification_id: int) -> DecisionNotification:
    found = common.found(s, sc, DecisionNotification, notification_id)
    if found.status is NotificationStatus.WITHDRAWN:
        abort(404)
    return found


def _viewed_notification(sc: scope.Scope, notification_id: int, page: str) -> DecisionNotification:
    """The notification, its view written to the audit trail (it carries case details)."""
    with db.transaction() as s:
        n = _notification(s, sc, notification_id)
        common.record(s, sc, "notification.viewed", object_type="notification",
                      object_id=n.id, case_id=n.case_id, page=page)  # fmt: skip
    return n


def _page(s: Session, n: DecisionNotification, template: str, **context):
    referral = s.get(Referral, n.referral_id)
    return render_template(
        template,
        notification=n,
        referral=referral,
        reference=notifications.reference_of(s, referral),
        recipient=drafting.RECIPIENT_NAMES[n.kind],
        **context,
    )


@bp.route("/notifications/<int:notification_id>", methods=["GET", "POST"])
@web.requires("notifications.view")
def notification(notification_id: int):
    """A notification: its draft to edit (officers), or the text that was sent."""
    sc = web.current_scope()
    s = db.Sessions()
    n = _notification(s, sc, notification_id)
    form = catalogue.NotificationForm()
    if request.method == "POST":
        if not scope.can(sc.user, "notifications.send"):
            abort(403)
        if form.validate_on_submit():
            try:
                with db.transaction() as s:
                    n = _notification(s, sc, notification_id)
                    notifications.edit(s, n, form.body.data, actor=common.actor(sc),
                                       client_address=web.client_address())  # fmt: skip
            except notifications.NotificationRefused as exc:
                form.body.errors = [str(exc)]
            else:
                return redirect(url_for("console.notification_preview", notification_id=n.id))
    else:
        n = _viewed_notification(sc, notification_id, "text")
        form.body.data = notifications.current_body(s, n)
    return _page(s, n, "console/notification.html", form=form)


@bp.get("/notifications/<int:notification_id>/preview")
@web.requires("notifications.view")
def notification_preview(notification_id: int):
    """The email as it will go: subject, recipients (with the policy's verdict) and text."""
    sc = web.current_scope()
    s = db.Sessions()
    n = _viewed_notification(sc, notification_id, "preview")
    return _page(s, n, "console/notification_preview.html", preview=notifications.preview(s, n))


@bp.post("/notifications/<int:notification_id>/send")
@web.requires("notifications.send")
def notification_send(notification_id: int):
    sc = web.current_scope()
    try:
        with db.transaction() as s:
            n = _notification(s, sc, notification_id)
            notifications.send(s, n, actor=common.actor(sc), client_address=web.client_address())
            referral_id, kind = n.referral_id, n.kind
    except notifications.NotificationRefused as exc:
        flash(str(exc), "important")
        return redirect(url_for("console.notification_preview", notification_id=notification_id))
    flash(f"The notification to {drafting.RECIPIENT_NAMES[kind]} has been sent", "success")
    return redirect(url_for("console.after_decision", referral_id=referral_id))


@bp.route("/referrals/<int:referral_id>/report-date", methods=["GET", "POST"])
@web.requires("notifications.send")
def report_date(referral_id: int):
    """An agreed new date for the overview report, with the reason."""
    sc = web.current_scope()
    s = db.Sessions()
    referral = referral_of(s, sc, referral_id)
    progress = timescales.progress_of(s, referral.id)
    if progress is None or progress.outcome != "yes":
        abort(404)
    form = catalogue.ReportDateForm()
    if form.validate_on_submit():
        try:
            with db.transaction() as s:
                referral = referral_of(s, sc, referral_id)
                progress = timescales.progress_of(s, referral.id)
                timescales.record_report_date(
                    s, progress, sc.user.partnership, **catalogue.clean_report_date(form),
                    actor=common.actor(sc), client_address=web.client_address(),
                )  # fmt: skip
        except timescales.TimescaleRefused as exc:
            form.due_on.errors = [str(exc)]
        else:
            flash("The new date for the overview report has been recorded", "success")
            return redirect(url_for("console.after_decision", referral_id=referral_id))
    return render_template(
        "console/report_date.html", referral=referral, progress=progress, form=form
    )


# --- the case page and the dashboard ------------------------------------------------------------


@bp.context_processor
def _after_decision_context() -> dict[str, object]:
    return {"after_decision_of": after_decision_of}


def after_decision_of(case: Case) -> overview.AfterDecision | None:
    """For the case page (the case already read through the Scope)."""
    user = web.current_user()
    if user is None or not scope.can(user, "notifications.view"):
        return None
    s = db.Sessions()
    referral = overview.referral_of_case(s, case)
    return overview.for_referral(s, referral, case) if referral else None


@attention_item("notifications.view")
def _overdue(s: Session, sc: scope.Scope) -> Iterator[Item]:
    today = clock.london_date(clock.now())
    yield Item(
        count(s, sc, DecisionNotification, *notifications.overdue_criteria(today)),
        "notification of a decision past its deadline and not sent",
        "notifications of decisions past their deadline and not sent",
        url_for("console.referrals" if scope.can(sc.user, "referrals.view") else "console.cases"),
    )
    for state, singular, plural in (
        ("overdue", "overview report overdue", "overview reports overdue"),
        ("soon", "overview report due within 8 weeks", "overview reports due within 8 weeks"),
    ):
        yield Item(
            count(s, sc, ReviewProgress, *timescales.report_criteria(state, today)),
            singular,
            plural,
            url_for("console.cases"),
        )
