"""Console: sending a case's collated summary to chosen secure recipients (the sub-group).

The officer ticks who gets it (the partnership's inboxes, the case's chairs, its panel members,
the agencies' contacts) or types addresses, adds a covering note, checks, and sends: one email
per recipient with the summary PDF, and one audit event for the send. Only secure addresses can
be chosen; what was entered is kept on every page until it is sent (the check page carries it
in its form), and the send checks it all again.

The work is in ``service.summaries.delivery``; every row is read through the user's Scope.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from forms import summary as summary_forms
from mail import outbox, routing
from service import db
from service.auth import identity, scope, web
from service.models import Case, Message, Partnership
from service.summaries import cache, delivery, documents
from service.views.console import bp, common

#: The collated summary page, when the console has one.
SUMMARY_ENDPOINT = "console.summary"


def summary_url(case_id: int) -> str:
    """The case's summary page (the case page until there is one)."""
    if SUMMARY_ENDPOINT in current_app.view_functions:
        return url_for(SUMMARY_ENDPOINT, case_id=case_id)
    return url_for("console.case", case_id=case_id)


def _case(s: Session, sc: scope.Scope, case_id: int) -> Case:
    return common.found(s, sc, Case, case_id)


def _partnership(s: Session, sc: scope.Scope) -> Partnership:
    return common.found(s, sc, Partnership, sc.user.partnership_id)


def _form(s: Session, sc: scope.Scope, case: Case) -> summary_forms.SendForm:
    form = summary_forms.SendForm()
    form.partnership = _partnership(s, sc)
    form.offered = delivery.candidates(s, form.partnership, case)
    form.choose = delivery.choose
    return form


def _choose_page(case: Case, form: summary_forms.SendForm, status: int = 200):
    return render_template(
        "console/summary_send.html",
        case=case,
        form=form,
        secure=[c for c in form.offered if c.secure],
        insecure=[c for c in form.offered if not c.secure],
        secure_domains=form.partnership.secure_domains,
        back={"text": "Back to the summary", "href": summary_url(case.id)},
    ), status


@bp.route("/cases/<int:case_id>/summary/send", methods=["GET", "POST"])
@web.requires("summaries.send")
def summary_send(case_id: int):
    """Choose who gets the summary; a good choice goes on to the check page."""
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    form = _form(s, sc, case)
    if request.method == "POST" and request.form.get("change"):
        # Back from the check page, with what was chosen (CSRFProtect has checked the token).
        return _choose_page(case, form)
    if not form.validate_on_submit():
        return _choose_page(case, form, 400 if form.errors else 200)
    by_address = {c.address.casefold(): c for c in form.offered}
    chosen = [
        {
            "address": address,
            "name": by_address[address.casefold()].name if address.casefold() in by_address
            else None,
            "described_as": by_address[address.casefold()].described_as
            if address.casefold() in by_address else "Typed in",
        }
        for address in form.chosen.addresses
    ]  # fmt: skip
    cache.prepare(case.id)  # ready, or being made, by the time the officer confirms
    return render_template(
        "console/summary_send_check.html",
        case=case,
        form=form,
        chosen=chosen,
        subject=routing.subject(
            delivery.SUB_GROUP.title, case.reference, partnership=form.partnership
        ),
        filename=documents.pdf_filename(case),
        back={"text": "Back", "href": url_for("console.summary_send", case_id=case.id)},
    )


@bp.post("/cases/<int:case_id>/summary/send/confirm")
@web.requires("summaries.send")
def summary_send_confirm(case_id: int):
    """Send the summary to each recipient checked, in one transaction, and audit it."""
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    form = _form(s, sc, case)
    if not form.validate_on_submit():
        return _choose_page(case, form, 400)
    data = summary_forms.clean(form)
    pdf = cache.prepare(case.id)  # the kept PDF, made before the transaction
    if pdf is None:
        return render_template(
            "console/summary_preparing.html", case=case, refresh_seconds=0,
            back={"text": "Back", "href": url_for("console.summary_send", case_id=case.id)},
        )  # fmt: skip
    try:
        with db.transaction() as t:
            case = _case(t, sc, case_id)
            sent = delivery.send_to_sub_group(
                t, case, _partnership(t, sc), data["addresses"], note=data["note"],
                actor=identity.actor_of(sc.user), client_address=web.client_address(),
                pdf=pdf,
            )  # fmt: skip
    except (routing.RoutingError, outbox.MessageRefused) as exc:
        # The allowlist changed since the check page: say so on the choosing page.
        form.other_addresses.errors = [str(exc)]
        return _choose_page(_case(s, sc, case_id), form, 400)
    return redirect(url_for("console.summary_sent", case_id=case_id, event=sent.event_id))


@bp.get("/cases/<int:case_id>/summary/sent")
@web.requires("summaries.send")
def summary_sent(case_id: int):
    """Who a send went to, and where each email has got to."""
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    event = delivery.sent_event(s, case, request.args.get("event"))
    if event is None or sc.get(s, type(event), event.id) is None:
        return redirect(summary_url(case.id))
    ids = [str(i) for i in (event.detail or {}).get("messages", [])]
    messages = list(s.scalars(sc.select(Message, Message.id.in_(ids)))) if ids else []
    messages.sort(key=lambda m: ids.index(m.id))
    return render_template(
        "console/summary_send_sent.html",
        case=case,
        messages=messages,
        sent_at=event.at,
        summary_href=summary_url(case.id),
    )
