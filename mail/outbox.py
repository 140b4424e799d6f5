"""The outbox: queueing messages and every change of a message's status.

Status changes happen only here (a delivery attempt's in ``mail.attempts``, a held message's in
``mail.held``, both re-exported), each as a conditional UPDATE guarded by the status it expects,
so two workers or two sweeps can never both move the same message.

    queued ──claim──▶ sending ──▶ sent ──a report of permanent failure──▶ bounced (mail.bounces)
      ▲                  │
      ├──transient error─┤──permanent error / retries exhausted──▶ failed ──retry──▶ queued
      └──the mail system refuses the service's own sign-in (kept, never given up; mail.faults)
                                                                      │
                                                                    cancel
                                                                      ▼
    held ──cancel───────────────────────────────────────────────▶ cancelled
      │
      └──release──▶ queued: as written if the address is now on the allowlist,
                            otherwise as a content-free notice without attachments

    held: sensitive content for an address outside the allowlist, kept for the officer, who
          releases or cancels it from the console. Releasing asks the policy again, so
          sensitive content never goes to an address that is not secure.

Bodies are stored with every live link (one that opens something without signing in) replaced
by a placeholder; the link is written back only when the message is built for the transport
(``mail.links``), so whoever reads the outbox cannot use it.

Beside it: ``mail.sizing`` decides which attachments fit and which go as download links;
``mail.handover`` hands queued messages to the job queue (after commit, and from the sweep).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from mail import attachments as attachment_store
from mail import links as live_links
from mail import policy, render, routing, sizing
from mail.handover import after_commit
from mail.sizing import Attachment
from service import audit, clock, runtime
from service.models import Message, MessageStatus, Partnership
from service.models.types import new_id

if TYPE_CHECKING:
    from service.models import Agency

log = logging.getLogger(__name__)


class MessageRefused(ValueError):
    """The message cannot be queued as asked; the reason is safe to show."""


def queue_message(
    session: Session,
    *,
    partnership: Partnership,
    purpose: str,
    reference: str,
    context: dict[str, Any] | None = None,
    agency: Agency | None = None,
    to: Iterable[str] = (),
    attachments: Sequence[Attachment] = (),
    actor: str = "system",
    sealed: Sequence[str] = (),
    language: str | None = None,
    subject_languages: Sequence[str] = (),
) -> list[Message]:
    """Write one outbox row per recipient into the caller's transaction.

    ``language``: the language the recipient chose, for a purpose written in Welsh too
    (``mail.routing.language``); an agency's own choice is read from ``agency``.
    ``subject_languages``: for a body written in more than one language, the languages of the
    subject's title, in order.

    ``sealed``: values in the body (one-time codes) that only the recipient may read: stored
    encrypted, and shown in the outbox as a placeholder, like a live link.

    Recipients come from the purpose's routing; the secure-recipient policy decides, per address,
    whether it gets the content, a content-free notice, or is held. Delivery jobs are enqueued
    only once the caller's transaction commits.

    Attachments that would make the message bigger than the mail system takes (the smaller of
    ``MAIL_MAX_BYTES`` and the transport's own limit) are left off, and the body says where to
    download each from the console instead. Only attachments made with ``Attachment.of(stored
    file)`` can go as a link: the others are kept first, and if they alone are too big the
    message is refused (``MessageRefused``).
    """
    entry = routing.get(purpose)
    reference = routing.check_reference(reference)
    addresses = routing.recipients(entry, partnership, agency=agency, to=to)
    settings = runtime.settings()
    base_context = {
        "partnership": partnership,
        "reference": reference,
        "service_url": settings.SERVICE_URL,
        **(context or {}),
    }
    # In the recipient's own language where the purpose is written in Welsh too (mail.routing).
    language = routing.language(entry, partnership, agency, language)
    text, html = render.render(entry.template, base_context, language=language)
    try:
        attachments, links = sizing.fit_attachments(
            attachments,
            limit=sizing.size_limit(),
            body_bytes=len(text.encode()) + len((html or "").encode()),
        )
    except sizing.TooBig as exc:
        raise MessageRefused(str(exc)) from exc
    if links:
        text, html = sizing.with_download_links(text, html, links, settings.SERVICE_URL)
    # Every console role reads the outbox: a link that opens something is kept out of the body.
    lookup = live_links.lookup_in(session)
    text, html, found_links = live_links.redact_bodies(text, html, lookup)
    if sealed:
        text, found_links = live_links.seal(text, "text", sealed, found_links or [])
        if html is not None:
            html, found_links = live_links.seal(html, "html", sealed, found_links)
        found_links = found_links or None
    now = clock.now()
    created: list[Message] = []
    kept: list[attachment_store.Kept] | None = None
    for raw in addresses:
        try:
            verdict = policy.decide(partnership, raw, sensitive=entry.sensitive)
        except policy.InvalidAddress as exc:
            raise MessageRefused(f"{entry.name}: {exc}") from exc
        message = Message(
            id=new_id(),
            partnership_id=partnership.id,
            purpose=entry.name,
            reference=reference,
            recipient=verdict.address,
            sensitive=entry.sensitive,
            policy=verdict.decision.value,
            created_at=now,
        )
        message.message_id_header = f"<{message.id}@{settings.MESSAGE_ID_DOMAIN}>"
        if verdict.decision is policy.Decision.NOTICE:
            notice_text, notice_html = render.render(
                routing.NOTICE.template, base_context, language=language
            )
            message.subject = routing.subject(
                routing.NOTICE.title, reference, partnership=partnership, language=language,
                languages=subject_languages,
            )  # fmt: skip
            message.body_text, message.body_html, message.live_links = live_links.redact_bodies(
                notice_text, notice_html, lookup
            )
            message.sensitive = False
        else:
            message.subject = routing.subject(
                entry.title, reference, partnership=partnership, language=language,
                languages=subject_languages,
            )  # fmt: skip
            message.body_text, message.body_html = text, html
            message.live_links = [dict(link) for link in found_links] if found_links else None
            # Stored once for every recipient (mail.attachments), and only if someone gets them.
            kept = kept if kept is not None else attachment_store.keep(session, attachments)
            message.attachments = attachment_store.rows(kept)
        if verdict.decision is policy.Decision.HOLD:
            message.status = MessageStatus.HELD
        else:
            message.status = MessageStatus.QUEUED
            message.enqueued_at = now
        session.add(message)
        created.append(message)
        audit.record(
            session,
            {
                policy.Decision.SECURE: "message.queued",
                policy.Decision.NOTICE: "message.content_withheld",
                policy.Decision.HOLD: "message.held",
            }[verdict.decision],
            actor=actor,
            partnership_id=partnership.id,
            object_type="message",
            object_id=message.id,
            purpose=entry.name,
            reference=reference,
            policy=verdict.decision.value,
        )
        if verdict.decision is not policy.Decision.SECURE:
            log.warning(
                "sensitive message not sent to an insecure address",
                extra={"message_id": message.id, "policy": verdict.decision.value},
            )
    after_commit(session, [m.id for m in created if m.status is MessageStatus.QUEUED])
    return created


# --- status changes -----------------------------------------------------------------------


def mark_bounced(session: Session, message_id: str, reason: str) -> bool:
    """sent → bounced: a report says the recipient's mail system refused it for good."""
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.SENT)
        .values(status=MessageStatus.BOUNCED, last_error=reason[:2000], updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def retry(
    session: Session, message_id: str, *, actor: str, client_address: str | None = None
) -> Message:
    """failed → queued, by an operator. The same Message-ID goes out again."""
    message = _current(session, message_id)
    if message.status is not MessageStatus.FAILED:
        raise _not_now(message, "retried", "failed")
    now = clock.now()
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.FAILED)
        .values(
            status=MessageStatus.QUEUED,
            next_attempt_at=None,
            first_attempt_at=None,
            enqueued_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # someone else moved it since it was read
        session.refresh(message)
        raise _not_now(message, "retried", "failed")
    audit.record(
        session,
        "message.retried",
        actor=actor,
        partnership_id=message.partnership_id,
        object_type="message",
        object_id=message_id,
        client_address=client_address,
    )
    after_commit(session, [message_id])
    session.refresh(message)
    return message


def _current(session: Session, message_id: str) -> Message:
    """The message as the database has it now (not as an earlier read in this session saw it)."""
    message = session.get(Message, message_id, populate_existing=True)
    if message is None:
        raise MessageRefused(f"no message with id {message_id}")
    return message


def _not_now(message: Message, action: str, allowed: str) -> MessageRefused:
    return MessageRefused(
        f"This message cannot be {action}: it is {message.status.value}. "
        f"Only {allowed} messages can be {action}."
    )


# A delivery attempt's changes (mail.attempts), and held messages, which the officer releases or
# cancels (mail.held).
from mail.attempts import (  # noqa: E402, F401
    RETRY_WINDOW,
    SENDING_STALE,
    backoff,
    claim,
    claim_many,
    hand_back,
    mark_failed_attempt,
    mark_sent,
    mark_sent_many,
    recover_stale_sending,
    wait_for_mail_system,
)
from mail.held import cancel, release  # noqa: E402, F401
