"""Console: the letters to the family after the decision. Downloading one (for the family liaison
officer to hand over, or to post) or emailing it to the address a family member gave is recorded
on the case; the "no review" letter waits for the Home Office's reply."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for

from forms import after_decision as catalogue
from service import clock, db
from service.auth import scope, web
from service.models import LetterKind
from service.reviews import letters, timescales
from service.views.console import bp, common
from service.views.console.notifications import referral_of as _referral
from service.views.console.notifications import viewed as _viewed


def _kind(value: str) -> LetterKind:
    try:
        return LetterKind(value.replace("-", "_"))
    except ValueError:
        abort(404)


@bp.route("/referrals/<int:referral_id>/letters", methods=["GET", "POST"])
@web.requires("notifications.view")
def family_letters(referral_id: int):
    """The letters the decision calls for, who they can go to, and what has gone."""
    sc = web.current_scope()
    s = db.Sessions()
    referral = _referral(s, sc, referral_id)
    form = catalogue.HomeOfficeReplyForm()
    if request.method == "POST":
        if not scope.can(sc.user, "notifications.send"):
            abort(403)
        if form.validate_on_submit():
            try:
                with db.transaction() as s:
                    referral = _referral(s, sc, referral_id)
                    reply = catalogue.clean_reply(form)
                    letters.record_home_office_reply(
                        s, timescales.progress_of(s, referral.id),
                        replied_on=reply["replied_on"],
                        flo_agreed_on=clock.london_date(clock.now()),
                        actor=common.actor(sc), client_address=web.client_address(),
                    )  # fmt: skip
            except letters.LetterRefused as exc:
                form.replied_on.errors = [str(exc)]
            else:
                flash("The Home Office's reply has been recorded", "success")
                return redirect(url_for("console.family_letters", referral_id=referral_id))
    else:
        with db.transaction() as s:
            referral = _referral(s, sc, referral_id)
            _viewed(s, sc, referral, "letters")
    progress = timescales.progress_of(s, referral.id)
    return render_template(
        "console/family_letters.html",
        referral=referral,
        progress=progress,
        kinds=letters.kinds_for(s, referral, progress),
        titles=letters.TITLES,
        family=letters.family_of(s, referral),
        sent=letters.sent_letters(s, referral.id),
        form=form,
    )


@bp.get("/referrals/<int:referral_id>/letters/<kind>.pdf")
@web.requires("notifications.send")
def family_letter_pdf(referral_id: int, kind: str):
    sc = web.current_scope()
    letter = _kind(kind)
    try:
        with db.transaction() as s:
            referral = _referral(s, sc, referral_id)
            data = letters.download(
                s, referral, letter, request.args.get("to"),
                actor=common.actor(sc), client_address=web.client_address(),
            )  # fmt: skip
    except letters.LetterRefused as exc:
        flash(str(exc), "important")
        return redirect(url_for("console.family_letters", referral_id=referral_id))
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=letters.filename(letter))  # fmt: skip


@bp.post("/referrals/<int:referral_id>/letters/<kind>/email")
@web.requires("notifications.send")
def family_letter_email(referral_id: int, kind: str):
    sc = web.current_scope()
    letter = _kind(kind)
    try:
        with db.transaction() as s:
            referral = _referral(s, sc, referral_id)
            letters.email(s, referral, letter, request.form.get("to"),
                          actor=common.actor(sc), client_address=web.client_address())  # fmt: skip
    except letters.LetterRefused as exc:
        flash(str(exc), "important")
    else:
        flash("The letter has been emailed", "success")
    return redirect(url_for("console.family_letters", referral_id=referral_id))
