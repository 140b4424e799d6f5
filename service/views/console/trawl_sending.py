"""Console: sending a case's trawl. The officer starts a draft (or carries on with it), chooses
agencies and people, sets the scoping period and a note, checks a preview of the email, then
sends it: one request, link and email per agency.

The work is in ``service.trawls.drafting`` and ``service.trawls.sending``; every row is read
through the user's Scope.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from forms import trawl as trawl_forms
from forms.trawl import AgenciesForm, NoteForm, PeopleForm, PersonForm, ScopeForm, date_parts
from service import clock, db
from service.auth import scope, web
from service.models import (
    Case,
    CaseStatus,
    InsecureRecipientAction,
    Partnership,
    Referral,
    Trawl,
    TrawlStatus,
)
from service.requests import bounces
from service.trawls import drafting, initial, schedule, sending
from service.trawls.sending import role_text
from service.views.console import bp, common

#: The draft's pages, in order; "Continue" on each goes to the next.
STEPS = ["agencies", "people", "scope", "note", "check"]

_record = common.record


def _partnership(s: Session, sc: scope.Scope) -> Partnership:
    return common.found(s, sc, Partnership, sc.user.partnership_id)


def _draft(s: Session, sc: scope.Scope, trawl_id: int) -> tuple[Trawl, Case]:
    """A draft trawl the user may see, and its case; a sent one goes to the tracker."""
    trawl = common.found(s, sc, Trawl, trawl_id)
    if trawl.case_id is None:  # an initial information request: its referral's
        case = initial.case_of(s, trawl)
    else:
        case = common.found(s, sc, Case, trawl.case_id)
    if trawl.status is not TrawlStatus.DRAFT:
        flash("This trawl has been sent", "important")
        abort(redirect(_tracker(trawl)))
    return trawl, case


def _tracker(trawl: Trawl) -> str:
    """Where a trawl's requests are followed: its case's trawls, or its referral's requests."""
    if trawl.case_id is None:
        return url_for("console.initial_requests", referral_id=trawl.referral_id)
    return url_for("console.trawls", case_id=trawl.case_id)


def _ticked_ids(values: list[str] | None) -> list[int]:
    return [int(v) for v in values or () if str(v).isdigit() and len(str(v)) < 12]


@bp.post("/cases/<int:case_id>/trawls/new")
@web.requires("trawls.send")
def trawl_new(case_id: int):
    """Start a trawl of the case (or carry on with its draft)."""
    sc = web.current_scope()
    with db.transaction() as s:
        case = common.found(s, sc, Case, case_id)
        if case.status is not CaseStatus.OPEN:
            flash("This case is closed: a trawl cannot be started", "important")
            return redirect(url_for("console.trawls", case_id=case.id))
        draft = drafting.latest_draft(s, sc, case)
        if draft is None:
            draft = sending.start(s, case, created_by=sc.user.id)
            _record(s, sc, "trawl.draft_started", object_type="trawl", object_id=draft.id,
                    case_id=case.id)  # fmt: skip
        trawl_id = draft.id
    return redirect(url_for("console.trawl_agencies", trawl_id=trawl_id))


def _next_step(trawl_id: int, step: str) -> Response:
    from_check = request.args.get("from") == "check"
    following = "check" if from_check else STEPS[STEPS.index(step) + 1]
    return redirect(url_for(f"console.trawl_{following}", trawl_id=trawl_id))


def _back_link(trawl: Trawl, step: str) -> dict[str, str]:
    if request.args.get("from") == "check" or step == "check":
        if step == "check":
            return {"text": "Back", "href": url_for("console.trawl_note", trawl_id=trawl.id)}
        return {"text": "Back", "href": url_for("console.trawl_check", trawl_id=trawl.id)}
    if step == "agencies":
        return {"text": "Back to the trawls", "href": _tracker(trawl)}
    previous = STEPS[STEPS.index(step) - 1]
    return {"text": "Back", "href": url_for(f"console.trawl_{previous}", trawl_id=trawl.id)}


def _carry() -> dict[str, str]:
    """The query string a draft page keeps on its links ("from=check")."""
    return {"from": "check"} if request.args.get("from") == "check" else {}


# --- the draft: agencies and people -------------------------------------------------------------


