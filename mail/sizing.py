"""Attachments, and fitting them into a message: those that would make it bigger than the mail
system takes are left off, and the body says where to download each from the console instead."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mail.transports.base import TransportConfigError
from service import runtime

if TYPE_CHECKING:
    from service.models import StoredFile


@dataclass(frozen=True)
class Attachment:
    """A file to send with a message. ``file_id`` names the StoredFile it is a copy of, if any:
    such an attachment, when it would make the message too big, is sent as a link instead."""

    filename: str
    content_type: str
    data: bytes
    file_id: str | None = None

    @classmethod
    def of(cls, stored: StoredFile) -> Attachment:
        """An uploaded file as an attachment (its bytes are loaded now)."""
        return cls(stored.filename, stored.content_type, stored.data, file_id=stored.id)


class TooBig(ValueError):
    """Attachments that must go attached are too big on their own; the reason is safe to show."""


#: Room for a message's headers and MIME part headers around the encoded bodies and files.
_HEADER_ALLOWANCE = 4 * 1024
_PART_ALLOWANCE = 512


def size_limit() -> int:
    """The largest message (encoded, in bytes) the mail system here takes."""
    settings = runtime.settings()
    limit = settings.MAIL_MAX_BYTES
    # The service refuses to start with a wrong MAIL_TRANSPORT; if it is wrong, the setting stands.
    with contextlib.suppress(TransportConfigError):
        limit = min(limit, runtime.transport().max_bytes)
    return limit


def encoded_size(raw_bytes: int) -> int:
    """Bytes on the wire once base64-encoded in 76-character lines (57 bytes each), CRLF ended."""
    return -(-raw_bytes // 57) * 78


def fit_attachments(
    attachments: Sequence[Attachment], *, limit: int, body_bytes: int
) -> tuple[list[Attachment], list[Attachment]]:
    """(what goes attached, what goes as a link), attachments kept in the order given."""
    used = _HEADER_ALLOWANCE + 2 * encoded_size(body_bytes)  # the links' lines fit in the 2×
    fixed = [a for a in attachments if a.file_id is None]
    for a in fixed:
        used += encoded_size(len(a.data)) + _PART_ALLOWANCE
    if fixed and used > limit:
        raise TooBig(
            "The attachments are too big to send by email "
            f"(the limit is {limit // (1024 * 1024)}MB) and cannot be sent as links"
        )
    kept: list[Attachment] = []
    linked: list[Attachment] = []
    for a in attachments:
        size = encoded_size(len(a.data)) + _PART_ALLOWANCE
        if a.file_id is None:
            kept.append(a)  # already counted
        elif used + size <= limit:
            used += size
            kept.append(a)
        else:
            linked.append(a)
    return kept, linked


def with_download_links(
    text: str, html: str | None, links: Sequence[Attachment], service_url: str
) -> tuple[str, str | None]:
    """The bodies with a paragraph naming each file left off and where to download it.

    It goes before the footer (the text's ``--`` line, the HTML's rule), or at the end.
    """
    from markupsafe import escape

    from service.uploads import download_path

    lines = [(a.filename, f"{service_url}{download_path(a.file_id or '')}") for a in links]
    intro = "These files were too big to send by email. Download them from the DHR console:"
    block = "\n".join([intro, *(f"- {name}: {url}" for name, url in lines)]) + "\n"
    head, sep, tail = text.rpartition("\n--\n")
    text = f"{head}\n\n{block}{sep}{tail}" if sep else f"{text.rstrip()}\n\n{block}"
    if html is not None:
        items = "".join(
            f'<li>{escape(name)}: <a href="{escape(url)}">{escape(url)}</a></li>'
            for name, url in lines
        )
        snippet = f"<p>{escape(intro)}</p>\n<ul>{items}</ul>\n"
        for marker in ("<hr>", "</body>"):
            at = html.rfind(marker)
            if at != -1:
                html = html[:at] + snippet + html[at:]
                break
        else:
            html += snippet
    return text, html
