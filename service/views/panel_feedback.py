"""A panel member's answer on a draft, opened from the link in the email.

The link's token is checked, kept on the server for this browser's visit (``linked``) and taken out
of the address bar; every page checks it again, so a revoked or expired link, or a closed draft's,
stops working at once. Any refused link gets one and the same page, whatever the reason, and it
shows nothing of the case.

Pages: the draft (its title, the case, the deadline, a download of the draft and the answer
given so far); the answer itself ("I have comments", with the comments, or "I have no
comments", and the member's name), sent straight from that page; a confirmation. The answer can
be changed until the deadline; after it, a first answer is still taken and marked late. Every
page works without JavaScript.

Where the partnership offers Welsh and English, the pages speak the member's language (the one
their emails are in) unless the visitor chooses the other with the language switcher.
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from forms import feedback as catalogue
from service import audit, db, i18n
from service.auth import web
from service.models import Case, PanelMember, Partnership, StoredFile
from service.panels import feedback, feedback_answers, members
from service.panels import feedback_links as links
from service.views import journey, linked

bp = Blueprint("panel_feedback", __name__, url_prefix=links.PATH)

SESSION_KEY = "panel_feedback"
SENT_KEY = "panel_feedback_sent"
limit = linked.public_limit

_link = linked.LinkedRequest(
    bp,
    check=links.check,
    session_key=SESSION_KEY,
    forget=(SENT_KEY,),
    token_in_query=True,
    problem_template="feedback/link_problem.html",
    start_endpoint="panel_feedback.start",
    opened_action="feedback.link_opened",
    object_type="feedback_request",
    actor=lambda linked_row: f"panel_member:{linked_row.member_id}",
)
LinkRefused = linked.LinkRefused


def _current() -> links.Linked:
    """The member's part this browser's link opens; LinkRefused if it no longer does. Its
    pages are in the member's language unless the visitor chose another."""
    opened = _link.current()
    s = db.Sessions()
    member = s.get(PanelMember, opened.member_id)
    i18n.prefer(members.language_of(s.get(Partnership, opened.partnership_id), member))
    return opened


def _context(opened: links.Linked, **kw):
    s = db.Sessions()
    draft = opened.request
    recipient = opened.recipient
    return {
        "draft": draft,
        "recipient": recipient,
        "case": s.get(Case, draft.case_id),
        "member": s.get(PanelMember, recipient.member_id),
        "file": s.get(StoredFile, draft.file_id),
        "deadline": i18n.long_date(draft.deadline),
        "deadline_passed": feedback.deadline_passed(draft),
        "can_change": feedback.can_change(draft, recipient),
        "late": feedback.is_late(draft, recipient),
        **kw,
    }


@bp.get("/start")
def start():
    opened = _current()
    return render_template("feedback/start.html", **_context(opened))


@bp.get("/draft")
def draft_file():
    """The draft, for whoever holds the link (it may have been too big to attach)."""
    opened = _current()
    s = db.Sessions()
    draft = opened.request
    file = s.get(StoredFile, draft.file_id)
    if file is None or file.partnership_id != draft.partnership_id:
        abort(404)
    case = s.get(Case, draft.case_id)
    data, content_type = file.data, file.content_type
    name = feedback.draft_filename(case, draft, file)
    with db.transaction() as t:
        audit.record(
            t, "feedback.draft_downloaded", actor=f"panel_member:{opened.member_id}",
            partnership_id=draft.partnership_id, object_type="feedback_request",
            object_id=draft.id, case_id=draft.case_id, client_address=web.client_address(),
        )  # fmt: skip
    response = send_file(
        io.BytesIO(data), mimetype=content_type, as_attachment=True, download_name=name,
        max_age=0,
    )  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/answer", methods=["GET", "POST"])
@limit
def answer():
    opened = _current()
    if not feedback.can_change(opened.request, opened.recipient):
        return redirect(url_for("panel_feedback.start"))
    if request.method == "GET":
        form = catalogue.AnswerForm(data=catalogue.answer_data(opened.recipient))
    else:
        form = catalogue.AnswerForm()
    valid = form.validate_on_submit()
    timed_out = journey.timed_out(form)
    if valid and not timed_out:
        try:
            with db.transaction() as t:
                row, _first = feedback_answers.answer(
                    t, opened.id, no_comments=form.no_comments, comments=form.comments.data,
                    name=form.name.data, client_address=web.client_address(),
                )  # fmt: skip
        except feedback.AnswerRefused:
            # The deadline passed (or the draft was closed) while the page was open.
            return redirect(url_for("panel_feedback.start"))
        session[SENT_KEY] = row.id
        _link.sent()
        return redirect(url_for("panel_feedback.confirmation"))
    return render_template(
        "feedback/answer.html",
        **_context(opened, form=form, timed_out=timed_out,
                   has_errors=bool(form.errors) or timed_out),
    ), (400 if form.errors else 200)  # fmt: skip


@bp.get("/confirmation")
def confirmation():
    opened = _current()
    if session.get(SENT_KEY) != opened.id or opened.recipient.answered_at is None:
        return redirect(url_for("panel_feedback.start"))
    return render_template("feedback/confirmation.html", **_context(opened))
