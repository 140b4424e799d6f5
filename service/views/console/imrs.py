"""Console: Individual Management Reviews. The officer or the case's chair asks an agency for
its IMR (agency, due date, terms of reference, note); everyone who can read the case sees each
request's status, its versions with their documents and QA checklists, and the IMR template's
dates. Every view is audited.

The work is in ``service.imrs``; every row is read through the user's Scope.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from forms import imr as catalogue
from forms import imr_pages
from service import clock, db, uploads
from service.auth import scope, web
from service.imrs import links, requesting, submission, tracking
from service.models import (
    Agency,
    Case,
    CaseStatus,
    ImrRequest,
    ImrSubmission,
    Partnership,
    Role,
    StoredFile,
)
from service.requests import bounces
from service.trawls.sending import has_secure_address
from service.views.console import bp, common
from service.workdays import london_date

# --- looking rows up through the Scope ---------------------------------------------------------


_record = common.record


def _case(s: Session, sc: scope.Scope, case_id: int) -> Case:
    return common.found(s, sc, Case, case_id)


def _request(s: Session, sc: scope.Scope, imr_id: int) -> ImrRequest:
    return common.found(s, sc, ImrRequest, imr_id)


def _agencies(s: Session, case: Case) -> list[Agency]:
    """The agencies that can be asked for an IMR on ``case`` (read through Scope already).

    A chair reads no agencies through the Scope (they do not manage them), but asks for IMRs
    on their own cases: the agencies are those of the case's partnership, which is theirs.
    """
    return list(
        s.scalars(
            select(Agency)
            .where(Agency.partnership_id == case.partnership_id)
            .order_by(func.lower(Agency.name), Agency.id)
        )
    )


def _file(s: Session, sc: scope.Scope, file_id: str | None) -> StoredFile | None:
    return sc.get(s, StoredFile, file_id) if file_id else None


# --- the case's IMR requests -------------------------------------------------------------------


@bp.get("/cases/<int:case_id>/imrs")
@web.requires("imr.view")
def imrs(case_id: int):
    """Every IMR request on the case and its status. Audited."""
    sc = web.current_scope()
    with db.transaction() as s:
        case = _case(s, sc, case_id)
        _record(s, sc, "imr.list_viewed", object_type="case", object_id=case.id,
                case_id=case.id)  # fmt: skip
    rows = list(
        s.scalars(
            sc.select(ImrRequest, ImrRequest.case_id == case.id)
            .options(selectinload(ImrRequest.agency), selectinload(ImrRequest.submissions))
            .order_by(ImrRequest.id)
        )
    )
    rows.sort(key=lambda r: r.agency.name.casefold())
    bounced = bounces.states(s, requesting.IMR, rows)
    return render_template(
        "console/imrs.html",
        case=case,
        requests=rows,
        status=lambda req, now=None: tracking.status(req, now, bounced.get(req.id)),
        now=clock.now(),
    )


@bp.route("/cases/<int:case_id>/imrs/new", methods=["GET", "POST"])
@web.requires("imr.request")
@uploads.allow_upload(uploads.TERMS_MAX_BYTES)
def imr_new(case_id: int):
    """Ask an agency for its IMR: the request email goes as soon as this is sent."""
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    if case.status is not CaseStatus.OPEN:
        flash("This case is closed: an IMR cannot be requested", "important")
        return redirect(url_for("console.imrs", case_id=case.id))
    agencies = _agencies(s, case)
    form = imr_pages.RequestForm()
    form.today = london_date(clock.now())
    form.agency.choices = [("", "Select an agency"), *((str(a.id), a.name) for a in agencies)]
    if form.validate_on_submit():
        chosen = next((a for a in agencies if str(a.id) == form.agency.data), None)
        upload = request.files.get("terms_of_reference")
        if chosen is None:
            form.agency.errors = [catalogue.AGENCY_REQUIRED]
        elif upload is None or not upload.filename:
            form.terms_of_reference.errors = [catalogue.TOR_REQUIRED]
        else:
            data = upload.stream.read(uploads.TERMS_MAX_BYTES + 1)
            try:
                with db.transaction() as t:
                    case = _case(t, sc, case_id)
                    created = requesting.send(
                        t, case, t.get(Agency, chosen.id), due_date=form.due_date.date,
                        filename=upload.filename, data=data, note=form.note.data or None,
                        created_by=sc.user.id, actor=common.actor(sc),
                        by_chair=sc.user.role is Role.CHAIR, client_address=web.client_address(),
                    )  # fmt: skip
                    imr_id, withheld = created.id, created.link_withheld
            except requesting.RequestRefused as refused:
                getattr(form, refused.field).errors = [str(refused)]
            except uploads.UploadRefused as refused:
                form.terms_of_reference.errors = [refused.message]
            else:
                flash(f"IMR requested from {chosen.name}", "success")
                if withheld:
                    flash(
                        "This agency has no secure email address: it gets a notice without the "
                        "link. Add a secure address to the agency, then send a new link.",
                        "important",
                    )
                return redirect(url_for("console.imr_request", imr_id=imr_id))
    partnership = sc.user.partnership
    return render_template(
        "console/imr_new.html",
        case=case,
        form=form,
        insecure=[a.name for a in agencies if not has_secure_address(partnership, a)],
        max_size=uploads.size_text(uploads.TERMS_MAX_BYTES),
    ), (400 if form.errors else 200)


# --- one agency's request ----------------------------------------------------------------------


@bp.get("/imr-requests/<int:imr_id>")
@web.requires("imr.view")
def imr_request(imr_id: int):
    """One agency's IMR: status, dates, each version's document and QA checklist. Audited."""
    sc = web.current_scope()
    with db.transaction() as s:
        req = _request(s, sc, imr_id)
        _record(s, sc, "imr.request_viewed", object_type="imr_request", object_id=req.id,
                case_id=req.case_id)  # fmt: skip
    case = _case(s, sc, req.case_id)
    versions = list(
        s.scalars(
            sc.select(ImrSubmission, ImrSubmission.request_id == req.id).order_by(
                ImrSubmission.version.desc()
            )
        )
    )
    documents = {v.id: _file(s, sc, v.document_id) for v in versions}
    token = links.current(s, req)
    bounced = bounces.standing(bounces.of(s, requesting.IMR, req), req.agency)
    return render_template(
        "console/imr_request.html",
        req=req,
        case=case,
        agency=req.agency,
        status=tracking.status(req, bounced=bounced),
        bounced=bounced,
        terms=_file(s, sc, req.terms_of_reference_id),
        versions=[
            {
                "row": v,
                "document": documents[v.id],
                "parts": catalogue.checklist_parts(v.checklist or {}),
                "criteria": catalogue.criteria(v.checklist or {}),
            }
            for v in versions
        ],
        link_expires=token.expires_at if token else None,
        can_request=scope.can(sc.user, "imr.request"),
    )


@bp.post("/imr-requests/<int:imr_id>/new-link")
@web.requires("imr.request")
def imr_request_new_link(imr_id: int):
    """A new link to the agency (the old one stops working), with the request email again."""
    sc = web.current_scope()
    with db.transaction() as s:
        req = _request(s, sc, imr_id)
        case = _case(s, sc, req.case_id)
        partnership = s.get(Partnership, req.partnership_id)
        # The agency may have been given a secure address since the request was sent.
        req.link_withheld = not has_secure_address(partnership, req.agency)
        requesting.deliver_request(
            s, req, partnership=partnership, case=case, actor=common.actor(sc),
            by_chair=sc.user.role is Role.CHAIR,
        )  # fmt: skip
        req.last_activity_at = clock.now()
        _record(s, sc, "imr.link_reissued", object_type="imr_request", object_id=req.id,
                case_id=req.case_id)  # fmt: skip
        withheld = req.link_withheld
    flash("A new link has been sent. The old link no longer works.", "success")
    if withheld:
        flash(
            "This agency has no secure email address: it gets a notice without the link. "
            "Add a secure address to the agency, then send a new link.",
            "important",
        )
    return redirect(url_for("console.imr_request", imr_id=imr_id))


@bp.get("/imr-requests/<int:imr_id>/versions/<int:version>/checklist.pdf")
@web.requires("imr.view")
def imr_checklist_pdf(imr_id: int, version: int):
    """One version's QA checklist as a PDF. Audited."""
    sc = web.current_scope()
    s = db.Sessions()
    req = _request(s, sc, imr_id)
    row = s.scalar(
        sc.select(ImrSubmission, ImrSubmission.request_id == req.id,
                  ImrSubmission.version == version)
    )  # fmt: skip
    if row is None:
        abort(404)
    case = _case(s, sc, req.case_id)
    data = submission.render_checklist_pdf(
        row, req, case=case, agency=req.agency, partnership=sc.user.partnership,
        document=_file(s, sc, row.document_id),
    )  # fmt: skip
    with db.transaction() as t:
        _record(t, sc, "imr.checklist_downloaded", object_type="imr_request", object_id=req.id,
                case_id=req.case_id, version=version)  # fmt: skip
    response = send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=submission.pdf_filename(case, version),
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
