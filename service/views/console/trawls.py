"""Console: the trawl. Officers send a case's trawl (agencies, people, scoping period, note, then
a preview of the email) and manage each agency's request: resend, revoke or renew its link, and
decide its requests for more time. Everyone who can read the case reads its tracker and returns;
every view of them is audited. The statistics page shows how agencies respond across trawls.

The work is in ``service.trawls``; every row is read through the user's Scope.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func
from sqlalchemy.orm import Session, selectinload

from forms import trawl as trawl_forms
from forms import trawl_return
from forms.trawl import (
    AgenciesForm,
    ExtensionDecisionForm,
    NoteForm,
    PeopleForm,
    PersonForm,
    ScopeForm,
    StatisticsPeriodForm,
    date_parts,
)
from mail import render as mail_render
from mail import routing
from service import audit, clock, db, runtime
from service.auth import scope, web
from service.models import (
    Agency,
    Case,
    CasePerson,
    CaseStatus,
    ExtensionStatus,
    InsecureRecipientAction,
    Partnership,
    PersonRole,
    Trawl,
    TrawlExtension,
    TrawlPerson,
    TrawlRequest,
    TrawlReturn,
    TrawlStatus,
)
from service.trawls import extensions, links, messages, schedule, sending
from service.trawls import statistics as response_statistics
from service.trawls.sending import ROLE_LABELS
from service.views.console import bp, common
from service.views.console.audit import safe_cell
from service.workdays import london_date

#: Where the preview shows each agency's own link.
LINK_PLACEHOLDER = "[this agency's own link to the trawl-return form]"
#: The draft's pages, in order; "Continue" on each goes to the next.
STEPS = ["agencies", "people", "scope", "note", "check"]


# --- looking rows up through the Scope ---------------------------------------------------------


_record = common.record


def _case(s: Session, sc: scope.Scope, case_id: int) -> Case:
    return common.found(s, sc, Case, case_id)


def _partnership(s: Session, sc: scope.Scope) -> Partnership:
    partnership = sc.get(s, Partnership, sc.user.partnership_id)
    if partnership is None:
        abort(404)
    return partnership


def _draft(s: Session, sc: scope.Scope, trawl_id: int) -> tuple[Trawl, Case]:
    """A draft trawl the user may see, and its case; a sent one goes to the tracker."""
    trawl = sc.get(s, Trawl, trawl_id)
    if trawl is None:
        abort(404)
    case = _case(s, sc, trawl.case_id)
    if trawl.status is not TrawlStatus.DRAFT:
        flash("This trawl has been sent", "important")
        abort(redirect(url_for("console.trawls", case_id=case.id)))
    return trawl, case


def _request(s: Session, sc: scope.Scope, request_id: int) -> TrawlRequest:
    found = sc.get(s, TrawlRequest, request_id)
    if found is None:
        abort(404)
    return found


def _agencies(s: Session, sc: scope.Scope) -> list[Agency]:
    return list(s.scalars(sc.select(Agency).order_by(func.lower(Agency.name), Agency.id)))


def _case_people(s: Session, sc: scope.Scope, case: Case) -> list[CasePerson]:
    return list(
        s.scalars(
            sc.select(CasePerson, CasePerson.case_id == case.id).order_by(
                CasePerson.position, CasePerson.id
            )
        )
    )


def _ticked_ids(values: list[str] | None) -> list[int]:
    return [int(v) for v in values or () if str(v).isdigit() and len(str(v)) < 12]


def role_text(person: CasePerson) -> str:
    """ "Suspect or perpetrator (Partner)"; someone added later by their relationship alone."""
    label = ROLE_LABELS.get(person.role, str(person.role))
    relation = person.relationship_to_victim
    if not relation:
        return label
    return relation if person.role is PersonRole.OTHER else f"{label} ({relation})"


# --- statuses on the tracker ------------------------------------------------------------------


def request_status(req: TrawlRequest, now: dt.datetime | None = None) -> dict[str, str]:
    """The tracker's status of one agency's request, as a GOV.UK tag."""
    latest = req.latest_return
    if latest is not None:
        if latest.involvement:
            return {"text": "Returned: involvement", "classes": "govuk-tag--green"}
        return {"text": "Returned: no trace", "classes": "govuk-tag--green"}
    if req.pending_extension is not None:
        return {"text": "Extension requested", "classes": "govuk-tag--purple"}
    if req.escalated_at is not None:
        return {"text": "Escalated", "classes": "govuk-tag--red"}
    if req.chasers_sent:
        times = "1 time" if req.chasers_sent == 1 else f"{req.chasers_sent} times"
        return {"text": f"Chased {times}", "classes": "govuk-tag--orange"}
    if schedule.is_overdue(req.due_date, now):
        return {"text": "Overdue", "classes": "govuk-tag--red"}
    return {"text": "Awaiting", "classes": "govuk-tag--blue"}


def days_taken(req: TrawlRequest) -> int | None:
    if req.returned_at is None:
        return None
    return schedule.days_taken(clock.as_utc(req.sent_at), clock.as_utc(req.returned_at))


# --- the tracker --------------------------------------------------------------------------------


@bp.get("/cases/<int:case_id>/trawls")
@web.requires("trawls.view")
def trawls(case_id: int):
    """Every trawl of the case and each agency's progress. Audited."""
    sc = web.current_scope()
    with db.transaction() as s:
        case = _case(s, sc, case_id)
        _record(s, sc, "trawl.tracker_viewed", object_type="case", object_id=case.id,
                case_id=case.id)  # fmt: skip
    rows = list(
        s.scalars(
            sc.select(Trawl, Trawl.case_id == case.id).order_by(
                Trawl.created_at.desc(), Trawl.id.desc()
            )
        )
    )
    sent = [t for t in rows if t.status is TrawlStatus.SENT]
    drafts = [t for t in rows if t.status is TrawlStatus.DRAFT]
    requests: dict[int, list[TrawlRequest]] = {t.id: [] for t in sent}
    if sent:
        # The agency of each request is the request's own (same partnership, by sending).
        for req in s.scalars(
            sc.select(TrawlRequest, TrawlRequest.trawl_id.in_(requests))
            .options(
                selectinload(TrawlRequest.agency),
                selectinload(TrawlRequest.returns),
                selectinload(TrawlRequest.extensions),
            )
            .order_by(TrawlRequest.id)
        ):
            requests[req.trawl_id].append(req)
        for found in requests.values():
            found.sort(key=lambda r: r.agency.name.casefold())
    return render_template(
        "console/trawls.html",
        case=case,
        sent=sent,
        drafts=drafts,
        requests=requests,
        status=request_status,
        days_taken=days_taken,
        now=clock.now(),
    )


