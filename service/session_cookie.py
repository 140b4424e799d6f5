"""The browser's session cookie, encrypted as well as signed.

Flask's own cookie is signed but readable: anyone holding it can decode what it carries. What it
carries here is little (a random key for a console or link visit, the id of a draft, answers
waiting on a check page), but answers can be personal data, so the cookie is sealed with Fernet
(AES and an HMAC) under a key derived from ``SECRET_KEY``, and expires with the session lifetime.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature


@functools.lru_cache(maxsize=4)
def _key(secret: str | bytes) -> bytes:
    """The Fernet key for ``secret``: derived once, not for every request."""
    raw = secret.encode() if isinstance(secret, str) else secret
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"dhr-forms session cookie", info=b"fernet"
    ).derive(raw)
    return base64.urlsafe_b64encode(derived)


class _Sealed:
    """The serializer Flask's cookie session expects (``dumps``/``loads``), sealing with Fernet."""

    def __init__(self, secret: str | bytes, serializer: Any) -> None:
        self._fernet = Fernet(_key(secret))
        self._serializer = serializer

    def dumps(self, value: Any) -> str:
        return self._fernet.encrypt(self._serializer.dumps(value).encode()).decode()

    def loads(self, sealed: str | bytes, max_age: int | None = None) -> Any:
        data = sealed.encode() if isinstance(sealed, str) else sealed
        try:
            plain = self._fernet.decrypt(data, ttl=max_age)
        except InvalidToken as exc:
            # Flask treats a bad signature as "no session": the visitor starts afresh.
            raise BadSignature("session cookie refused") from exc
        return self._serializer.loads(plain.decode())


#: Messages flashed and not yet shown (a request whose redirect was never followed, a download)
#: would otherwise pile up until the cookie is too big for a browser to keep, and with it the
#: sign-in; only the latest few are worth showing anyway.
MAX_FLASHES = 3


class EncryptedSessionInterface(SecureCookieSessionInterface):
    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        flashes = session.get("_flashes")
        if flashes and len(flashes) > MAX_FLASHES:
            session["_flashes"] = flashes[-MAX_FLASHES:]
        super().save_session(app, session, response)

    def get_signing_serializer(self, app: Flask) -> _Sealed | None:  # type: ignore[override]
        if not app.secret_key:
            return None
        return _Sealed(app.secret_key, self.serializer)
