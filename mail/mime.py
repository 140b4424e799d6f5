"""One outbox row → one MIME message, identical on every attempt, with its live links back in."""

from __future__ import annotations

from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from mail import links
from mail.transports import Envelope
from service.models import Message


#: RFC 5322's own line limit (998), not the 78 it recommends: Python folds a subject of 70-odd
#: characters straight after "Subject:", and some clients then show it with a leading space.
#: Subjects here are fixed wording and a reference, far shorter than 998.
class _Headers(HeaderRegistry):
    """The standard library's header factory, making each header's class once, not per header
    (it builds a new class with ``type()`` for every header it parses)."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls


POLICY = SMTP.clone(max_line_length=998, header_factory=_Headers())


def build(message: Message, sender: str) -> Envelope:
    """The envelope for ``message``; its Message-ID and Date never change between attempts."""
    mime = EmailMessage(policy=POLICY)
    mime["From"] = sender
    mime["To"] = message.recipient
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(message.created_at)
    mime["Message-ID"] = message.message_id_header
    mime["Auto-Submitted"] = "auto-generated"
    mime["X-Auto-Response-Suppress"] = "All"
    # The recipient gets the live links the stored bodies hold only as placeholders.
    mime.set_content(links.restore(message.body_text, "text", message.live_links))
    if message.body_html:
        mime.add_alternative(
            links.restore(message.body_html, "html", message.live_links), subtype="html"
        )
    for attachment in message.attachments:
        maintype, subtype, params = content_type_parts(attachment.content_type)
        mime.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )
    return Envelope(
        sender=sender,
        recipients=(message.recipient,),
        mime=mime,
        # Claiming counts the attempt: more than one means an earlier one may have got through.
        first_attempt=(message.attempts or 0) <= 1,
    )


def content_type_parts(content_type: str) -> tuple[str, str, dict[str, str]]:
    """``"text/calendar; method=REQUEST"`` → ("text", "calendar", {"method": "REQUEST"})."""
    kind, *rest = (part.strip() for part in content_type.split(";"))
    maintype, _, subtype = kind.partition("/")
    params = {}
    for part in rest:
        name, _, value = part.partition("=")
        if name and value:
            params[name.strip().lower()] = value.strip().strip('"')
    return maintype or "application", subtype or "octet-stream", params