@bp.post("/cases/<int:case_id>/trawls/new")
@web.requires("trawls.send")
def trawl_new(case_id: int):
    """Start a trawl of the case (or carry on with its draft)."""
    sc = web.current_scope()
    with db.transaction() as s:
        case = _case(s, sc, case_id)
        if case.status is not CaseStatus.OPEN:
            flash("This case is closed: a trawl cannot be started", "important")
            return redirect(url_for("console.trawls", case_id=case.id))
        draft = s.scalar(
            sc.select(Trawl, Trawl.case_id == case.id, Trawl.status == TrawlStatus.DRAFT)
            .order_by(Trawl.id.desc())
            .limit(1)
        )
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
        return {"text": "Back to the trawls", "href": url_for("console.trawls",
                                                             case_id=trawl.case_id)}  # fmt: skip
    previous = STEPS[STEPS.index(step) - 1]
    return {"text": "Back", "href": url_for(f"console.trawl_{previous}", trawl_id=trawl.id)}


# --- the draft: agencies ------------------------------------------------------------------------


@bp.route("/trawls/<int:trawl_id>/agencies", methods=["GET", "POST"])
@web.requires("trawls.send")
def trawl_agencies(trawl_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    trawl, case = _draft(s, sc, trawl_id)
    partnership = _partnership(s, sc)
    every = _agencies(s, sc)
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


# --- the draft: people --------------------------------------------------------------------------


@bp.route("/trawls/<int:trawl_id>/people", methods=["GET", "POST"])
@web.requires("trawls.send")
def trawl_people(trawl_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    trawl, case = _draft(s, sc, trawl_id)
    people = _case_people(s, sc, case)
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


def _carry() -> dict[str, str]:
    """The query string a draft page keeps on its links ("from=check")."""
    return {"from": "check"} if request.args.get("from") == "check" else {}


@bp.route("/trawls/<int:trawl_id>/people/add", methods=["GET", "POST"])
@web.requires("trawls.send")
def trawl_person_add(trawl_id: int):
    """Add someone else to the case (a child, a previous partner...) and to this trawl."""
    sc = web.current_scope()
    s = db.Sessions()
    trawl, case = _draft(s, sc, trawl_id)
    form = PersonForm()
    if form.validate_on_submit():
        data = trawl_forms.clean_person(form)
        with db.transaction() as t:
            trawl, case = _draft(t, sc, trawl_id)
            last = t.scalar(
                sc.select(CasePerson, CasePerson.case_id == case.id)
                .with_only_columns(func.max(CasePerson.position))
            )  # fmt: skip
            person = CasePerson(
                case_id=case.id, position=(last or 0) + 1, role=PersonRole.OTHER, **data
            )
            t.add(person)
            t.flush()
            trawl.person_ids = [*(trawl.person_ids or ()), person.id]
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


def _preview(s: Session, case: Case, trawl: Trawl, partnership: Partnership,
             agency: Agency | None) -> dict[str, Any] | None:  # fmt: skip
    """The request email as ``agency`` would get it, with a placeholder for its link."""
    if agency is None:
        return None
    context = sending.email_context(case, trawl, None, agency, LINK_PLACEHOLDER)
    context["due_date"] = clock.long_date(schedule.due_date(partnership, clock.now()))
    text, _html = mail_render.render(
        messages.REQUEST.template,
        {
            "partnership": partnership,
            "reference": case.reference,
            "service_url": runtime.settings().SERVICE_URL,
            **context,
        },
    )
    return {
        "agency": agency,
        "subject": routing.subject(messages.REQUEST.title, case.reference),
        "text": text,
    }


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
        people=sending.chosen_people(s, trawl),
        role_text=role_text,
        due_date=schedule.due_date(partnership, clock.now()),
        preview=_preview(s, case, trawl, partnership, (secure or agencies or [None])[0]),
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
            # Two clicks (or two officers) at once: the second waits here, then finds it sent.
            t.scalar(
                sc.select(Trawl, Trawl.id == trawl_id)
                .with_for_update(key_share=True)
                .execution_options(populate_existing=True)
            )
            trawl, case = _draft(t, sc, trawl_id)
            sent = sending.send(
                t, trawl, actor=common.actor(sc), client_address=web.client_address()
            )
            count, withheld = len(sent), sum(1 for r in sent if r.link_withheld)
            case_id = case.id
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
    return redirect(url_for("console.trawls", case_id=case_id))


# --- one agency's request -----------------------------------------------------------------------


def _request_page(request_id: int, form: ExtensionDecisionForm | None = None, status: int = 200):
    """One agency's request, its returns and its requests for more time. Audited."""
    sc = web.current_scope()
    with db.transaction() as s:
        req = _request(s, sc, request_id)
        _record(s, sc, "trawl.request_viewed", object_type="trawl_request", object_id=req.id,
                case_id=req.case_id)  # fmt: skip
    case = _case(s, sc, req.case_id)
    trawl = sc.get(s, Trawl, req.trawl_id)
    if trawl is None:
        abort(404)
    people = list(
        s.scalars(
            sc.select(TrawlPerson, TrawlPerson.trawl_id == trawl.id).order_by(
                TrawlPerson.position, TrawlPerson.id
            )
        )
    )
    returns = list(
        s.scalars(
            sc.select(TrawlReturn, TrawlReturn.request_id == req.id).order_by(
                TrawlReturn.version.desc()
            )
        )
    )
    asked = list(
        s.scalars(
            sc.select(TrawlExtension, TrawlExtension.request_id == req.id).order_by(
                TrawlExtension.id.desc()
            )
        )
    )
    pending = next((e for e in asked if e.status is ExtensionStatus.REQUESTED), None)
    can_manage = scope.can(sc.user, "trawls.manage")
    if pending is not None and can_manage and form is None:
        form = ExtensionDecisionForm()
    token = links.current(s, req)
    return render_template(
        "console/trawl_request.html",
        req=req,
        case=case,
        trawl=trawl,
        agency=req.agency,
        people=people,
        versions=[(ret, trawl_return.answer_parts(ret.answers or {}, people)) for ret in returns],
        extensions=asked,
        pending=pending,
        form=form if pending is not None and can_manage else None,
        status=request_status(req),
        days=days_taken(req),
        link_expires=token.expires_at if token else None,
    ), status


@bp.get("/trawl-requests/<int:request_id>")
@web.requires("trawls.view")
def trawl_request(request_id: int):
    return _request_page(request_id)


def _act(request_id: int, action: str, change, message: str):  # noqa: ANN001
    sc = web.current_scope()
    with db.transaction() as s:
        req = _request(s, sc, request_id)
        change(s, req)
        req.last_activity_at = clock.now()
        _record(s, sc, action, object_type="trawl_request", object_id=req.id,
                case_id=req.case_id)  # fmt: skip
        withheld = req.link_withheld
    flash(message, "success")
    if withheld:
        flash(
            "This agency has no secure email address: it gets a notice without the link. "
            "Add a secure address to the agency, then send the link again.",
            "important",
        )
    return redirect(url_for("console.trawl_request", request_id=request_id))


def _deliver(new_link: bool):  # noqa: ANN202
    def change(s: Session, req: TrawlRequest) -> None:
        partnership = _partnership(s, web.current_scope())
        case = _case(s, web.current_scope(), req.case_id)
        # The agency may have been given a secure address since the request was sent.
        req.link_withheld = not sending.has_secure_address(partnership, req.agency)
        sending.deliver_request(
            s, req, partnership=partnership, case=case,
            actor=common.actor(web.current_scope()), new_link=new_link,
        )  # fmt: skip

    return change


@bp.post("/trawl-requests/<int:request_id>/resend")
@web.requires("trawls.manage")
def trawl_request_resend(request_id: int):
    return _act(request_id, "trawl.link_resent", _deliver(False), "The link has been sent again")


@bp.post("/trawl-requests/<int:request_id>/new-link")
@web.requires("trawls.manage")
def trawl_request_new_link(request_id: int):
    return _act(
        request_id,
        "trawl.link_reissued",
        _deliver(True),
        "A new link has been sent. The old link no longer works.",
    )


@bp.get("/trawl-requests/<int:request_id>/revoke")
@web.requires("trawls.manage")
def trawl_request_revoke_confirm(request_id: int):
    sc = web.current_scope()
    s = db.Sessions()
    req = _request(s, sc, request_id)
    case = _case(s, sc, req.case_id)
    return render_template("console/trawl_revoke.html", req=req, case=case, agency=req.agency)


@bp.post("/trawl-requests/<int:request_id>/revoke")
@web.requires("trawls.manage")
def trawl_request_revoke(request_id: int):
    return _act(
        request_id,
        "trawl.link_revoked",
        lambda s, req: links.revoke(s, req),
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
            ext = s.scalar(
                sc.select(
                    TrawlExtension,
                    TrawlExtension.request_id == req.id,
                    TrawlExtension.status == ExtensionStatus.REQUESTED,
                ).order_by(TrawlExtension.id)
            )
            if ext is None:
                raise extensions.ExtensionRefused("There is no request for more time to decide")
            extensions.decide(
                s, ext, actor=common.actor(sc), user_id=sc.user.id,
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


# --- response statistics across trawls ----------------------------------------------------------


def _period(form: StatisticsPeriodForm) -> tuple[dt.date, dt.date] | None:
    """The period asked for (the last 12 months if none); None if the dates have problems."""
    start, end = response_statistics.default_period(london_date(clock.now()))
    if not any(k.startswith(("start-", "end-")) for k in request.args):
        form.process(data={"start": date_parts(start), "end": date_parts(end)})
        return start, end
    if not form.validate():
        return None
    return form.start.date or start, form.end.date or end


def _period_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k.startswith(("start-", "end-")) and v}


@bp.get("/trawl-statistics")
@web.requires("trawls.statistics")
def trawl_statistics():
    sc = web.current_scope()
    s = db.Sessions()
    form = StatisticsPeriodForm(formdata=request.args)
    period = _period(form)
    report = response_statistics.responses(s, sc, *period) if period else None
    return render_template(
        "console/trawl_statistics.html",
        form=form,
        report=report,
        csv_url=url_for("console.trawl_statistics_csv") + _query(_period_args()),
        number=_number,
        share=_share,
    ), (200 if period else 400)


def _query(args: dict[str, str]) -> str:
    return f"?{urlencode(args)}" if args else ""


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


CSV_COLUMNS = [
    "agency",
    "requests",
    "returned",
    "median_days_to_respond",
    "returned_on_time",
    "due_or_returned",
    "on_time_percent",
    "chasers_total",
    "chasers_per_request",
]


def _csv_row(row: response_statistics.AgencyResponses) -> list[str]:
    cells = [
        row.name,
        row.requests,
        row.returned,
        "" if row.median_days is None else _number(row.median_days),
        row.on_time,
        row.decided,
        "" if row.on_time_share is None else round(row.on_time_share * 100),
        row.chasers,
        "" if row.chasers_per_request is None else f"{row.chasers_per_request:.2f}",
    ]
    return [safe_cell(cell) for cell in cells]


@bp.get("/trawl-statistics.csv")
@web.requires("trawls.statistics")
def trawl_statistics_csv():
    """The statistics as a spreadsheet. Audited."""
    sc = web.current_scope()
    s = db.Sessions()
    form = StatisticsPeriodForm(formdata=request.args)
    period = _period(form)
    if period is None:  # the page says what is wrong with the dates
        return redirect(url_for("console.trawl_statistics") + _query(_period_args()))
    report = response_statistics.responses(s, sc, *period)
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheets read the file as UTF-8
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(row) for row in report.agencies)
    writer.writerow(_csv_row(report.total))
    with db.transaction() as t:
        audit.record(
            t,
            "trawl.statistics_exported",
            actor=common.actor(sc),
            partnership_id=sc.user.partnership_id,
            client_address=web.client_address(),
            date_from=report.start.isoformat(),
            date_to=report.end.isoformat(),
            rows=len(report.agencies),
        )
    name = f"trawl-statistics-{sc.user.partnership.slug}-{report.start:%Y%m%d}-{report.end:%Y%m%d}"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "Cache-Control": "no-store",
        },
    )
