"""The collated summary as the blocks of a long PDF (``service.pdf_flow``): the console page's
body (``templates/console/_summary_body.html``), section by section, in the same words and
order, laid out in one pass however long the chronology is."""

from __future__ import annotations

from service.pdf_flow import (
    BOLD,
    TAG,
    TAG_ORANGE,
    TAG_RED,
    TEXT,
    Block,
    Cell,
    Heading,
    Para,
    Table,
    Text,
    lines_of,
    para,
)
from service.summaries.rows import Summary

_TAGS = {"govuk-tag--red": TAG_RED, "govuk-tag--orange": TAG_ORANGE}
#: The agency table's column for who represents each agency invited to the scoping meeting.
REPRESENTATIVE = "Representative at the scoping meeting"


def _tag(text: str, tag_class: str = "") -> Para:
    return para(text, _TAGS.get(tag_class, TAG))


def _p(text: str) -> Text:
    return Text([para(text)])


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _labelled(label: str, value: str) -> Para:
    return Para([(f"{label}:", BOLD), (value, TEXT)])


def details(summary: Summary) -> list[Block]:
    people: Cell = [
        para(f"{p.name} ({p.role})" + (f", born {p.date_of_birth}" if p.date_of_birth else ""))
        for p in summary.people_header
    ] or [para("None recorded")]
    rows: list[list[Cell]] = [
        [[para("Case reference", BOLD)], [para(summary.reference)]],
        [[para("People", BOLD)], people],
    ]
    many = len(summary.trawls) > 1
    for t in summary.trawls:
        rows.append(
            [
                [para(f"Trawl {t.number}" if many else "Trawl", BOLD)],
                [
                    para(
                        f"Sent {t.sent_on} to {_plural(t.agencies, 'agency', 'agencies')}, "
                        f"due {t.due_on}."
                    ),
                    para(
                        f"Scoping period: {t.scope_from or 'not set'} to {t.scope_to or 'not set'}"
                    ),
                ],
            ]
        )
    if not summary.trawls:
        rows.append([[para("Trawl", BOLD)], [para("No trawl has been sent for this case yet")]])
    rows.append([[para("Summary as at", BOLD)], [para(summary.generated_text)]])
    return [Heading("Case details", 2), Table([0.28, 0.72], rows, size=10, space_after=4)]


def agencies(summary: Summary) -> list[Block]:
    counts = summary.counts()
    text = (
        f"{len(summary.returned)} of {len(summary.agencies)} returned: "
        f"{counts['returned_involvement']} with involvement, {counts['no_trace']} no trace. "
        f"{len(summary.outstanding)} not yet returned"
        + (f", {counts['overdue']} overdue" if counts["overdue"] else "")
        + (f", {counts['extension']} on an extension" if counts["extension"] else "")
        + (f", {counts['bounced']} whose request email bounced" if counts["bounced"] else "")
        + "."
    )
    blocks: list[Block] = [Heading("Agencies’ returns", 2), _p(text)]
    if summary.agencies:
        many = len(summary.trawls) > 1
        invites = summary.invites
        head = [
            "Agency",
            *(["Trawl"] if many else []),
            "Status",
            "Due",
            "Returned",
            "Days taken",
            *([REPRESENTATIVE] if invites else []),
            "Notes",
        ]
        # Agency, status, due, returned, days taken (and the representative), before the notes.
        first = [0.19, 0.15, 0.11, 0.11, 0.08, 0.16] if invites else [0.24, 0.17, 0.13, 0.13, 0.09]
        widths = [
            first[0],
            *([0.06] if many else []),
            *first[1:],
            1 - sum(first) - (0.06 if many else 0),
        ]
        rows = [
            [
                [para(a.name)],
                *([[para(str(a.trawl_number))]] if many else []),
                [_tag(a.status_text, a.tag_class)],
                [para(a.due_on)],
                [para(a.returned_on or "Not returned")],
                [para(a.days_text)],
                *([lines_of(a.representative_text)] if invites else []),
                [para(n) for n in a.notes],
            ]
            for a in summary.agencies
        ]
        blocks.append(Table(widths, rows, head))
    return blocks


