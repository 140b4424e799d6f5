"""Passwords: argon2 hashes, and the rules a new password must meet."""

from __future__ import annotations

import functools
import gzip
import re
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256
# 20,000 common passwords (the list Django ships; see common-passwords.md).
COMMON_LIST = Path(__file__).with_name("common-passwords.txt.gz")

_hasher = PasswordHasher()
# Verifying against this when there is no account takes as long as a real check, so response
# times do not tell anyone which email addresses have accounts.
_DUMMY_HASH = _hasher.hash("not a real password, used for timing only")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@functools.cache
def _common() -> frozenset[str]:
    with gzip.open(COMMON_LIST, "rt", encoding="utf-8") as f:
        return frozenset(line.strip().lower() for line in f if line.strip())


def problem(password: str, *, email: str | None = None) -> str | None:
    """Why ``password`` cannot be used, in GOV.UK error-message wording; None if it can."""
    if not password:
        return "Enter a password"
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    # "password12345" is "password" with digits added: as easy to guess.
    stem = re.sub(r"[\d\W_]+$", "", lowered)
    if lowered in _common() or stem in _common() or len(set(lowered)) <= 3:
        return "Password is too easy to guess. Choose a password that is harder to guess"
    if email and email.split("@", 1)[0].lower() in lowered:
        return "Password must not contain your email address"
    return None
