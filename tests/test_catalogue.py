"""The Welsh catalogue: every piece of text marked for translation in the code and templates
has its Welsh, none is empty or still the English (but for a few names and codes), and each
keeps the English's placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "translations" / "cy" / "LC_MESSAGES" / "messages.po"
#: The same in both languages: names and codes.
SAME_IN_WELSH = {"Beta", "DHR Forms", "MAPPA"}
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%d")


def extracted() -> dict[str, str]:
    with open(ROOT / "translations" / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, str] = {}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, filename)
    return found


def catalogue():
    with open(CATALOGUE, "rb") as f:
        return read_po(f, locale="cy")


def test_text_is_marked_for_translation():
    assert "Skip to main content" in extracted()


def test_every_marked_text_has_its_welsh_and_keeps_its_placeholders():
    welsh = catalogue()
    problems = []
    for msgid, where in sorted(extracted().items()):
        entry = welsh.get(msgid)
        if entry is None:
            problems.append(f"{where}: no Welsh for {msgid!r}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings):
            problems.append(f"{where}: the Welsh for {msgid!r} is empty")
        elif entry.fuzzy:
            problems.append(f"{where}: the Welsh for {msgid!r} is marked fuzzy")
        elif msgid not in SAME_IN_WELSH and msgid in strings:
            problems.append(f"{where}: the Welsh for {msgid!r} is the English")
        for string in strings:
            if sorted(PLACEHOLDER.findall(string)) != sorted(PLACEHOLDER.findall(msgid)):
                problems.append(f"{where}: the Welsh for {msgid!r} has other placeholders")
    assert not problems, "\n".join(problems)


def test_the_catalogue_holds_nothing_the_code_no_longer_says():
    marked = extracted()
    stale = [
        m.id
        for m in catalogue()
        if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in marked
    ]
    assert not stale, f"translations no longer used: {stale}"