def people(summary: Summary) -> list[Block]:
    blocks: list[Block] = [Heading("Who knew each person", 2)]
    for p in summary.people:
        blocks.append(Heading(p.label, 3))
        if p.known_to:
            rows = []
            for k in p.known_to:
                involvement = lines_of(k.nature)
                if k.services:
                    involvement.append(_labelled("Services", k.services))
                contact = (
                    f"{k.first_contact or 'Not given'} to {k.last_contact or 'not given'}"
                    if k.first_contact or k.last_contact
                    else "Dates not given"
                )
                risk = [
                    _labelled("DASH risk", k.dash_risk or "Not answered"),
                    _labelled("MARAC", k.marac or "Not answered"),
                ]
                if k.risk_other:
                    risk.append(_labelled("Other", k.risk_other))
                rows.append([[para(k.agency)], involvement, [para(contact)], risk])
            head = ["Agency", "Involvement", "Contact", "Risk indicators"]
            blocks.append(Table([0.22, 0.34, 0.16, 0.28], rows, head))
        else:
            blocks.append(_p(f"No agency has returned involvement with {p.name}."))
        if p.no_trace_from:
            blocks.append(_p(f"No trace: {', '.join(p.no_trace_from)}."))
    if not summary.people:
        blocks.append(_p("No people recorded."))
    return blocks


def systems(summary: Summary) -> list[Block]:
    blocks: list[Block] = [Heading("Systems checked and records secured", 2)]
    if not summary.returned:
        return [*blocks, _p("No agency has returned yet.")]
    rows = [
        [
            [para(a.name)],
            lines_of(a.systems_checked or "Not answered"),
            [para(f"{r.person}: {r.answer}") for r in a.records_secured]
            or [para("No records held")],
        ]
        for a in summary.returned
    ]
    head = ["Agency", "Systems checked", "Records secured"]
    return [*blocks, Table([0.3, 0.4, 0.3], rows, head)]


def panel(summary: Summary) -> list[Block]:
    blocks: list[Block] = [
        Heading("Recommended panel agencies", 2),
        Text([para(summary.panel.reason, BOLD)]),
    ]
    if summary.panel.agencies:
        items = [
            para(a.name + ("" if a.involvement else " (no involvement returned)"), bullet=True)
            for a in summary.panel.agencies
        ]
        blocks.append(Text(items))
    else:
        blocks.append(_p("No agencies recommended yet."))
    return blocks


CHRONOLOGY_HEAD = [
    "Entry",
    "Date",
    "Family members",
    "Information",
    "Source - Agency",
    "Action / Outcome",
    "Victim seen",
]
CHRONOLOGY_WIDTHS = [0.125, 0.09, 0.125, 0.29, 0.16, 0.14, 0.07]


def chronology(summary: Summary) -> list[Block]:
    blocks: list[Block] = [Heading("Merged chronology", 2)]
    entries = summary.chronology
    if not entries:
        return [*blocks, _p("No chronology entries have been returned yet.")]
    text = (
        f"{_plural(len(entries), 'entry', 'entries')} from every agency’s trawl return and IMR, "
        "by date and time, each with its sources."
    )
    if summary.duplicates:
        n = summary.duplicates
        text += (
            f" {n} {'is a probable duplicate' if n == 1 else 'are probable duplicates'}:"
            " the same date, the same person and similar words from two agencies. They are kept"
            " for the panel to decide."
        )
    rows, highlighted = [], set()
    for i, e in enumerate(entries):
        number: Cell = [para(str(e.number))]
        if e.probable_duplicate:
            highlighted.add(i)
            number += [
                _tag("Probable duplicate", "govuk-tag--orange"),
                para(f"of {e.duplicate_text}"),
            ]
        date: Cell = [para(e.date_text)] + ([para(e.time)] if e.time else [])
        information = lines_of(e.information)
        for label, value in (
            ("IMR comment", e.comment),
            ("Management review officer", e.management_comment),
            ("Panel notes", e.panel_notes),
        ):
            if value:
                information += lines_of(f"{label}: {value}")
        source: Cell = [para(e.source_agency)] + ([para("; ".join(e.sources))] if e.sources else [])
        rows.append(
            [
                number,
                date,
                [para(e.family_member)],
                information,
                source,
                lines_of(e.outcome or ""),
                [para("Yes" if e.victim_seen else "")],
            ]
        )
    table = Table(CHRONOLOGY_WIDTHS, rows, CHRONOLOGY_HEAD, highlighted=highlighted)
    return [*blocks, _p(text), table]


