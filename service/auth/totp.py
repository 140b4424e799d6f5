"""Authenticator-app codes (TOTP, RFC 6238: 6 digits, 30-second steps, SHA-1)."""

from __future__ import annotations

import base64
import io
import re
from datetime import datetime

import pyotp
import segno

ISSUER = "DHR Forms"
STEP_SECONDS = 30
# Accept the code for the previous and the next step too, for clocks a little out.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """An SVG QR code as a data: URI (the Content-Security-Policy allows data: images)."""
    out = io.BytesIO()
    # A standalone SVG needs its xmlns: without it a browser draws nothing from a data: URI.
    segno.make(uri, error="m").save(
        out, kind="svg", xmldecl=False, svgns=True, scale=5, border=2, dark="#0b0c0c",
        light="#ffffff",
    )  # fmt: skip
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def step_of(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def matching_step(secret: str, code: str, moment: datetime, *, after: int | None) -> int | None:
    """The step ``code`` belongs to (within the drift allowed) and later than ``after``."""
    code = normalise_code(code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    now_step = step_of(moment)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def code_at(secret: str, moment: datetime) -> str:
    """The code an authenticator app shows at ``moment`` (used by tests and the demo)."""
    return pyotp.TOTP(secret).generate_otp(step_of(moment))
