"""Live links in message bodies: stored as a placeholder, put back only on the way to the wire.

A link that opens something without signing in (an officer's set-up or reset link, an agency's
trawl-return or IMR link, a family member's consent link, a draft's resume link, a panel member's
comments link) grants whatever it opens to whoever reads it. The outbox is read by every console
role, so no stored body holds one: ``redact`` replaces each live link with ``PLACEHOLDER`` and
returns where it was and which stored token it names (the AccessToken row's id and purpose, kept
in ``Message.live_links``, which nothing shows). ``restore`` re-derives the link from them when
the message is built for the transport (``mail.mime``), so the link never sits in the outbox as
text, and a retried, recovered or released message still delivers a working link.

A link is recognised as live only if the token in it is exactly the one the stored row gives
(``service.tokens.token_for``, or the consent code of ``service.consent.links.code_for``). Any
other link that still looks like one (a ``token=`` query or a consent code in the path, whose row
cannot be found) is replaced too, and cannot be put back: better a recipient who asks for a new
link than a reader of the outbox who can use it.

A one-time code in a body (the consent form's "check it's you" code) is kept out the same way
(``seal``): stored encrypted with ``DATA_KEY`` beside the links, shown as a placeholder.

What the transport is handed is the message the recipient gets, live links and all; the file
transport writes exactly that as the .eml (for the demo, its user's mailbox). Everything shown
to operators (the console's message page, ``dhr mail list``) shows only the stored body.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from itsdangerous import URLSafeSerializer

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: What a reader of the outbox sees where a live link was.
PLACEHOLDER = "[link sent to the recipient]"
#: And where a one-time code was (``seal``): kept encrypted with ``DATA_KEY`` until sent.
SEALED_PLACEHOLDER = "[code sent to the recipient]"

_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+")
#: An itsdangerous token: optional "." (compressed), payload "." signature, URL-safe base64.
_SIGNED = re.compile(r"\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
#: A consent code as ``service.consent.links.code_for`` writes it: 26 characters in fours.
_CODE = re.compile(
    r"(?<![0-9A-Za-z-])[0-9A-Za-z]{4}(?:-[0-9A-Za-z]{4}){5}-[0-9A-Za-z]{2}(?![0-9A-Za-z])"
)
_NONCE = re.compile(r"^[0-9a-f]{32}$")
#: Sentence punctuation after a link is not part of it.
_TRAILING = ".,;:!?"

#: A token row's purpose by its id, or None if there is no such row.
Lookup = Callable[[str], "str | None"]


@dataclass(frozen=True)
class LiveLink:
    """Where a live link was taken out of a body, and how to write it again."""

    part: str  # "text" or "html"
    at: int  # the placeholder's offset in the stored body
    head: str  # the link up to its token, as it was written (HTML-escaped in HTML)
    token_id: str  # the AccessToken row the token names
    purpose: str  # that row's purpose, which signs its token
    form: str  # "signed" (``token_for``) or "code" (a consent code)

    def as_json(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "at": self.at,
            "head": self.head,
            "token": self.token_id,
            "purpose": self.purpose,
            "form": self.form,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LiveLink:
        return cls(
            data["part"],
            int(data["at"]),
            data["head"],
            data["token"],
            data["purpose"],
            data["form"],
        )


def _signed_token(token_id: str, purpose: str) -> str:
    from service import tokens
    from service.models import AccessToken

    return tokens.token_for(AccessToken(id=token_id, purpose=purpose))


def _code(token_id: str) -> str:
    # The consent code's format belongs to the consent links; imported here, not at the top,
    # because the outbox sits below the features that send mail.
    from service.consent.links import code_for
    from service.models import AccessToken

    return code_for(AccessToken(id=token_id))


def _nonce_of_code(code: str) -> str | None:
    from service.consent.links import nonce_of

    return nonce_of(code)


def _recognise(url: str, lookup: Lookup) -> tuple[int, int, str, str, str] | None:
    """(start, end, token id, purpose, form) of the live token in ``url``, if it has one."""
    for match in _SIGNED.finditer(url):
        candidate = match.group(0)
        # The payload, unverified: the signature is checked below, against the row's own token.
        _signed, nonce = URLSafeSerializer("-").loads_unsafe(candidate)
        if not isinstance(nonce, str) or not _NONCE.match(nonce):
            continue
        purpose = lookup(nonce)
        if purpose is not None and _signed_token(nonce, purpose) == candidate:
            return match.start(), match.end(), nonce, purpose, "signed"
    for match in _CODE.finditer(url):
        nonce = _nonce_of_code(match.group(0))
        purpose = lookup(nonce) if nonce else None
        if nonce and purpose is not None and _code(nonce) == match.group(0):
            return match.start(), match.end(), nonce, purpose, "code"
    return None


def looks_live(url: str) -> bool:
    """True for a link that carries a token, whether or not its token row can be found."""
    return "token=" in url or _CODE.search(url) is not None


def redact(body: str, part: str, lookup: Lookup | None) -> tuple[str, list[LiveLink], int]:
    """The body with every live link replaced by ``PLACEHOLDER``; the links recognised (so
    they can be restored); and how many link-like URLs were replaced without being recognised.

    ``lookup`` None recognises nothing: every link that looks live is simply replaced.
    """
    out: list[str] = []
    found: list[LiveLink] = []
    unrecognised = 0
    length = 0  # of what is in ``out``
    last = 0
    for match in _URL.finditer(body):
        url = match.group(0).rstrip(_TRAILING)
        hit = _recognise(url, lookup) if lookup is not None else None
        if hit is None and not looks_live(url):
            continue
        before = body[last : match.start()]
        out.append(before)
        length += len(before)
        if hit is not None:
            start, end, token_id, purpose, form = hit
            found.append(LiveLink(part, length, url[:start], token_id, purpose, form))
            last = match.start() + end  # anything after the token stays, as written
        else:
            unrecognised += 1
            last = match.start() + len(url)
        out.append(PLACEHOLDER)
        length += len(PLACEHOLDER)
    out.append(body[last:])
    return "".join(out), found, unrecognised


def redact_bodies(
    text: str, html: str | None, lookup: Lookup | None
) -> tuple[str, str | None, list[dict[str, Any]] | None]:
    """Both bodies redacted, and the links to restore, as stored on the message."""
    text, in_text, lost_text = redact(text, "text", lookup)
    in_html: list[LiveLink] = []
    lost_html = 0
    if html is not None:
        html, in_html, lost_html = redact(html, "html", lookup)
    if lost_text or lost_html:
        # A link that looks live but names no stored token: it cannot be put back, so the
        # recipient will not get it. Worth a look, but never worth storing the link.
        log.warning(
            "a link in a message names no stored token; it was left out",
            extra={"links": lost_text + lost_html},
        )
    links = [link.as_json() for link in (*in_text, *in_html)]
    return text, html, links or None


def seal(
    body: str, part: str, values: Iterable[str], links: list[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    """The body with each of ``values`` (one-time codes) replaced by ``SEALED_PLACEHOLDER``,
    and ``links`` with an encrypted entry for each, so only the transport gets the value.

    ``links`` are the entries ``redact`` made for this body; their offsets are moved to match.
    """
    from service import crypto

    pattern = "|".join(re.escape(v) for v in values if v)
    if not pattern:
        return body, links
    moved = [dict(link) for link in links]
    sealed: list[dict[str, Any]] = []
    shift = len(SEALED_PLACEHOLDER)
    out: list[str] = []
    last = 0
    length = 0
    # Whole values only: a code's digits inside a longer number are left alone.
    for match in re.finditer(rf"(?<![0-9A-Za-z])(?:{pattern})(?![0-9A-Za-z])", body):
        out.append(body[last : match.start()])
        length += match.start() - last
        delta = shift - (match.end() - match.start())
        for link in moved:
            if link["part"] == part and link["at"] >= length:
                link["at"] += delta
        for done in sealed:
            if done["at"] >= length:
                done["at"] += delta
        sealed.append(
            LiveLink(part, length, "", crypto.encrypt(match.group(0)), "", "sealed").as_json()
        )
        out.append(SEALED_PLACEHOLDER)
        length += shift
        last = match.end()
    out.append(body[last:])
    return "".join(out), moved + sealed


def rotate_sealed(session: Session | Connection, rotate: Callable[[str], str]) -> int:
    """Re-encrypt, with ``rotate``, every code sealed into a stored message; how many."""
    import sqlalchemy as sa

    table = sa.table("message", sa.column("id", sa.Integer), sa.column("live_links", sa.JSON))
    rows = session.execute(
        sa.select(table.c.id, table.c.live_links).where(table.c.live_links.is_not(None))
    ).all()
    count = 0
    for key, stored in rows:
        fresh = [dict(link) for link in stored or ()]
        sealed = [link for link in fresh if link.get("form") == "sealed"]
        for link in sealed:
            link["token"] = rotate(link["token"])
        if sealed:
            session.execute(sa.update(table).where(table.c.id == key).values(live_links=fresh))
            count += len(sealed)
    return count


def restore(body: str, part: str, stored: Iterable[dict[str, Any]] | None) -> str:
    """The body with each recognised live link (and sealed code) written back in its place."""
    from service import crypto

    links = [LiveLink.from_json(d) for d in stored or () if d.get("part") == part]
    for link in sorted(links, key=lambda link: link.at, reverse=True):
        placeholder = SEALED_PLACEHOLDER if link.form == "sealed" else PLACEHOLDER
        if body[link.at : link.at + len(placeholder)] != placeholder:
            # Bodies are never edited once stored; if one were, a link put back in the wrong
            # place would be worse than none.
            log.warning("a live link's place in a message body has moved; not restored")
            continue
        if link.form == "sealed":
            token = crypto.decrypt(link.token_id)
        elif link.form == "code":
            token = _code(link.token_id)
        else:
            token = _signed_token(link.token_id, link.purpose)
        body = body[: link.at] + link.head + token + body[link.at + len(placeholder) :]
    return body


def lookup_in(session: Session) -> Lookup:
    """Token rows' purposes, read through ``session``."""
    from service.models import AccessToken

    def purpose_of(token_id: str) -> str | None:
        # Looking a token up must not flush the caller's half-made rows.
        with session.no_autoflush:
            row = session.get(AccessToken, token_id)
        return row.purpose if row is not None else None

    return purpose_of


