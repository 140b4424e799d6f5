"""Checking it is the family member before an answered form is shown again.

The link goes to an address the family gave (or on a letter), which is not a secure one, and it
works for as long as the review runs: so holding it is enough to give an answer the first
time, but once an answer exists, it is not enough to see it. The browser the answer was sent
from may see it for a few hours; any other browser first proves it is the family member:

- email requests: a six-digit code sent to the address the family gave (the email carries the
  code and nothing of the case), working for 20 minutes, with 5 tries; a new code at most once
  a minute and 5 times a day;
- letters (no address on file): the date of birth they gave on the form, with 5 tries for the
  link; after that only a new link (a new letter from the DHR officer) opens it again.

A browser is known by a random value it holds; the database keeps a digest of it, bound to the
link it was made under, so a new link or the few hours running out forgets every browser. The
code and the date of birth are kept only as keyed digests. Audited, never logged.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mail import outbox
from service import audit, clock, runtime
from service.consent import links, messages
from service.models import (
    AccessToken,
    Case,
    ConsentCheck,
    ConsentCheckMethod,
    ConsentDevice,
    ConsentRequest,
    ConsentResponse,
    Partnership,
)

#: How long a browser that answered, or passed a check, may see the answered form.
DEVICE_LIFETIME = timedelta(hours=12)
CODE_LIFETIME = timedelta(minutes=20)
CODE_MINUTES = int(CODE_LIFETIME.total_seconds() // 60)
CODE_DIGITS = 6
#: Wrong tries at one code, or at the date of birth for one link.
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(minutes=1)
MAX_CODES_PER_DAY = 5


class Outcome(enum.StrEnum):
    PASSED = "passed"
    WRONG = "wrong"
    EXPIRED = "expired"  # the code is too old, or there is none: send a new one
    LOCKED = "locked"  # too many wrong tries
    UNAVAILABLE = "unavailable"  # nothing to check against (an answer given before checks)


class CodeRefused(ValueError):
    """No code sent now; the message is safe to show the family member (``str()`` gives it in
    the page's language)."""


def new_device() -> str:
    """A browser's random value, kept in its session."""
    return secrets.token_urlsafe(32)


def method_for(request: ConsentRequest) -> ConsentCheckMethod:
    return ConsentCheckMethod.EMAIL if request.email else ConsentCheckMethod.DATE_OF_BIRTH


def needs_check(session: Session, request: ConsentRequest, device: str | None) -> bool:
    """Whether this browser must prove it is the family member before seeing the form: only
    once an answer exists, and only if this browser did not send it or pass a check."""
    if not request.responses:
        return False
    return not _known(session, request, device)


def remember(session: Session, request: ConsentRequest, device: str, *, reason: str) -> None:
    """Let this browser see the answered form for the next few hours, under the current link."""
    token = links.current(session, request)
    if token is None:
        return
    now = clock.now()
    session.add(
        ConsentDevice(
            request_id=request.id,
            token_id=token.id,
            digest=_device_digest(device),
            reason=reason,
            created_at=now,
            expires_at=now + DEVICE_LIFETIME,
        )  # fmt: skip
    )


def digest_date_of_birth(request: ConsentRequest, day: dt.date) -> str:
    return _keyed(f"consent-date-of-birth:{request.id}:{day.isoformat()}")


def send_code(
    session: Session, request: ConsentRequest, *, client_address: str | None = None
) -> None:
    """Email a new code to the address the family gave (any earlier code stops working)."""
    token = _token(session, request)
    if not request.email:
        raise CodeRefused(lazy_gettext("This request has no email address"))
    now = clock.now()
    sent = session.scalars(
        select(ConsentCheck.created_at).where(
            ConsentCheck.request_id == request.id,
            ConsentCheck.token_id == token.id,
            ConsentCheck.method == ConsentCheckMethod.EMAIL,
            ConsentCheck.created_at > now - timedelta(days=1),
        )
    ).all()
    if len(sent) >= MAX_CODES_PER_DAY:
        raise CodeRefused(
            lazy_gettext(
                "You have asked for too many codes today. Try again tomorrow, or contact us."
            )
        )
    if sent and max(clock.as_utc(t) for t in sent) > now - RESEND_AFTER:
        raise CodeRefused(
            lazy_gettext("We sent a code less than a minute ago. Wait a minute, then try again.")
        )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = ConsentCheck(
        request_id=request.id, token_id=token.id, method=ConsentCheckMethod.EMAIL,
        created_at=now, expires_at=now + CODE_LIFETIME,
    )  # fmt: skip
    session.add(row)
    session.flush()
    row.code_digest = _code_digest(row, code)
    case = session.get(Case, request.case_id)
    partnership = session.get(Partnership, request.partnership_id)
    outbox.queue_message(
        session,
        partnership=partnership,
        purpose=messages.CODE.name,
        reference=case.reference,
        to=[request.email],
        actor=_actor(request),
        sealed=[code],
        **messages.to_family(partnership, request, {"code": code, "minutes": CODE_MINUTES}),
    )
    _audit(session, request, "consent.code_sent", client_address, check_id=row.id)


def check_code(
    session: Session,
    request: ConsentRequest,
    code: str,
    device: str,
    *,
    client_address: str | None = None,
) -> Outcome:
    """Check a typed code against the latest one sent; this browser is remembered if right."""
    token = _token(session, request)
    row = session.scalar(
        select(ConsentCheck)
        .where(
            ConsentCheck.request_id == request.id,
            ConsentCheck.token_id == token.id,
            ConsentCheck.method == ConsentCheckMethod.EMAIL,
        )
        .order_by(ConsentCheck.id.desc())
        .limit(1)
    )
    if row is None or row.passed_at is not None or clock.as_utc(row.expires_at) <= clock.now():
        return Outcome.EXPIRED
    typed = "".join((code or "").split())
    return _attempt(session, request, row, _code_digest(row, typed), device, client_address)


def check_date_of_birth(
    session: Session,
    request: ConsentRequest,
    day: dt.date,
    device: str,
    *,
    client_address: str | None = None,
) -> Outcome:
    """Check a typed date of birth against the one given on the form, 5 tries per link."""
    token = _token(session, request)
    expected = session.scalar(
        select(ConsentResponse.date_of_birth_digest)
        .where(
            ConsentResponse.request_id == request.id,
            ConsentResponse.date_of_birth_digest.is_not(None),
        )
        .order_by(ConsentResponse.id.desc())
        .limit(1)
    )
    if expected is None:
        return Outcome.UNAVAILABLE
    row = session.scalar(
        select(ConsentCheck).where(
            ConsentCheck.request_id == request.id,
            ConsentCheck.token_id == token.id,
            ConsentCheck.method == ConsentCheckMethod.DATE_OF_BIRTH,
        )
    )
    if row is None:
        row = ConsentCheck(
            request_id=request.id, token_id=token.id, code_digest=expected,
            method=ConsentCheckMethod.DATE_OF_BIRTH, created_at=clock.now(),
        )  # fmt: skip
        session.add(row)
        session.flush()
    row.code_digest = expected  # the latest answer's, if they answered again since
    return _attempt(
        session, request, row, digest_date_of_birth(request, day), device, client_address
    )


def locked(session: Session, request: ConsentRequest) -> bool:
    """Whether checks are used up for the current link (the date of birth), or for today's
    codes (email): the page then says who to contact."""
    token = links.current(session, request)
    if token is None:
        return True
    method = method_for(request)
    query = select(func.count()).where(
        ConsentCheck.request_id == request.id,
        ConsentCheck.token_id == token.id,
        ConsentCheck.method == method,
        ConsentCheck.attempts >= MAX_ATTEMPTS,
    )
    if method is ConsentCheckMethod.EMAIL:
        query = query.where(ConsentCheck.created_at > clock.now() - timedelta(days=1))
        return (session.scalar(query) or 0) >= MAX_CODES_PER_DAY
    return (session.scalar(query) or 0) > 0


# --- inside ------------------------------------------------------------------------------------


def _attempt(
    session: Session,
    request: ConsentRequest,
    row: ConsentCheck,
    typed_digest: str,
    device: str,
    client_address: str | None,
) -> Outcome:
    # Count the try first, with a guarded update, so two tries at once cannot both slip under
    # the limit.
    counted = session.execute(
        update(ConsentCheck)
        .where(ConsentCheck.id == row.id, ConsentCheck.attempts < MAX_ATTEMPTS)
        .values(attempts=ConsentCheck.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount != 1:
        return Outcome.LOCKED
    session.refresh(row)
    if not hmac.compare_digest(row.code_digest or "", typed_digest):
        _audit(session, request, "consent.check_failed", client_address, check_id=row.id,
               method=row.method.value, attempts=row.attempts)  # fmt: skip
        return Outcome.LOCKED if row.attempts >= MAX_ATTEMPTS else Outcome.WRONG
    row.passed_at = clock.now()
    remember(session, request, device, reason="checked")
    _audit(session, request, "consent.check_passed", client_address, check_id=row.id,
           method=row.method.value)  # fmt: skip
    return Outcome.PASSED


def _known(session: Session, request: ConsentRequest, device: str | None) -> bool:
    if not device:
        return False
    token = links.current(session, request)
    if token is None:
        return False
    found = session.scalar(
        select(ConsentDevice.id)
        .where(
            ConsentDevice.request_id == request.id,
            ConsentDevice.token_id == token.id,
            ConsentDevice.digest == _device_digest(device),
            ConsentDevice.expires_at > clock.now(),
        )
        .limit(1)
    )
    return found is not None


def _token(session: Session, request: ConsentRequest) -> AccessToken:
    token = links.current(session, request)
    if token is None:
        raise CodeRefused(lazy_gettext("This link no longer works"))
    return token


def _device_digest(device: str) -> str:
    return hashlib.sha256(device.encode()).hexdigest()


def _code_digest(row: ConsentCheck, code: str) -> str:
    return _keyed(f"consent-code:{row.id}:{code}")


def _keyed(message: str) -> str:
    key = runtime.settings().SECRET_KEY.encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _actor(request: ConsentRequest) -> str:
    return f"family:{request.id}"


def _audit(
    session: Session, request: ConsentRequest, action: str, client_address: str | None, **detail
) -> None:
    audit.record(
        session, action, actor=_actor(request), partnership_id=request.partnership_id,
        object_type="consent_request", object_id=request.id, case_id=request.case_id,
        client_address=client_address, **detail,
    )  # fmt: skip
