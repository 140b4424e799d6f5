"""Console: the report stage of a held review. The overview report and executive summary
uploaded, the email to the Home Office's quality assurance panel (edit, preview, send once), the
panel's answer, the publication date and the copy to the Domestic Abuse Commissioner; then the
case is closed on retention's page. Each view parses, calls ``service.reviews`` and renders;
every change and every view of an email is audited."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from forms import after_decision as notification_forms
from forms import report_stage as catalogue
from service import db, uploads
from service.auth import scope, web
from service.models import Case, ReportMessage
from service.reviews import report_messages, report_stage
from service.views.console import bp, common


def _stage(s: Session, sc: scope.Scope, case_id: int) -> report_stage.Stage:
    found = report_stage.stage_of(s, common.found(s, sc, Case, case_id))
    if found is None:
        abort(404)  # no review is held for this case
    return found


def _viewed(sc: scope.Scope, case_id: int, page: str) -> report_stage.Stage:
    with db.transaction() as s:
        _stage(s, sc, case_id)
        common.record(s, sc, "case.viewed", object_type="case", object_id=case_id,
                      case_id=case_id, page=page)  # fmt: skip
    return _stage(db.Sessions(), sc, case_id)


def _render(template: str, stage: report_stage.Stage, form=None, status: int = 200, **context):  # noqa: ANN001
    return render_template(
        template, stage=stage, case=stage.case, progress=stage.progress, form=form,
        answers=report_stage.ANSWERS, names=report_messages.RECIPIENT_NAMES, **context,
    ), status  # fmt: skip


@bp.get("/cases/<int:case_id>/report")
@web.requires("notifications.view")
def report(case_id: int):
    """Where the report stands: its files, the emails, the answer, publication and closure."""
    sc = web.current_scope()
    stage = _viewed(sc, case_id, "report")
    s = db.Sessions()
    deliveries = {m.id: report_messages.delivery_of(s, m) for m in stage.messages}
    return _render("console/report_stage.html", stage, deliveries=deliveries)


@bp.route("/cases/<int:case_id>/report/upload", methods=["GET", "POST"])
@web.requires("notifications.send")
@uploads.allow_upload(2 * report_stage.REPORT_MAX_BYTES)
def report_upload(case_id: int):
    sc = web.current_scope()
    stage = _stage(db.Sessions(), sc, case_id)
    if not stage.can_upload:
        flash("The report cannot be changed now", "important")
        return redirect(url_for("console.report", case_id=case_id))
    form = catalogue.ReportUploadForm()
    if form.validate_on_submit():
        documents = {}
        for key in report_stage.DOCUMENTS:
            upload = request.files.get(key)
            if upload is not None and upload.filename:
                documents[key] = (
                    upload.filename,
                    upload.stream.read(report_stage.REPORT_MAX_BYTES + 1),
                )
        if not documents:
            form.report.errors = [catalogue.DOCUMENT_REQUIRED]
        else:
            try:
                with db.transaction() as t:
                    report_stage.upload(t, _stage(t, sc, case_id), documents=documents,
                                        actor=common.actor(sc),
                                        client_address=web.client_address())  # fmt: skip
            except (report_stage.ReportRefused, uploads.UploadRefused) as refused:
                field = getattr(refused, "field", None) or "report"
                getattr(form, field).errors = [str(refused)]
            else:
                flash("The report has been uploaded", "success")
                return redirect(url_for("console.report", case_id=case_id))
    return _render(
        "console/report_upload.html", stage, form, 400 if form.errors else 200,
        max_size=uploads.size_text(report_stage.REPORT_MAX_BYTES),
    )  # fmt: skip


@bp.post("/cases/<int:case_id>/report/quality-assurance")
@web.requires("notifications.send")
def report_prepare(case_id: int):
    """The email to the Home Office: made once, then edited on its own page."""
    sc = web.current_scope()
    try:
        with db.transaction() as t:
            made = report_messages.prepare_quality_assurance(
                t, _stage(t, sc, case_id), actor=common.actor(sc),
                client_address=web.client_address(),
            )  # fmt: skip
            report_message_id = made.id
    except report_stage.ReportRefused as exc:
        flash(str(exc), "important")
        return redirect(url_for("console.report", case_id=case_id))
    return redirect(url_for("console.report_message", report_message_id=report_message_id))


@bp.route("/cases/<int:case_id>/report/answer", methods=["GET", "POST"])
@web.requires("notifications.send")
def report_answer(case_id: int):
    sc = web.current_scope()
    stage = _stage(db.Sessions(), sc, case_id)
    if not stage.can_answer:
        flash("There is no report with the Home Office to record an answer for", "important")
        return redirect(url_for("console.report", case_id=case_id))
    form = catalogue.QualityAssuranceAnswerForm()
    if form.validate_on_submit():
        try:
            with db.transaction() as t:
                report_stage.record_answer(
                    t, _stage(t, sc, case_id), answered_on=form.answered_on.date,
                    answer=form.answer.data, notes=form.notes.data, actor=common.actor(sc),
                    client_address=web.client_address(),
                )  # fmt: skip
        except report_stage.ReportRefused as exc:
            getattr(form, exc.field or "answered_on").errors = [str(exc)]
        else:
            flash("The quality assurance panel’s answer has been recorded", "success")
            return redirect(url_for("console.report", case_id=case_id))
    return _render("console/report_answer.html", stage, form, 400 if form.errors else 200)


@bp.route("/cases/<int:case_id>/report/publication", methods=["GET", "POST"])
@web.requires("notifications.send")
def report_publication(case_id: int):
    sc = web.current_scope()
    stage = _stage(db.Sessions(), sc, case_id)
    if not stage.can_publish:
        flash("The report cannot be recorded as published now", "important")
        return redirect(url_for("console.report", case_id=case_id))
    form = catalogue.PublicationForm()
    if form.validate_on_submit():
        try:
            with db.transaction() as t:
                made = report_messages.record_publication(
                    t, _stage(t, sc, case_id), published_on=form.published_on.date,
                    actor=common.actor(sc), client_address=web.client_address(),
                )  # fmt: skip
                made_id = made.id if made else None
        except report_stage.ReportRefused as exc:
            form.published_on.errors = [str(exc)]
        else:
            flash("The publication date has been recorded", "success")
            if made_id is not None:
                return redirect(url_for("console.report_message", report_message_id=made_id))
            return redirect(url_for("console.report", case_id=case_id))
    return _render("console/report_publication.html", stage, form, 400 if form.errors else 200)


# --- one email of the report stage ---------------------------------------------------------------


def _message(s: Session, sc: scope.Scope, report_message_id: int, page: str | None = None):  # noqa: ANN202
    found = common.found(s, sc, ReportMessage, report_message_id)
    stage = _stage(s, sc, found.case_id)
    if page is not None:
        common.record(s, sc, "report.message_viewed", object_type="report_message",
                      object_id=found.id, case_id=found.case_id, page=page)  # fmt: skip
    return stage, found


@bp.route("/report-messages/<int:report_message_id>", methods=["GET", "POST"])
@web.requires("notifications.view")
def report_message(report_message_id: int):
    """The email's draft to edit (officers), or the text that was sent."""
    sc = web.current_scope()
    form = notification_forms.NotificationForm()
    if request.method == "POST":
        if not scope.can(sc.user, "notifications.send"):
            abort(403)
        if form.validate_on_submit():
            try:
                with db.transaction() as t:
                    stage, found = _message(t, sc, report_message_id)
                    report_messages.edit(t, stage, found, form.body.data, actor=common.actor(sc),
                                         client_address=web.client_address())  # fmt: skip
            except report_stage.ReportRefused as exc:
                form.body.errors = [str(exc)]
            else:
                return redirect(
                    url_for("console.report_message_preview", report_message_id=report_message_id)
                )
        stage, found = _message(db.Sessions(), sc, report_message_id)
    else:
        with db.transaction() as t:
            _message(t, sc, report_message_id, "text")
        stage, found = _message(db.Sessions(), sc, report_message_id)
        form.body.data = report_messages.current_body(db.Sessions(), stage, found)
    return _render(
        "console/report_message.html", stage, form, 400 if form.errors else 200,
        message=found, recipient=report_messages.RECIPIENT_NAMES[found.kind],
    )  # fmt: skip