#: Statuses a message can still be delivered from: only these need their links back.
_UNDELIVERED = ("queued", "sending", "held", "failed")


def redact_stored_messages(connection: Connection) -> int:
    """Redact the bodies of messages stored before live links were kept out of them; the
    number of messages changed. Used by migration 0007, so it reads the tables, not the models.

    A message that may still be delivered keeps the links it can get back; a link whose token
    row is gone, or whose token the current ``SECRET_KEY`` did not sign, is replaced all the same.
    """
    import sqlalchemy as sa

    message = sa.table(
        "message",
        sa.column("id", sa.String),
        sa.column("status", sa.String),
        sa.column("body_text", sa.Text),
        sa.column("body_html", sa.Text),
        sa.column("live_links", sa.JSON),
    )
    access_token = sa.table("access_token", sa.column("id", sa.String), sa.column("purpose"))

    def purpose_of(token_id: str) -> str | None:
        return connection.execute(
            sa.select(access_token.c.purpose).where(access_token.c.id == token_id)
        ).scalar()

    rows = connection.execute(
        sa.select(message.c.id, message.c.status, message.c.body_text, message.c.body_html).where(
            sa.or_(message.c.body_text.like("%://%"), message.c.body_html.like("%://%"))
        )
    ).all()
    changed = 0
    for row in rows:
        text, html, found = redact_bodies(row.body_text, row.body_html, purpose_of)
        if (text, html) == (row.body_text, row.body_html):
            continue
        connection.execute(
            sa.update(message)
            .where(message.c.id == row.id)
            .values(
                body_text=text,
                body_html=html,
                live_links=found if row.status in _UNDELIVERED else None,
            )
        )
        changed += 1
    return changed
