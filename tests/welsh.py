"""English the Welsh catalogue translates, as a page would show it: what a page in Welsh must
not have left on it."""

from __future__ import annotations

import re

from tests.test_catalogue import SAME_IN_WELSH, catalogue


def english_pattern(msgid: str) -> re.Pattern[str] | None:
    """A catalogue message as it would show on a page, its placeholders standing for anything;
    None for one with too little English of its own to tell."""
    text = re.sub(r"<[^>]+>", "", msgid)
    parts = re.split(r"%\(\w+\)s|%s|%d", text)
    if not any(re.search(r"[A-Za-z]{2,}", p) for p in parts):
        return None
    body = r".+?".join(re.escape(p) for p in parts)
    return re.compile(rf"(?<![A-Za-z]){body}(?![A-Za-z])")


#: Each catalogue message with its pattern (names and codes the same in Welsh left out).
ENGLISH = [
    (m.id, pattern)
    for m in catalogue()
    if m.id and isinstance(m.id, str) and m.id not in SAME_IN_WELSH
    for pattern in [english_pattern(m.id)]
    if pattern
]
