"""Console: "Send again to a corrected address", for an email that bounced, where it is listed:
a panel member's (their address is corrected), a consent request's sent by email (the address
the family gave is corrected), or one email of a "send to sub-group".

One page for each: what bounced, and the new address (its format and the secure-recipient
policy checked, the error summary on bad input). The work and its audit are the domain's:
``service.panels.bounces``, ``service.consent.bounces``, ``mail.bounces.resend``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from forms.send_again import CorrectedAddressForm
from mail.bounces import resend
from service import db
from service.auth import web
from service.consent import bounces as consent_bounces
from service.consent.requests import RequestRefused
from service.models import Case, ConsentRequest, Message, PanelMember
from service.panels import bounces as panel_bounces
from service.panels.members import MemberRefused
from service.summaries import delivery
from service.views.console import bp, common


def _correct(form, page: dict, change, refused: type[Exception], waiting):  # noqa: ANN001, ANN202
    """The page's one flow: on a valid POST ``change(tx, address)`` sends again in one
    transaction and says what it did (the flash), or ``refused`` says why not, beside the
    field; otherwise the page, while ``waiting()`` lists what bounced."""
    if form.validate_on_submit():
        try:
            with db.transaction() as tx:
                done = change(tx, form.email.data)
        except refused as exc:
            form.email.errors = [*form.email.errors, str(exc)]
        else:
            flash(done, "success")
            return redirect(page["back"])
    bounced = waiting()
    if not bounced and not form.errors:
        return redirect(page["back"])
    return render_template(
        "console/send_again_address.html", form=form, bounced=bounced, **page
    ), 400 if form.errors else 200


# --- panel members -------------------------------------------------------------------------------


@bp.route("/panel-members/<int:member_id>/send-again", methods=["GET", "POST"])
@web.requires("panels.manage")
def panel_member_send_again(member_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    member = common.found(s, sc, PanelMember, member_id)
    case = common.found(s, sc, Case, member.case_id)
    name = member.name

    def change(tx, address: str) -> str:  # noqa: ANN001
        row = common.found(tx, sc, PanelMember, member_id)
        sent = panel_bounces.correct_address(
            tx, tx.get(Case, row.case_id), row, address,
            actor=common.actor(sc), client_address=web.client_address(),
        )  # fmt: skip
        return f"{_emails(len(sent))} sent again to {name}’s corrected address"

    page = {
        "case": case,
        "who": f"{member.name}, panel member",
        "back": url_for("console.panel", case_id=case.id),
        "hint": "A secure address on one of the partnership’s secure domains: members are "
        "sent case papers. It becomes the member’s address.",
    }
    return _correct(
        CorrectedAddressForm(), page, change, MemberRefused,
        lambda: panel_bounces.waiting(db.Sessions(), case, member),
    )  # fmt: skip


# --- consent requests sent by email -------------------------------------------------------------


@bp.route("/consent/<int:consent_id>/send-again", methods=["GET", "POST"])
@web.requires("consent.request")
def consent_send_again(consent_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    req = common.found(s, sc, ConsentRequest, consent_id)
    case = common.found(s, sc, Case, req.case_id)
    name = req.name

    def change(tx, address: str) -> str:  # noqa: ANN001
        row = common.found(tx, sc, ConsentRequest, consent_id)
        consent_bounces.correct_address(
            tx, tx.get(Case, row.case_id), row, address,
            actor=common.actor(sc), client_address=web.client_address(),
        )  # fmt: skip
        return f"The email was sent again to {name}’s corrected address"

    page = {
        "case": case,
        "who": f"{req.name}, asked for consent",
        "back": url_for("console.consent_request", consent_id=req.id),
        "hint": "The address the family member gave. It becomes the request’s address; the "
        "email goes again with the same link.",
    }
    return _correct(
        CorrectedAddressForm(), page, change, RequestRefused,
        lambda: consent_bounces.waiting(db.Sessions(), case, req),
    )  # fmt: skip


# --- one email of a "send to sub-group" ---------------------------------------------------------


@bp.route("/cases/<int:case_id>/summary/sent/<message_id>/send-again", methods=["GET", "POST"])
@web.requires("summaries.send")
def summary_send_again(case_id: int, message_id: str):
    sc = web.current_scope()
    s = db.Sessions()
    case = common.found(s, sc, Case, case_id)
    message = common.found(s, sc, Message, message_id)
    if message.purpose != delivery.SUB_GROUP.name or message.reference != case.reference:
        abort(404)

    def change(tx, address: str) -> str:  # noqa: ANN001
        resend.send_again(
            tx, common.found(tx, sc, Message, message_id), address,
            actor=common.actor(sc), client_address=web.client_address(),
            case_id=case.id, secure_only=True,
        )  # fmt: skip
        return "The summary was sent again to the corrected address"

    def waiting() -> list:
        found = resend.bounced(db.Sessions(), [message.id]).get(message.id)
        return [found] if found is not None and found.resent is None else []

    page = {
        "case": case,
        "who": "the collated summary, sent to the sub-group",
        "back": url_for(
            "console.summary_sent", case_id=case.id, event=request.args.get("event", "")
        ),
        "hint": "A secure address on one of the partnership’s secure domains: the email "
        "carries the summary.",
    }
    return _correct(CorrectedAddressForm(), page, change, resend.Refused, waiting)


def _emails(count: int) -> str:
    return "1 email" if count == 1 else f"{count} emails"


# --- for the pages that list them ----------------------------------------------------------------


@bp.app_template_global("bounced_panel_members")
def bounced_panel_members(case: Case, listed: list[PanelMember]) -> dict[int, resend.Bounced]:
    """The panel page's members whose email bounced and was not sent again, by member id."""
    return panel_bounces.bounced_members(db.Sessions(), case, list(listed))


@bp.app_template_global("bounced_consent_requests")
def bounced_consent_requests(case: Case, listed: list[ConsentRequest]) -> dict[int, resend.Bounced]:
    """The consent pages' requests whose email bounced and was not sent again, by id."""
    return consent_bounces.bounced_requests(db.Sessions(), case, list(listed))


@bp.app_template_global("bounced_messages")
def bounced_messages(messages: list[Message]) -> dict[str, resend.Bounced]:
    """Which of the listed messages bounced (and, if so, whether and where they went again)."""
    return resend.bounced(db.Sessions(), [m.id for m in messages])