def consent(summary: Summary) -> list[Block]:
    blocks: list[Block] = [Heading("Family consent", 2)]
    if not summary.consent:
        return [*blocks, _p("No family member has been asked for consent yet.")]
    rows = []
    for c in summary.consent:
        status: Cell = [_tag(c.status_text, c.tag_class)]
        if c.partial:
            status += [para(line) for line in c.agreed]
        rows.append(
            [[para(c.name)], [para(c.relationship)], status, [para(c.answered_on or "Not yet")]]
        )
    head = ["Family member", "Relationship", "Consent", "Answered"]
    return [*blocks, Table([0.25, 0.2, 0.35, 0.2], rows, head)]


def imrs(summary: Summary) -> list[Block]:
    blocks: list[Block] = [Heading("Individual Management Reviews", 2)]
    if not summary.imrs:
        return [*blocks, _p("No IMR has been requested for this case yet.")]
    rows = []
    for i in summary.imrs:
        if i.version is None:
            qa = "Not submitted"
        elif i.flagged:
            qa = f"{_plural(len(i.flagged), 'criterion', 'criteria')} answered No or Partially"
        else:
            qa = "Every criterion answered Yes"
        rows.append(
            [[para(i.agency)], [_tag(i.status_text, i.tag_class)], [para(i.due_on)], [para(qa)]]
        )
    blocks.append(
        Table([0.3, 0.25, 0.15, 0.3], rows, ["Agency", "IMR", "Due", "Quality assurance"])
    )
    for i in summary.imrs:
        if not i.flagged:
            continue
        cell: Cell = [
            para(
                f"{i.agency}: quality assurance criteria answered No or Partially",
                BOLD,
                space_after=4,
            )
        ]
        for c in i.flagged:
            cell.append(para(f"{c.number}. {c.text}", BOLD))
            style = TAG_RED if c.answer == "No" else TAG_ORANGE
            cell.append(Para([(c.answer, style), (c.comment, TEXT)], space_after=3))
        blocks.append(Table([1.0], [[cell]], inset=True, size=10, space_after=4))
    return blocks


def actions(summary: Summary) -> list[Block]:
    blocks: list[Block] = [Heading("Action plan", 2)]
    if not summary.actions:
        return [*blocks, _p("There are no actions in the action plan yet.")]
    n = len(summary.actions)
    blocks.append(
        _p(
            f"{_plural(n, 'action', 'actions')}: each IMR’s single-agency actions and "
            "the recommendations for the overview report, by target date."
        )
    )
    rows = []
    for a in summary.actions:
        status: Cell = [_tag(a.status, a.tag)]
        if a.evidence:
            status.append(para(f"Evidence: {a.evidence}"))
        rows.append(
            [
                [para(str(a.number))],
                [*lines_of(a.recommendation), para(f"{a.scope}. {a.source}")],
                [para(a.owner)],
                [para(a.lead_officer)],
                [para(a.target_text)],
                status,
            ]
        )
    head = ["No.", "Recommendation", "Owner", "Lead officer", "Target date", "Status"]
    return [*blocks, Table([0.06, 0.34, 0.15, 0.15, 0.13, 0.17], rows, head)]


def blocks(summary: Summary, partnership_name: str) -> list[Block]:
    """The whole summary, as the console page shows it (without its links)."""
    found: list[Block] = [
        Heading(f"Summary of returns: {summary.reference}", 1, caption=partnership_name)
    ]
    for section in (details, agencies, people, systems, panel, chronology, consent, imrs, actions):
        found += section(summary)
    return found
