"""Console: the partnership's agencies, and adding or changing one.

The views parse the form, call ``service.agencies.save`` and render; every row is read through
the user's Scope, so another partnership's agency is not found (404).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func

from forms.agency import AgencyForm, AgencySchema, clean
from mail import policy, routing
from service import agencies as work
from service import db, i18n
from service.auth import scope, web
from service.models import Agency, InsecureRecipientAction, Partnership
from service.requests import bounces, resending
from service.views.console import bp

#: What the mail policy does with sensitive content for an address outside the allowlist.
INSECURE_OUTCOME = {
    InsecureRecipientAction.NOTICE: "Other addresses are sent a notice without the content.",
    InsecureRecipientAction.HOLD: (
        "Messages for other addresses are held for the DHR officer to decide."
    ),
}


def _partnership(sc: scope.Scope) -> Partnership:
    partnership = sc.get(db.Sessions(), Partnership, sc.user.partnership_id)
    if partnership is None:
        abort(404)
    return partnership


@bp.get("/agencies")
@web.requires("agencies.view")
def agencies():
    sc = web.current_scope()
    partnership = _partnership(sc)
    rows = db.Sessions().scalars(sc.select(Agency).order_by(func.lower(Agency.name), Agency.id))

    def is_secure(address: str) -> bool:
        try:
            return policy.is_secure(partnership, address)
        except policy.InvalidAddress:
            return False

    rows = list(rows)
    languages = list(partnership.languages or ())
    return render_template(
        "console/agencies.html",
        agencies=rows,
        is_secure=is_secure,
        # The language of each agency's emails, shown where the partnership offers more than one.
        language_of=(
            (lambda agency: i18n.NAMES[routing.agency_language(partnership, agency)])
            if len(languages) > 1
            else None
        ),
        bounced=bounces.agency_bounces(db.Sessions(), rows),
    )


@bp.route("/agencies/new", methods=["GET", "POST"])
@web.requires("agencies.edit")
def agency_new():
    return _agency_page(None)


@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@web.requires("agencies.edit")
def agency_edit(agency_id: int):
    return _agency_page(agency_id)


def _agency_page(agency_id: int | None):
    sc = web.current_scope()
    partnership = _partnership(sc)
    # The language of its emails is asked only where the partnership offers more than one.
    form = AgencyForm(languages=list(partnership.languages or ()))
    if form.validate_on_submit():
        try:
            with db.transaction() as s:
                saved = work.save(
                    s, sc, clean(form), agency_id=agency_id, client_address=web.client_address()
                )
                name, insecure = saved.agency.name, len(saved.insecure_addresses)
                new_id = saved.agency.id
                action = saved.partnership.insecure_recipient_action
                # A request that bounced may now go to a corrected address: the officer
                # confirms it, and whether its due date restarts, on the next page.
                send_again = agency_id is not None and bool(resending.waiting(s, saved.agency))
        except work.AgencyNotFound:
            abort(404)
        except work.DuplicateName as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"{name} saved", "success")
            if insecure:
                flash(_insecure_warning(name, insecure, action), "important")
            back = _return_to()
            if send_again:
                carry = {"next": back} if back else {}
                return redirect(url_for("console.agency_send_again", agency_id=new_id, **carry))
            if back and agency_id is None:  # added from another page (a trawl): back there
                sep = "&" if "?" in back else "?"
                return redirect(f"{back}{sep}{urlencode({'added': new_id})}")
            return redirect(back or url_for("console.agencies"))

    agency = None
    if agency_id is not None:
        agency = sc.get(db.Sessions(), Agency, agency_id)
        if agency is None:
            abort(404)
        if not form.is_submitted():
            form.process(data=AgencySchema().dump(agency))
    if form.language is not None and not form.is_submitted():
        # An agency that has not chosen has the partnership's first language, and so does a
        # new one unless the officer chooses otherwise.
        form.language.data = routing.agency_language(partnership, agency)
    return render_template(
        "console/agency_form.html",
        form=form,
        agency=agency,
        heading="Add an agency" if agency is None else f"Change {agency.name}",
        insecure=work.insecure_addresses(partnership, agency) if agency else [],
        bounced=bounces.agency_bounces(db.Sessions(), [agency]).get(agency.id, {})
        if agency
        else {},
        secure_domains=partnership.secure_domains,
        insecure_outcome=INSECURE_OUTCOME[partnership.insecure_recipient_action],
        back_to=_return_to(),
    )


def _return_to() -> str | None:
    """The console page that sent the officer here (``?next=``): only a path in the console."""
    target = request.args.get("next") or ""
    if (
        target.startswith("/console/")
        and "//" not in target
        and ".." not in target
        and "\\" not in target
        and not any(ord(c) < 32 for c in target)
    ):
        return target
    return None


def _insecure_warning(name: str, count: int, action: InsecureRecipientAction) -> str:
    """The banner after saving an agency with addresses outside the allowlist. It names no
    address: flashed messages travel in the session cookie."""
    it = "it" if count == 1 else "them"
    addresses = "1 email address" if count == 1 else f"{count} email addresses"
    if action is InsecureRecipientAction.HOLD:
        outcome = f"messages for {it} are held for the DHR officer to decide"
    else:
        outcome = f"{it} {'is' if count == 1 else 'are'} sent a notice without the content instead"
    return (
        f"{name} has {addresses} not on the partnership's secure domains. Sensitive content "
        f"will not be sent to {it}: {outcome}."
    )