@bp.route("/trawls/<int:trawl_id>/agencies", methods=["GET", "POST"])
@web.requires("trawls.send")
def trawl_agencies(trawl_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    trawl, case = _draft(s, sc, trawl_id)
    partnership = _partnership(s, sc)
    every = drafting.agencies(s, sc)
    form = AgenciesForm()
    form.agencies.choices = [(str(a.id), a.name) for a in every]
    if form.validate_on_submit():
        wanted = set(_ticked_ids(form.agencies.data))
        chosen = [a.id for a in every if a.id in wanted]
        if chosen:
            with db.transaction() as t:
                trawl, _case_ = _draft(t, sc, trawl_id)
                trawl.agency_ids = chosen
            return _next_step(trawl_id, "agencies")
        form.agencies.errors = [trawl_forms.AGENCIES_REQUIRED]
    elif not form.is_submitted():
        ticked = [str(i) for i in trawl.agency_ids or ()]
        # Back from adding an agency: tick it, for the officer to confirm with "Continue".
        added = request.args.get("added", "")
        if added.isdigit() and any(str(a.id) == added for a in every):
            ticked.append(added)
        form.agencies.data = ticked
    here = url_for("console.trawl_agencies", trawl_id=trawl.id)
    return render_template(
        "console/trawl_agencies.html",
        trawl=trawl,
        case=case,
        form=form,
        agencies=every,
        secure={a.id: sending.has_secure_address(partnership, a) for a in every},
        holds=partnership.insecure_recipient_action is InsecureRecipientAction.HOLD,
        add_agency_url=url_for("console.agency_new", next=here),
        back=_back_link(trawl, "agencies"),
    )


@bp.route("/trawls/<int:trawl_id>/people", methods=["GET", "POST"])
@web.requires("trawls.send")
def trawl_people(trawl_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    trawl, case = _draft(s, sc, trawl_id)
    people = (
        drafting.case_people(s, sc, case)
        if trawl.case_id is not None
        else initial.people(common.found(s, sc, Referral, trawl.referral_id))
    )
    form = PeopleForm()
    form.people.choices = [(str(p.id), p.name) for p in people]
    if form.validate_on_submit():
        wanted = set(_ticked_ids(form.people.data))
        chosen = [p.id for p in people if p.id in wanted]
        if chosen:
            with db.transaction() as t:
                trawl, _case_ = _draft(t, sc, trawl_id)
                trawl.person_ids = chosen
            return _next_step(trawl_id, "people")
        form.people.errors = [trawl_forms.PEOPLE_REQUIRED]
    elif not form.is_submitted():
        form.people.data = [str(i) for i in trawl.person_ids or ()]
    with db.transaction() as t:  # the page names the people
        _record(t, sc, "trawl.draft_viewed", object_type="trawl", object_id=trawl.id,
                case_id=case.id, page="people")  # fmt: skip
    return render_template(
        "console/trawl_people.html",
        trawl=trawl,
        case=case,
        form=form,
        people=people,
        role_text=role_text,
        back=_back_link(trawl, "people"),
        carry=_carry(),
    )


@bp.route("/trawls/<int:trawl_id>/people/add", methods=["GET", "POST"])
@web.requires("trawls.send")
def trawl_person_add(trawl_id: int):
    """Add someone else to the case (a child, a previous partner...) and to this trawl."""
    sc = web.current_scope()
    s = db.Sessions()
    trawl, case = _draft(s, sc, trawl_id)
    if trawl.case_id is None:  # the referral's people: others are added once a case is open
        abort(404)
    form = PersonForm()
    if form.validate_on_submit():
        data = trawl_forms.clean_person(form)
        with db.transaction() as t:
            trawl, case = _draft(t, sc, trawl_id)
            person = drafting.add_person(t, sc, trawl, case, data)
            _record(t, sc, "case.person_added", object_type="case", object_id=case.id,
                    case_id=case.id, person_id=person.id, trawl_id=trawl.id)  # fmt: skip
        flash("The person has been added to the case and to this trawl", "success")
        return redirect(url_for("console.trawl_people", trawl_id=trawl_id, **_carry()))
    return render_template(
        "console/trawl_person.html",
        trawl=trawl,
        case=case,
        form=form,
        back={
            "text": "Back",
            "href": url_for("console.trawl_people", trawl_id=trawl.id, **_carry()),
        },
    )


# --- the draft: scoping period and note ---------------------------------------------------------


@bp.route("/trawls/<int:trawl_id>/scope", methods=["GET", "POST"])
@web.requires("trawls.send")
def trawl_scope(trawl_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    trawl, case = _draft(s, sc, trawl_id)
    form = ScopeForm()
    if form.validate_on_submit():
        data = trawl_forms.clean_scope(form)
        with db.transaction() as t:
            trawl, _case_ = _draft(t, sc, trawl_id)
            trawl.scope_from, trawl.scope_to = data["scope_from"], data["scope_to"]
        return _next_step(trawl_id, "scope")
    if not form.is_submitted():
        starting = {"scope_from": trawl.scope_from, "scope_to": trawl.scope_to}
        form.process(data={name: date_parts(day) for name, day in starting.items()})
    return render_template(
        "console/trawl_scope.html",
        trawl=trawl,
        case=case,
        form=form,
        back=_back_link(trawl, "scope"),
    )


@bp.route("/trawls/<int:trawl_id>/note", methods=["GET", "POST"])
@web.requires("trawls.send")
def trawl_note(trawl_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    trawl, case = _draft(s, sc, trawl_id)
    form = NoteForm()
    if form.validate_on_submit():
        with db.transaction() as t:
            trawl, _case_ = _draft(t, sc, trawl_id)
            trawl.note = form.note.data or None
        return _next_step(trawl_id, "note")
    if not form.is_submitted():
        form.note.data = trawl.note or ""
    return render_template(
        "console/trawl_note.html", trawl=trawl, case=case, form=form, back=_back_link(trawl, "note")
    )


# --- the draft: check, preview and send ---------------------------------------------------------


def _check_page(trawl_id: int, problems: list[tuple[str, str]] | None = None):
    sc = web.current_scope()
    with db.transaction() as s:
        trawl, case = _draft(s, sc, trawl_id)
        _record(s, sc, "trawl.draft_viewed", object_type="trawl", object_id=trawl.id,
                case_id=case.id, page="check")  # fmt: skip
    partnership = _partnership(s, sc)
    ready = sending.check(s, trawl)
    agencies = sending.chosen_agencies(s, trawl)
    insecure = {a.id for a in ready.insecure}
    secure = [a for a in agencies if a.id not in insecure]
    fields = {"agencies": "agencies", "people": "people", "scope_from": "scope"}
    errors = [
        {"text": text, "href": url_for(f"console.trawl_{fields.get(name, 'agencies')}",
                                       trawl_id=trawl.id, **{"from": "check"})}
        for name, text in [*ready.problems, *(problems or [])]
    ]  # fmt: skip
    return render_template(
        "console/trawl_check.html",
        trawl=trawl,
        case=case,
        agencies=agencies,
        insecure=ready.insecure,
        bounced=bounces.agency_bounces(s, agencies),
        people=sending.chosen_people(s, trawl),
        role_text=role_text,
        due_date=schedule.due_date(partnership, clock.now()),
        preview=drafting.preview(case, trawl, partnership, (secure or agencies or [None])[0]),
        holds=partnership.insecure_recipient_action is InsecureRecipientAction.HOLD,
        errors=errors,
        can_send=not ready.problems,
        back=_back_link(trawl, "check"),
    ), (400 if problems else 200)


@bp.get("/trawls/<int:trawl_id>/check")
@web.requires("trawls.send")
def trawl_check(trawl_id: int):
    return _check_page(trawl_id)


@bp.post("/trawls/<int:trawl_id>/send")
@web.requires("trawls.send")
def trawl_send(trawl_id: int):
    """Send the trawl: one request, link and email per agency, in one transaction."""
    sc = web.current_scope()
    s = db.Sessions()
    _draft(s, sc, trawl_id)
    try:
        with db.transaction() as t:
            drafting.lock_for_sending(t, sc, trawl_id)
            trawl, case = _draft(t, sc, trawl_id)
            sent = sending.send(
                t, trawl, actor=common.actor(sc), client_address=web.client_address()
            )
            count, withheld = len(sent), sum(1 for r in sent if r.link_withheld)
            tracker = _tracker(trawl)
    except sending.SendRefused as exc:
        return _check_page(trawl_id, [("agencies", str(exc))])
    agencies = "1 agency" if count == 1 else f"{count} agencies"
    flash(f"Trawl sent to {agencies}", "success")
    if withheld:
        flash(
            f"{withheld} of them {'has' if withheld == 1 else 'have'} no secure email address and "
            "will not get the link until one is added and the link is sent again",
            "important",
        )
    return redirect(tracker)
