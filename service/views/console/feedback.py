"""Console: drafts sent to the panel for comment, and the comments collated.

The officer sends a draft from a case (title, the draft, a note, the members, the deadline);
everyone who can read the case sees each draft's members with their answers, reminders and
emails, the comments in one place, and downloads them as CSV or PDF. The officer closes a draft
early or sends a member a new link. Every read of comments and every change is audited.

The work is in ``service.panels.feedback``; every row is read through the user's Scope.
"""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy.orm import Session, selectinload

from forms import feedback as catalogue
from forms.trawl import date_parts
from service import clock, db, uploads
from service.auth import scope, web
from service.models import (
    Case,
    CaseStatus,
    FeedbackRecipient,
    FeedbackRequest,
    Partnership,
    StoredFile,
)
from service.panels import feedback, feedback_documents
from service.panels import feedback_links as links
from service.views.console import bp, common
from service.workdays import london_date

_record = common.record


def _case(s: Session, sc: scope.Scope, case_id: int) -> Case:
    return common.found(s, sc, Case, case_id)


def _draft(s: Session, sc: scope.Scope, feedback_id: int) -> FeedbackRequest:
    return common.found(s, sc, FeedbackRequest, feedback_id)


def _drafts_of(s: Session, sc: scope.Scope, case_id: int) -> list[FeedbackRequest]:
    return list(
        s.scalars(
            sc.select(FeedbackRequest, FeedbackRequest.case_id == case_id)
            .options(selectinload(FeedbackRequest.recipients))
            .order_by(FeedbackRequest.sent_at.desc(), FeedbackRequest.id.desc())
        )
    )


@bp.context_processor
def _feedback_context() -> dict[str, Any]:
    return {"feedback_drafts": feedback_drafts}


def feedback_drafts(case_id: int) -> list[dict[str, Any]]:
    """The case's drafts for comment with their answered counts (for the case page). Read
    through the signed-in user's Scope."""
    user = web.current_user()
    if user is None or not scope.can(user, "feedback.view"):
        return []
    sc = scope.Scope(user)
    return [
        {"row": row, "counts": feedback.counts(row), "closed": row.closed_at is not None}
        for row in _drafts_of(db.Sessions(), sc, case_id)
    ]


def _members_page(case: Case) -> tuple[str, str]:
    """Where panel members are added."""
    return url_for("console.panel_member_new", case_id=case.id), "Add members to the panel"


# --- sending a draft ---------------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/drafts/new", methods=["GET", "POST"])
@web.requires("feedback.manage")
@uploads.allow_upload(feedback.DRAFT_MAX_BYTES)
def feedback_new(case_id: int):
    """Send a draft to the case's panel members for comment by a deadline."""
    sc = web.current_scope()
    s = db.Sessions()
    case = _case(s, sc, case_id)
    if case.status is not CaseStatus.OPEN:
        flash("This case is closed: a draft cannot be sent for comment", "important")
        return redirect(url_for("console.case", case_id=case.id))
    partnership = sc.user.partnership
    members = feedback.current_members(s, case.id)
    today = london_date(clock.now())
    if request.method == "GET":
        form = catalogue.SendDraftForm(
            data={
                "deadline": date_parts(feedback.default_deadline(partnership)),
                "recipients": [str(m.id) for m in members],
            }
        )
    else:
        form = catalogue.SendDraftForm()
    form.today = today
    form.recipients.choices = [(str(m.id), m.name) for m in members]
    if members and form.validate_on_submit():
        upload = request.files.get("draft")
        if upload is None or not upload.filename:
            form.draft.errors = [catalogue.DRAFT_REQUIRED]
        else:
            data = upload.stream.read(feedback.DRAFT_MAX_BYTES + 1)
            try:
                with db.transaction() as t:
                    created = feedback.send(
                        t, _case(t, sc, case_id), title=form.title.data, filename=upload.filename,
                        data=data, note=form.note.data, deadline=form.deadline.date,
                        member_ids=form.member_ids(), created_by=sc.user.id, actor=common.actor(sc),
                        client_address=web.client_address(),
                    )  # fmt: skip
                    feedback_id = created.id
            except feedback.SendRefused as refused:
                getattr(form, refused.field).errors = [str(refused)]
            except uploads.UploadRefused as refused:
                form.draft.errors = [refused.message]
            else:
                flash("The draft has been sent for comment", "success")
                return redirect(url_for("console.feedback_request", feedback_id=feedback_id))
    members_url, members_text = _members_page(case)
    return render_template(
        "console/feedback_new.html",
        case=case,
        form=form,
        members=members,
        members_url=members_url,
        members_text=members_text,
        standard_days=partnership.feedback_days,
        max_size=uploads.size_text(feedback.DRAFT_MAX_BYTES),
    ), (400 if form.errors else 200)


