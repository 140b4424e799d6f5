"""What the recipient of an outbox message gets: the MIME the transport is handed, live links in."""

from __future__ import annotations

from mail import mime
from service.models import Message


def delivered_text(message: Message) -> str:
    """The plain-text body as delivered (the stored one has placeholders for its links)."""
    return (
        mime.build(message, "dhr-forms@exampleshire.gov.uk").mime.get_body(("plain",)).get_content()
    )


def delivered_html(message: Message) -> str:
    """The HTML body as delivered."""
    return (
        mime.build(message, "dhr-forms@exampleshire.gov.uk").mime.get_body(("html",)).get_content()
    )
