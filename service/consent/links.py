"""Each family member's link to the consent form.

The link carries a short code rather than the usual signed token, because a letter handed over
by the police family liaison officer has to be typed in by hand: ``/consent/7q2m-4k8p-...``.
The code is the stored token's random 128-bit nonce written in Crockford base32 (no I, L, O or
U; case and hyphens do not matter). A signed token carries the same nonce, readable by anyone
who has the link, so the signature would protect nothing the unguessable nonce does not; every
other rule is the same as for any token: the row is checked by ``service.tokens.check`` for
this purpose, and can be revoked.

The link lives as long as its case: every page checks that the case is still open, so closing
the case ends it, whenever that is, and nothing else dates it. It is not used up by answering:
the same link later lets the family member withdraw their consent. Because it sits in an inbox
that is not a secure one for all that time, holding it opens only the unanswered form: once an
answer exists, another browser must first pass a check (``service.consent.verification``). A
new link revokes the old one, and with it every browser remembered under it. Every refusal
looks the same to the visitor.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import clock, runtime, tokens
from service.models import AccessToken, Case, CaseStatus, ConsentRequest

PURPOSE = "family-consent"
SUBJECT = "consent_request"
#: The path the link opens; the code follows it.
PATH = "/consent"
#: A token row needs an expiry; a consent link's end is its case's closing (``check``), so its
#: row gets one no review reaches.
OPEN_ENDED = datetime(9999, 12, 31, tzinfo=UTC)
#: The pages under ``PATH``: any other segment there is a link's code (the access log masks it).
PAGES = frozenset({"start", "about-sharing", "choices", "sign", "check", "sent",
                   "your-form.pdf", "withdraw", "check-its-you", "check-its-you/code"})  # fmt: skip

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base32, lower case
_READ_AS = {"i": "1", "l": "1", "o": "0"}
_CODE_LENGTH = 26  # 128 bits
_GROUP = 4
_NONCE = re.compile(r"^[0-9a-f]{32}$")


def code_for(row: AccessToken) -> str:
    """The short code of a stored token, in groups of four: ``7q2m-4k8p-...``."""
    if not _NONCE.match(row.id):
        raise ValueError("not a token nonce")
    number = int(row.id, 16)
    chars = []
    for _ in range(_CODE_LENGTH):
        number, digit = divmod(number, 32)
        chars.append(_ALPHABET[digit])
    code = "".join(reversed(chars))
    return "-".join(code[i : i + _GROUP] for i in range(0, _CODE_LENGTH, _GROUP))


def nonce_of(code: str) -> str | None:
    """The nonce a typed code names, forgiving case, spaces, hyphens and look-alike letters;
    None if it cannot be one."""
    cleaned = re.sub(r"[\s-]", "", (code or "").lower())
    if len(cleaned) != _CODE_LENGTH:
        return None
    number = 0
    for char in cleaned:
        char = _READ_AS.get(char, char)
        digit = _ALPHABET.find(char)
        if digit < 0:
            return None
        number = number * 32 + digit
    if number >= 1 << 128:
        return None
    return f"{number:032x}"


def mask(path: str) -> str:
    """``path`` as logs may record it: a link's code (anything under ``PATH`` that is not one
    of its pages) replaced by ``[code]``."""
    prefix = f"{PATH}/"
    if path.startswith(prefix) and path[len(prefix) :] not in PAGES:
        return f"{prefix}[code]"
    return path


def url_for_code(code: str) -> str:
    return f"{runtime.settings().SERVICE_URL.rstrip('/')}{PATH}/{code}"


def issue(session: Session, request: ConsentRequest) -> str:
    """A new link for ``request`` (any earlier one stops working); the URL."""
    tokens.revoke_all(session, purpose=PURPOSE, subject_type=SUBJECT, subject_id=request.id)
    row, _token = tokens.issue(
        session,
        purpose=PURPOSE,
        subject_type=SUBJECT,
        subject_id=request.id,
        partnership_id=request.partnership_id,
        expires_at=OPEN_ENDED,
    )
    return url_for_code(code_for(row))


def current(session: Session, request: ConsentRequest) -> AccessToken | None:
    """The request's working token, if it has one."""
    return session.scalar(
        select(AccessToken)
        .where(
            AccessToken.purpose == PURPOSE,
            AccessToken.subject_type == SUBJECT,
            AccessToken.subject_id == str(request.id),
            AccessToken.revoked_at.is_(None),
            AccessToken.expires_at > clock.now(),
        )
        .order_by(AccessToken.created_at.desc())
        .limit(1)
    )


def current_url(session: Session, request: ConsentRequest) -> str | None:
    row = current(session, request)
    return url_for_code(code_for(row)) if row else None


def revoke(session: Session, request: ConsentRequest) -> None:
    tokens.revoke_all(session, purpose=PURPOSE, subject_type=SUBJECT, subject_id=request.id)


def check(session: Session, code: str) -> ConsentRequest:
    """The request ``code`` opens; ``tokens.TokenRefused`` otherwise (whatever the reason,
    the caller shows the same page)."""
    nonce = nonce_of(code)
    row = session.get(AccessToken, nonce) if nonce else None
    if row is None:
        # An unknown or altered code costs the same database round trips as a known one, so
        # the response time does not tell them apart.
        session.get(ConsentRequest, -1)
        raise tokens.TokenRefused(tokens.TokenProblem.INVALID)
    # The stored row's own token, checked as any other: purpose, revoked, used, expired.
    tokens.check(session, tokens.token_for(row), purpose=PURPOSE)
    request = None
    if row.subject_type == SUBJECT and row.subject_id.isdigit():
        request = session.get(ConsentRequest, int(row.subject_id))
    if request is None or request.partnership_id != row.partnership_id:
        raise tokens.TokenRefused(tokens.TokenProblem.INVALID)
    case = session.get(Case, request.case_id)
    if case is None or case.status is not CaseStatus.OPEN:
        raise tokens.TokenRefused(tokens.TokenProblem.EXPIRED, row)
    return request