@bp.get("/report-messages/<int:report_message_id>/preview")
@web.requires("notifications.view")
def report_message_preview(report_message_id: int):
    """The email as it will go: subject, recipients (with the policy's verdict), the files."""
    sc = web.current_scope()
    with db.transaction() as t:
        _message(t, sc, report_message_id, "preview")
    s = db.Sessions()
    stage, found = _message(s, sc, report_message_id)
    return _render(
        "console/report_message_preview.html", stage, message=found,
        recipient=report_messages.RECIPIENT_NAMES[found.kind],
        preview=report_messages.preview(s, stage, found),
        delivery=report_messages.delivery_of(s, found),
    )  # fmt: skip


@bp.post("/report-messages/<int:report_message_id>/send")
@web.requires("notifications.send")
def report_message_send(report_message_id: int):
    sc = web.current_scope()
    try:
        with db.transaction() as t:
            stage, found = _message(t, sc, report_message_id)
            report_messages.send(t, stage, found, actor=common.actor(sc),
                                 client_address=web.client_address())  # fmt: skip
            case_id, kind = found.case_id, found.kind
    except report_stage.ReportRefused as exc:
        flash(str(exc), "important")
        return redirect(
            url_for("console.report_message_preview", report_message_id=report_message_id)
        )
    flash(f"The report has been sent to {report_messages.RECIPIENT_NAMES[kind]}", "success")
    return redirect(url_for("console.report", case_id=case_id))


# --- the case page -------------------------------------------------------------------------------


@bp.context_processor
def _report_stage_context() -> dict[str, object]:
    return {"report_stage_of": report_stage_of}


def report_stage_of(case: Case) -> report_stage.Stage | None:
    """For the case page (the case already read through the Scope)."""
    user = web.current_user()
    if user is None or not scope.can(user, "notifications.view"):
        return None
    return report_stage.stage_of(db.Sessions(), case)
