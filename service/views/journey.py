"""What every multi-page public form shares (the referral, a trawl return, an IMR, family
consent, a panel member's comments)."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm


def timed_out(form: FlaskForm) -> bool:
    """The CSRF token expired (the page was open too long): keep what was typed, say why."""
    if form.is_submitted() and form.meta.csrf and form.csrf_token.errors:
        form.csrf_token.errors = []
        return True
    return False


def returning() -> bool:
    """The page was opened from check your answers, so saving goes back there."""
    return request.args.get("return") == "check"
