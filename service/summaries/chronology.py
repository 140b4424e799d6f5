"""The merged chronology: every agency's entries in one list, in the columns of the chronology
of involvement template (Darlington DHR procedure, Appendix 3), with probable duplicates flagged.

Order: by date, then by time; an entry without a time comes after the timed entries of its day;
entries that still tie keep the order of their agency's name, then the agency's own order.

A probable duplicate is an entry that another agency also recorded: the same date, contact with
the same person, and overlapping text. Overlap is measured on the words of the "event" and
"outcome" answers (lower case, three letters or more, common words left out) with the overlap
coefficient |A ∩ B| / min(|A|, |B|), which does not punish one agency for writing more than the
other. Two entries overlap when the coefficient is at least ``DUPLICATE_THRESHOLD`` and the
shorter of the two has at least ``MIN_WORDS`` such words. Both entries are flagged, each naming
the other; nothing is removed: the panel decides.

Entries come from the trawl returns and from the IMRs written in the service, each naming its
sources ("trawl return, version 2", "IMR, version 1"). An IMR entry that repeats one of the
same agency's trawl entries (the same date and person and overlapping text, by the same
measure) is shown once, with both sources and the IMR's comment. Each entry has a ``key`` from
where it came from, not its place, so the officer's own columns (``ChronologyNote``: the
management review officer's comment and the panel's notes) stay with it when the chronology is
built again.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field

DUPLICATE_THRESHOLD = 0.5
MIN_WORDS = 3

#: The template's columns (Appendix 3), with the time the trawl return also asks for after the
#: date. "IMR & Panel Members Initials & Comment" is left empty for the panel to fill in.
COLUMNS = [
    "Date (dd/mm/yyyy)",
    "Time",
    "Family Members",
    "Information",
    "Source - Agency",
    "Action / Outcome",
    "Victim seen",
    "IMR & Panel Members Initials & Comment",
    "Probable duplicate of",
    "Sources",
    "Management review officer's comment",
    "Panel notes",
]

_STOPWORD_TEXT = """
the and for with was were has had have her his him she they them their there this that from into
onto about after before over under than then when what which who whom will would could should
said says not but are been being also all any our out off per via its
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> frozenset[str]:
    """The words that count towards overlap."""
    return frozenset(
        w for w in _WORD.findall(text.casefold()) if len(w) >= 3 and w not in _STOPWORDS
    )


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """The overlap coefficient of two word sets; 0 when the shorter is too short to judge."""
    shorter = min(len(a), len(b))
    if shorter < MIN_WORDS:
        return 0.0
    return len(a & b) / shorter


@dataclass
class Entry:
    """One agency's chronology entry, as the merged chronology shows it."""

    date: str  # ISO
    time: str | None  # "HH:MM"
    agency_id: int
    agency: str  # the source agency's name
    person_key: str | None  # the same person across agencies (and across trawls)
    family_member: str  # who the contact was with: "Alice Example (Victim)"
    information: str  # the event, action or decision
    source: str | None  # the agency's source of evidence: "Case record"
    professional: str | None
    outcome: str | None
    victim_seen: bool  # the contact was with the victim
    number: int = 0  # its place in the merged chronology, from 1
    duplicate_of: list[int] = field(default_factory=list)  # the numbers of the entries
    sources: list[str] = field(default_factory=list)  # "trawl return, version 2", "IMR, version 1"
    comment: str | None = None  # the IMR author's comment on the contact
    from_imr: bool = False
    management_comment: str | None = None  # the officer's columns (ChronologyNote)
    panel_notes: str | None = None

    @property
    def key(self) -> str:
        """Where the entry came from, the same each time the chronology is built."""
        text = f"{self.time or ''}|{' '.join(self.information.split())}"
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        return f"{self.agency_id}-{self.date}-{digest}"

    @property
    def sources_text(self) -> str:
        return f"{self.agency}: {'; '.join(self.sources)}" if self.sources else self.agency

    @property
    def date_text(self) -> str:
        """dd/mm/yyyy, as the template asks."""
        year, month, day = self.date.split("-")
        return f"{day}/{month}/{year}"

    @property
    def source_agency(self) -> str:
        """The agency, and the source and professional it gave: "Police (Case record; PC 12)"."""
        extra = "; ".join(x for x in (self.source, self.professional) if x)
        return f"{self.agency} ({extra})" if extra else self.agency

    @property
    def probable_duplicate(self) -> bool:
        return bool(self.duplicate_of)

    @property
    def duplicate_text(self) -> str:
        return ", ".join(f"entry {n}" for n in self.duplicate_of)

    def cells(self) -> list[str]:
        """The entry in ``COLUMNS`` order."""
        return [
            self.date_text,
            self.time or "",
            self.family_member,
            self.information,
            self.source_agency,
            self.outcome or "",
            "Yes" if self.victim_seen else "",
            self.comment or "",
            self.duplicate_text,
            self.sources_text,
            self.management_comment or "",
            self.panel_notes or "",
        ]


def _sort_key(entry: Entry, position: int) -> tuple:
    # An untimed entry sorts after every timed entry of its day.
    return (entry.date, entry.time is None, entry.time or "", entry.agency.casefold(), position)


def _repeats(a: Entry, b: Entry) -> bool:
    """``b``, an IMR entry, tells of the same contact as ``a``, a trawl entry of its agency."""
    if a.agency_id != b.agency_id or a.date != b.date or a.person_key != b.person_key:
        return False
    if " ".join(a.information.split()) == " ".join(b.information.split()):
        return True
    texts = [words(f"{e.information} {e.outcome or ''}") for e in (a, b)]
    return overlap(*texts) >= DUPLICATE_THRESHOLD


def fold_repeats(entries: list[Entry]) -> list[Entry]:
    """Each IMR entry that repeats a trawl entry of the same agency folded into it, once."""
    kept: list[Entry] = []
    for entry in entries:
        if entry.from_imr:
            same = next((k for k in kept if not k.from_imr and _repeats(k, entry)), None)
            if same is not None and not any(s.startswith("IMR") for s in same.sources):
                same.sources += entry.sources
                same.comment = entry.comment
                continue
        kept.append(entry)
    return kept


def merge(entries: list[Entry]) -> list[Entry]:
    """``entries`` (each agency's in its own order, trawl entries before IMR entries) with
    repeats folded, sorted, numbered and with duplicates flagged."""
    entries = fold_repeats(entries)
    pairs = sorted(enumerate(entries), key=lambda pair: _sort_key(pair[1], pair[0]))
    ordered = [entry for _, entry in pairs]
    for number, entry in enumerate(ordered, start=1):
        entry.number = number
        entry.duplicate_of = []
    flag_duplicates(ordered)
    return ordered


def flag_duplicates(entries: list[Entry]) -> None:
    """Mark the pairs of entries that are probably the same event seen by two agencies."""
    groups: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.person_key is not None:
            groups[(entry.date, entry.person_key)].append(entry)
    for group in groups.values():
        if len(group) < 2:
            continue
        texts = {id(e): words(f"{e.information} {e.outcome or ''}") for e in group}
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if a.agency_id == b.agency_id:
                    continue
                if overlap(texts[id(a)], texts[id(b)]) >= DUPLICATE_THRESHOLD:
                    a.duplicate_of.append(b.number)
                    b.duplicate_of.append(a.number)
    for entry in entries:
        entry.duplicate_of.sort()
