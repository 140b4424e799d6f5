"""Reading one bounce report: who failed, how, and which of our messages it is about.

What is understood:

- RFC 3464 delivery status notifications: ``multipart/report; report-type=delivery-status``
  with a ``message/delivery-status`` part (or ``message/global-delivery-status``), the way
  Postfix, Exim, Sendmail, Exchange (on-premises and Online) and Gmail send them. Each
  per-recipient block with ``Action: failed`` is a failure (permanent, whatever its status
  class: a message given up on is not coming); ``Action: delayed`` is a delay. ``delivered``,
  ``relayed`` and ``expanded`` are not failures.
- The original message's Message-ID, from the returned message (``message/rfc822``) or its
  returned headers (``text/rfc822-headers``); failing those, the report's own ``In-Reply-To``
  and ``References`` are kept as a fallback.
- Formats without a delivery-status part (qmail, Exim's ``X-Failed-Recipients``, older
  Exchange and others): ``flufl.bounce`` finds the failed addresses, and the Message-ID comes
  from the returned message or a ``Message-ID:`` line in the text that quotes it.

Everything else is ignored, with the reason: out-of-office and other automatic replies, read
receipts (``disposition-notification``), reports without a readable delivery-status part
(malformed), reports over 20 MB, and messages that are no report at all. The ``From`` header is
never trusted: a report counts only through the exact Message-ID of a message we sent.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import message_from_bytes
from email import policy as email_policy
from email.message import Message
from email.parser import HeaderParser

import flufl.bounce

from mail.transports import redact

#: Reports larger than this are not read.
MAX_REPORT_BYTES = 20 * 1024 * 1024

_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")
_QUOTED_ID = re.compile(r"^[ \t>]*Message-ID:[ \t]*(<[^<>\s@]+@[^<>\s@]+>)", re.I | re.M)
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_STATUS_PARTS = ("message/delivery-status", "message/global-delivery-status")
_RETURNED = ("message/rfc822", "message/global")
_RETURNED_HEADERS = ("text/rfc822-headers", "message/rfc822-headers", "message/global-headers")
_AUTO_SUBJECTS = ("automatic reply", "auto:", "autoreply", "auto-reply", "out of office")
_DAEMONS = ("mailer-daemon", "postmaster", "microsoftexchange")

# Why a report is ignored: said in logs and in the recorded outcome, never with an address.
TOO_BIG = "too big"
NOT_A_REPORT = "not a report"
AUTO_REPLY = "automatic reply"
READ_RECEIPT = "read receipt"
MALFORMED = "malformed report"
NO_FAILURE = "no failed recipient"


@dataclass(frozen=True)
class Failure:
    """One recipient the report says failed (``permanent``) or was delayed."""

    addresses: tuple[str, ...]  # the final and original recipient, lower case
    status: str  # the enhanced status code, e.g. "5.1.1"
    diagnostic: str  # the remote server's words, addresses cut to their domain
    permanent: bool


@dataclass(frozen=True)
class Report:
    key: str  # SHA-256 of the report's Message-ID (or of its bytes): read once
    ignored: str | None = None  # why it is ignored, or None for a report of failures
    format: str = ""  # "rfc3464" or "non-standard"
    failures: tuple[Failure, ...] = ()
    original_ids: tuple[str, ...] = ()  # from the returned message or headers
    fallback_ids: tuple[str, ...] = ()  # the report's In-Reply-To and References


def parse(raw: bytes) -> Report:
    """What the report ``raw`` (its bytes, as received) says."""
    if len(raw) > MAX_REPORT_BYTES:
        return Report(key=_digest(b"raw:" + raw[:65536]), ignored=TOO_BIG)
    msg = message_from_bytes(raw, policy=email_policy.compat32)
    key = _key(msg, raw)
    if not msg.keys():
        return Report(key=key, ignored=NOT_A_REPORT)
    fallback = tuple(
        _MESSAGE_ID.findall(" ".join(str(msg.get(h) or "") for h in ("In-Reply-To", "References")))
    )
    report_type = str(msg.get_param("report-type") or "").lower()
    if msg.get_content_type() == "multipart/report":
        if report_type == "disposition-notification":
            return Report(key=key, ignored=READ_RECEIPT)
        if report_type not in ("delivery-status", "global-delivery-status", ""):
            return Report(key=key, ignored=NOT_A_REPORT)
        return _delivery_status(msg, key, fallback)
    if any(p.get_content_type() == "message/disposition-notification" for p in msg.walk()):
        return Report(key=key, ignored=READ_RECEIPT)
    return _non_standard(msg, key, fallback)


def _delivery_status(msg: Message, key: str, fallback: tuple[str, ...]) -> Report:
    if not msg.is_multipart():  # a boundary the parser could not find, say
        return Report(key=key, ignored=MALFORMED)
    part = next((p for p in msg.walk() if p.get_content_type() in _STATUS_PARTS), None)
    if part is None:
        return Report(key=key, ignored=MALFORMED)
    failures, recipients = [], 0
    for block in _blocks(part):
        action = str(block.get("Action") or "").strip().lower()
        named = (block.get("Final-Recipient"), block.get("Original-Recipient"))
        addresses = tuple(a for a in map(_address, named) if a)
        if not action or not addresses:
            continue
        recipients += 1
        if action not in ("failed", "delayed"):
            continue  # delivered, relayed or expanded: not a failure
        found = _STATUS.search(str(block.get("Status") or ""))
        status = ".".join(found.groups()) if found else ("5.0.0" if action == "failed" else "4.0.0")
        diagnostic = str(block.get("Diagnostic-Code") or "").partition(";")[2] or status
        failures.append(
            Failure(
                addresses=tuple(dict.fromkeys(addresses)),
                status=status,
                diagnostic=_clean(diagnostic),
                permanent=action == "failed",
            )
        )
    if not recipients:
        return Report(key=key, ignored=MALFORMED)
    if not failures:
        return Report(key=key, ignored=NO_FAILURE)
    return Report(
        key=key,
        format="rfc3464",
        failures=tuple(failures),
        original_ids=_returned_ids(msg),
        fallback_ids=fallback,
    )


def _non_standard(msg: Message, key: str, fallback: tuple[str, ...]) -> Report:
    """A bounce in a format of its own (flufl.bounce), or no report at all."""
    sender = str(msg.get("From") or "").lower()
    looks_like_bounce = bool(msg.get("X-Failed-Recipients")) or any(d in sender for d in _DAEMONS)
    if _automatic_reply(msg) and not looks_like_bounce:
        return Report(key=key, ignored=AUTO_REPLY)
    try:
        temporary, permanent = flufl.bounce.all_failures(msg)
    except Exception:  # a heuristic tripping over a strange message: not a report we can read
        return Report(key=key, ignored=MALFORMED)
    failures = [
        Failure((address,), status, why, permanent=status.startswith("5"))
        for found, status, why in (
            (permanent, "5.0.0", "reported as a permanent failure, in a non-standard format"),
            (temporary, "4.0.0", "reported as a delay, in a non-standard format"),
        )
        for address in sorted({_decoded(a) for a in found} - {""})
    ]
    if not failures:
        return Report(key=key, ignored=AUTO_REPLY if _automatic_reply(msg) else NOT_A_REPORT)
    original = _returned_ids(msg) or _quoted_ids(msg)
    return Report(
        key=key,
        format="non-standard",
        failures=tuple(failures),
        original_ids=original,
        fallback_ids=fallback,
    )


def _automatic_reply(msg: Message) -> bool:
    auto = str(msg.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return True
    if msg.get("X-Autoreply") or msg.get("X-Autorespond"):
        return True
    if str(msg.get("Precedence") or "").strip().lower() == "auto_reply":
        return True
    subject = str(msg.get("Subject") or "").strip().lower()
    return subject.startswith(_AUTO_SUBJECTS)


def _blocks(part: Message) -> list[Message]:
    """The header blocks of a delivery-status part, however the parser left them."""
    payload = part.get_payload()
    encoding = str(part.get("Content-Transfer-Encoding") or "").strip().lower()
    encoded = encoding in ("base64", "quoted-printable")
    if isinstance(payload, list) and not encoded:
        text = "\n".join(b.as_string() for b in payload if isinstance(b, Message))
    elif isinstance(payload, list):
        return []
    else:
        data = part.get_payload(decode=True) or b""
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
    text = text.replace("\r\n", "\n")
    parser = HeaderParser(policy=email_policy.compat32)
    blocks = [b.strip() for b in re.split(r"\n[ \t]*\n", text)]
    return [parser.parsestr(b + "\n") for b in blocks if b]


def _returned_ids(msg: Message) -> tuple[str, ...]:
    """Message-IDs of the returned message or returned headers (not of anything inside them)."""
    found: list[str] = []

    def visit(part: Message) -> None:
        kind = part.get_content_type()
        if kind in _RETURNED:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                found.extend(_MESSAGE_ID.findall(str(inner[0].get("Message-ID") or "")))
            return
        if kind in _RETURNED_HEADERS:
            data = part.get_payload(decode=True) or b""
            headers = HeaderParser().parsestr(data.decode("utf-8", "replace"))
            found.extend(_MESSAGE_ID.findall(str(headers.get("Message-ID") or "")))
            return
        if part.is_multipart():
            for child in part.get_payload():
                visit(child)

    visit(msg)
    return tuple(dict.fromkeys(found))


def _quoted_ids(msg: Message) -> tuple[str, ...]:
    """Message-ID lines in the text of a report that quotes the returned message inline."""
    found: list[str] = []
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            data = part.get_payload(decode=True) or b""
            found.extend(_QUOTED_ID.findall(data.decode("utf-8", "replace")))
    return tuple(dict.fromkeys(found))


def _address(field: object) -> str:
    """``rfc822; Jo@Example.org`` → ``jo@example.org``; anything without one address → ""."""
    value = str(field or "").strip()
    if ";" in value:
        value = value.split(";", 1)[1]
    value = value.strip().strip("<>").strip().lower()
    return value if value.count("@") == 1 and not any(c.isspace() for c in value) else ""


def _decoded(address: bytes | str) -> str:
    text = address.decode("ascii", "replace") if isinstance(address, bytes) else address
    return _address(text)


def _clean(text: str) -> str:
    return redact(" ".join(text.split()))[:500]


def _key(msg: Message, raw: bytes) -> str:
    ids = _MESSAGE_ID.findall(str(msg.get("Message-ID") or ""))
    if ids:
        return _digest(b"id:" + ids[0].encode("utf-8", "replace"))
    return _digest(b"raw:" + raw.replace(b"\r\n", b"\n").strip())


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