# --- one draft ---------------------------------------------------------------------------------


@bp.get("/drafts/<int:feedback_id>")
@web.requires("feedback.view")
def feedback_request(feedback_id: int):
    """One draft: each member's answer, reminders and emails, and the comments. Audited."""
    sc = web.current_scope()
    with db.transaction() as s:
        row = _draft(s, sc, feedback_id)
        _record(s, sc, "feedback.viewed", object_type="feedback_request", object_id=row.id,
                case_id=row.case_id)  # fmt: skip
    case = _case(s, sc, row.case_id)
    rows = feedback.statuses(s, row, case)
    return render_template(
        "console/feedback_request.html",
        draft=row,
        case=case,
        file=sc.get(s, StoredFile, row.file_id),
        rows=rows,
        counts=feedback.counts(row),
        reminders=feedback.reminder_moments(sc.user.partnership, row.deadline),
        deadline_passed=feedback.deadline_passed(row),
        link_expires={r.recipient.id: _link_expiry(s, r.recipient) for r in rows},
        can_manage=scope.can(sc.user, "feedback.manage"),
    )


def _link_expiry(s: Session, recipient: FeedbackRecipient):
    token = links.current(s, recipient)
    return token.expires_at if token else None


def _download(data: bytes | str, mimetype: str, name: str) -> Response:
    response = send_file(
        io.BytesIO(data.encode() if isinstance(data, str) else data),
        mimetype=mimetype,
        as_attachment=True,
        download_name=name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _collated(feedback_id: int, kind: str):
    sc = web.current_scope()
    s = db.Sessions()
    row = _draft(s, sc, feedback_id)
    case = _case(s, sc, row.case_id)
    rows = feedback.statuses(s, row, case)
    if kind == "csv":
        data: bytes | str = feedback_documents.comments_csv(rows)
        mimetype = "text/csv"
    else:
        partnership = s.get(Partnership, row.partnership_id)
        data = feedback_documents.comments_pdf(row, case, partnership, rows)
        mimetype = "application/pdf"
    with db.transaction() as t:
        _record(t, sc, "feedback.comments_downloaded", object_type="feedback_request",
                object_id=row.id, case_id=row.case_id, format=kind)  # fmt: skip
    return _download(data, mimetype, feedback.comments_filename(case, row, kind))


@bp.get("/drafts/<int:feedback_id>/comments.csv")
@web.requires("feedback.view")
def feedback_comments_csv(feedback_id: int):
    """The collated comments as a spreadsheet. Audited."""
    return _collated(feedback_id, "csv")


@bp.get("/drafts/<int:feedback_id>/comments.pdf")
@web.requires("feedback.view")
def feedback_comments_pdf(feedback_id: int):
    """The collated comments as a PDF. Audited."""
    return _collated(feedback_id, "pdf")


@bp.post("/drafts/<int:feedback_id>/close")
@web.requires("feedback.manage")
def feedback_close(feedback_id: int):
    """Close the draft early: no more reminders, and the members' links stop working."""
    sc = web.current_scope()
    with db.transaction() as s:
        row = _draft(s, sc, feedback_id)
        closed = feedback.close(s, row, actor=common.actor(sc), client_address=web.client_address())
    if closed:
        flash("The draft is closed. Members can no longer answer and get no more reminders.",
              "success")  # fmt: skip
    return redirect(url_for("console.feedback_request", feedback_id=feedback_id))


@bp.post("/drafts/<int:feedback_id>/members/<int:recipient_id>/new-link")
@web.requires("feedback.manage")
def feedback_new_link(feedback_id: int, recipient_id: int):
    """A new link to one member (the old one stops working), with the draft again."""
    sc = web.current_scope()
    with db.transaction() as s:
        row = _draft(s, sc, feedback_id)
        recipient = common.found(s, sc, FeedbackRecipient, recipient_id)
        if recipient.request_id != row.id:
            abort(404)
        try:
            sent = feedback.resend_link(
                s, recipient, actor=common.actor(sc), client_address=web.client_address()
            )
        except feedback.AnswerRefused as refused:
            flash(str(refused), "important")
            return redirect(url_for("console.feedback_request", feedback_id=feedback_id))
        name = recipient.member.name
    if sent:
        flash(f"A new link has been sent to {name}. The old link no longer works.", "success")
    else:
        flash(f"A new link was made for {name}, but no email could be sent: check their "
              "email address.", "important")  # fmt: skip
    return redirect(url_for("console.feedback_request", feedback_id=feedback_id))
