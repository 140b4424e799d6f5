"""Console: the outbox. Every message of the partnership, its status and, for the officer, what
can be done with it: retry a failed message, release or cancel a held one. Each change goes
through ``mail.outbox``, which guards it by status and audits it."""

from __future__ import annotations

import math

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from mail import faults, policy, routing
from mail import outbox as mail_outbox
from service import audit, db
from service.auth import identity, web
from service.models import Message, MessageAttachment, MessageStatus
from service.views.console import bp

PER_PAGE = 50

#: (text, tag classes) for each status; GOV.UK Frontend's plain tag is blue.
STATUS_TAGS: dict[MessageStatus, tuple[str, str]] = {
    MessageStatus.QUEUED: ("Queued", ""),
    MessageStatus.SENDING: ("Sending", "govuk-tag--turquoise"),
    MessageStatus.SENT: ("Sent", "govuk-tag--green"),
    MessageStatus.FAILED: ("Failed", "govuk-tag--red"),
    MessageStatus.HELD: ("Held", "govuk-tag--orange"),
    MessageStatus.CANCELLED: ("Cancelled", "govuk-tag--grey"),
    MessageStatus.BOUNCED: ("Bounced", "govuk-tag--red"),
}

#: What the secure-recipient policy decided, in plain English.
POLICY_TEXT = {
    policy.Decision.SECURE.value: "Secure address: the message goes as written",
    policy.Decision.NOTICE.value: (
        "Notice only: the address is not on the partnership's secure list, so it gets a "
        "notice without the content"
    ),
    policy.Decision.HOLD.value: (
        "Held: the address is not on the partnership's secure list, so the message waits for "
        "an officer to release or cancel it"
    ),
}


def purpose_title(name: str) -> str:
    entry = routing.PURPOSES.get(name)
    return entry.title if entry else name


def status_tag(status: MessageStatus) -> tuple[str, str]:
    return STATUS_TAGS.get(status, (status.value.capitalize(), "govuk-tag--grey"))


def _status_filter() -> MessageStatus | None:
    try:
        return MessageStatus(request.args.get("status", ""))
    except ValueError:
        return None  # no filter, or one we do not know: show every message


def _page_number() -> int:
    try:
        return max(int(request.args.get("page", "1")), 1)
    except ValueError:
        return 1


def _pagination(page: int, pages: int, status: MessageStatus | None) -> dict | None:
    """Parameters for GOV.UK's pagination component: first, last and the pages around this one."""
    if pages <= 1:
        return None

    def href(n: int) -> str:
        return url_for("console.outbox", page=n, status=status.value if status else None)

    items: list[dict] = []
    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    previous = 0
    for n in shown:
        if n - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": n, "href": href(n), "current": n == page})
        previous = n
    params: dict = {"items": items}
    if page > 1:
        params["previous"] = {"href": href(page - 1)}
    if page < pages:
        params["next"] = {"href": href(page + 1)}
    return params


@bp.get("/outbox")
@web.requires("outbox.view")
def outbox():
    s = db.Sessions()
    sc = web.current_scope()
    status = _status_filter()
    criteria = [Message.status == status] if status else []
    total = s.scalar(select(func.count()).select_from(Message).where(sc.where(Message), *criteria))
    pages = max(math.ceil(total / PER_PAGE), 1)
    page = min(_page_number(), pages)
    messages = s.scalars(
        sc.select(Message, *criteria)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return render_template(
        "console/outbox.html",
        messages=messages,
        status=status,
        statuses=list(MessageStatus),
        total=total,
        page=page,
        first=(page - 1) * PER_PAGE + 1,
        pagination=_pagination(page, pages, status),
        purpose_title=purpose_title,
        status_tag=status_tag,
        mail_fault=faults.current(s),
    )


def _visible(session, message_id: str) -> Message:
    """The message if the signed-in user's partnership has it; 404 otherwise."""
    message = web.current_scope().get(session, Message, message_id)
    if message is None:
        abort(404)
    return message


@bp.get("/outbox/<message_id>")
@web.requires("outbox.view")
def outbox_message(message_id: str):
    sc = web.current_scope()
    user = sc.user
    with db.transaction() as s:
        message = _visible(s, message_id)
        # Sizes from the database: the attachments' bytes are not needed to list them.
        attachments = s.execute(
            select(MessageAttachment.filename, MessageAttachment.size)
            .where(sc.where(MessageAttachment), MessageAttachment.message_id == message.id)
            .order_by(MessageAttachment.position)
        ).all()
        # The body is case content: who read it is on the audit trail.
        audit.record(
            s,
            "message.viewed",
            actor=identity.actor_of(user),
            partnership_id=message.partnership_id,
            object_type="message",
            object_id=message.id,
            client_address=web.client_address(),
        )
    return render_template(
        "console/outbox_message.html",
        message=message,
        attachments=attachments,
        purpose_title=purpose_title,
        status_tag=status_tag,
        policy_text=POLICY_TEXT.get(message.policy, message.policy),
        MessageStatus=MessageStatus,
    )


def _act(message_id: str, change, done) -> object:
    """Make ``change(session, id, actor, client_address)`` in one transaction, on a message the
    user's partnership has; a refusal (say, another officer acted first) is shown, not raised."""
    user = web.current_user()
    try:
        with db.transaction() as s:
            message = _visible(s, message_id)
            changed = change(
                s,
                message.id,
                actor=identity.actor_of(user),
                client_address=web.client_address(),
            )
            text = done(changed) if callable(done) else done
    except mail_outbox.MessageRefused as exc:
        flash(str(exc), "important")
    else:
        flash(text, "success")
    return redirect(url_for("console.outbox_message", message_id=message_id))


@bp.post("/outbox/<message_id>/retry")
@web.requires("outbox.act")
def outbox_retry(message_id: str):
    return _act(message_id, mail_outbox.retry, "Message queued again")


@bp.get("/outbox/<message_id>/release")
@web.requires("outbox.act")
def outbox_release_confirm(message_id: str):
    s = db.Sessions()
    message = _visible(s, message_id)
    if message.status is not MessageStatus.HELD:
        flash(
            f"This message cannot be released: it is {message.status.value}. "
            "Only held messages can be released.",
            "important",
        )
        return redirect(url_for("console.outbox_message", message_id=message.id))
    partnership = web.current_user().partnership
    attachment_count = s.scalar(
        select(func.count())
        .select_from(MessageAttachment)
        .where(
            web.current_scope().where(MessageAttachment),
            MessageAttachment.message_id == message.id,
        )
    )
    try:
        verdict = policy.decide(partnership, message.recipient, sensitive=message.sensitive)
        as_content = verdict.decision is policy.Decision.SECURE
    except policy.InvalidAddress:
        as_content = False
    return render_template(
        "console/outbox_release.html",
        message=message,
        as_content=as_content,
        attachment_count=attachment_count,
        purpose_title=purpose_title,
        partnership=partnership,
    )


@bp.post("/outbox/<message_id>/release")
@web.requires("outbox.act")
def outbox_release(message_id: str):
    def done(message: Message) -> str:
        if message.policy == policy.Decision.SECURE.value:
            return "Message released: it will be sent as written"
        return "Message released: the recipient will get a notice without the content"

    return _act(message_id, mail_outbox.release, done)


@bp.post("/outbox/<message_id>/cancel")
@web.requires("outbox.act")
def outbox_cancel(message_id: str):
    return _act(message_id, mail_outbox.cancel, "Message cancelled: it will not be sent")
