"""Every PDF the service makes, checked where WeasyPrint puts its boxes (the same layout the PDF
is drawn from): nothing runs out of its table cell into the next column, the OFFICIAL-SENSITIVE
marking is on one line, column headings repeat on every page a table runs onto, and no page ends
with a heading or a table's column headings that have nothing under them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import weasyprint
from sqlalchemy import select
from weasyprint.formatting_structure import boxes

from service import clock, pdf
from service.consent import documents as consent_documents
from service.imrs import submission as imr_submission
from service.models import (
    Agency,
    Case,
    ConsentResponse,
    ImrSubmission,
    Referral,
    ReferralStatus,
    TrawlReturn,
)
from service.panels import feedback, feedback_documents
from service.referrals.pdf import render_referral_html
from service.summaries import documents as summary_documents
from service.summaries.build import build
from service.trawls import submission as trawl_submission
from tests.feedback.factories import answered, sent_draft
from tests.referrals.factories import complete_answers
from tests.summaries import factories as f

#: How far (in CSS pixels) a box may pass its cell's edge: rounding, not overflow.
SLACK = 0.5
HEADINGS = {"h1", "h2", "h3", "h4", "caption"}


@dataclass
class Placed:
    box: boxes.Box
    ancestors: tuple[boxes.Box, ...]

    def nearest(self, kind: type) -> boxes.Box | None:
        return next((a for a in reversed(self.ancestors) if isinstance(a, kind)), None)


def placed(box: boxes.Box, ancestors: tuple[boxes.Box, ...] = ()) -> Iterator[Placed]:
    yield Placed(box, ancestors)
    for child in getattr(box, "children", None) or ():
        yield from placed(child, (*ancestors, box))


def text_of(box: boxes.Box) -> str:
    """The words in ``box``, a line's end read as a space."""
    lines = [p.box for p in placed(box) if isinstance(p.box, boxes.LineBox)] or [box]
    words = (
        "".join(p.box.text for p in placed(line) if isinstance(p.box, boxes.TextBox))
        for line in lines
    )
    return " ".join(" ".join(words).split())


def tag(box: boxes.Box | None) -> str:
    return (box.element_tag or "") if box is not None else ""


def is_heading(box: boxes.Box) -> bool:
    classes = (box.element.get("class") or "").split() if box.element is not None else []
    return tag(box) in HEADINGS or "caption" in classes


def real_rows(table: boxes.TableBox) -> list[boxes.TableRowBox]:
    """The table's rows on this page, leaving out rows WeasyPrint makes up for stray content."""
    return [
        row
        for group in table.children
        for row in group.children
        if isinstance(row, boxes.TableRowBox) and tag(row) == "tr"
    ]


def is_heading_row(row: boxes.TableRowBox) -> bool:
    return bool(row.children) and all(
        tag(cell) == "th" and cell.element.get("scope") == "col" for cell in row.children
    )


def layout_problems(document: weasyprint.Document) -> list[str]:
    """Each place the layout goes wrong, said in words; empty when it is right."""
    problems: list[str] = []
    fragments: dict[object, list[list[boxes.TableRowBox]]] = {}
    for number, page in enumerate(document.pages, start=1):
        where = f"page {number}"
        content_lines: list[Placed] = []
        for p in placed(page._page_box):
            box = p.box
            if isinstance(box, boxes.MarginBox):
                words = text_of(box)
                lines = [b for b in placed(box) if isinstance(b.box, boxes.LineBox)]
                if "OFFICIAL-SENSITIVE" in words.replace(" ", "") and len(lines) != 1:
                    problems.append(f"{where}: {words!r} is on {len(lines)} lines")
                continue
            if p.nearest(boxes.MarginBox) is not None:
                continue
            if isinstance(box, boxes.LineBox) and box.children:
                content_lines.append(p)
            if isinstance(box, boxes.TableBox):
                rows = real_rows(box)
                fragments.setdefault(box.element, []).append(rows)
                if rows and is_heading_row(rows[-1]):
                    problems.append(
                        f"{where}: column headings {text_of(rows[-1])!r} with no row under them"
                    )
            cell = p.nearest(boxes.TableCellBox)
            if cell is not None and isinstance(box, boxes.InlineLevelBox):
                # The cell's padding edge: the next column starts beyond it (and a space kept
                # at the end of a pre-wrapped line may hang into the padding).
                right = cell.padding_box_x() + cell.padding_width()
                if box.position_x + box.margin_width() > right + SLACK:
                    over = box.position_x + box.margin_width() - right
                    problems.append(
                        f"{where}: {text_of(box)!r} runs {over:.0f}px out of its cell"
                        f" ({text_of(cell)[:40]!r})"
                    )
        if number < len(document.pages) and content_lines:
            last = max(content_lines, key=lambda p: p.box.position_y + p.box.height)
            block = next(
                (a for a in reversed(last.ancestors) if isinstance(a, boxes.BlockBox)), None
            )
            if block is not None and is_heading(block):
                problems.append(f"{where} ends with the heading {text_of(block)!r}")
    for pieces in fragments.values():
        if pieces and pieces[0] and is_heading_row(pieces[0][0]):
            for rows in pieces[1:]:
                if rows and not is_heading_row(rows[0]):
                    problems.append(
                        f"a table's column headings are not repeated: {text_of(rows[0])[:40]!r}"
                    )
    return problems


def check(html: str, *, at_least_pages: int = 1) -> weasyprint.Document:
    document = pdf.layout(html)
    assert len(document.pages) >= at_least_pages
    assert layout_problems(document) == []
    return document


@pytest.fixture
def story(session, partnership):
    return f.story(session, partnership)


def test_the_summary_keeps_tags_in_their_cells_and_headings_with_their_rows(session, story):
    with clock.frozen_at(f.AFTER_DUE):
        summary = build(session, story.case)
        html = summary_documents.summary_html(session, story.case, summary)
    # Several pages, tables running across them: the case the layout has to get right.
    document = check(html, at_least_pages=4)
    found = [
        text_of(p.box)
        for page in document.pages
        for p in placed(page._page_box)
        if p.box.element is not None
        and "govuk-tag" in (p.box.element.get("class") or "")
        and isinstance(p.box, boxes.InlineBlockBox)
    ]
    assert "Extension to 11 January 2027" in found


def test_the_qa_checklist_repeats_its_column_headings(session, partnership, story):
    row = session.scalars(select(ImrSubmission)).one()
    req = story.imr
    html = imr_submission.render_checklist_html(
        row, req, case=session.get(Case, req.case_id), agency=session.get(Agency, req.agency_id),
        partnership=partnership, document=None,
    )  # fmt: skip
    check(html, at_least_pages=2)


def test_the_trawl_returns_lay_out_within_their_pages(session, partnership, story):
    for name in ("police", "hospital", "gp"):
        req = story.requests[name]
        rows = session.scalars(select(TrawlReturn).where(TrawlReturn.request_id == req.id))
        for row in rows:
            html = trawl_submission.render_return_html(
                row, req, case=story.case, agency=req.agency, partnership=partnership
            )
            check(html)


def test_the_consent_letter_and_forms_lay_out_within_their_pages(session, partnership, story):
    req = story.consent_given
    response = session.scalars(
        select(ConsentResponse).where(ConsentResponse.request_id == req.id)
    ).first()
    assert response is not None
    for reference in (story.case.reference, None):
        check(
            consent_documents.render_response_html(
                response, req, partnership=partnership, victim="Alice Example", reference=reference
            )
        )
    url = "https://dhr.example.gov.uk/consent/K7P2QX9M4T"
    for chair in ("Pat Chair", None):
        check(
            consent_documents.render_letter_html(req, partnership=partnership, url=url, chair=chair)
        )


def test_the_referral_lays_out_within_its_pages(session, partnership):
    referral = Referral(
        partnership_id=partnership.id,
        status=ReferralStatus.SUBMITTED,
        reference="ABCDEFGHJK",
        answers=complete_answers(),
        submitted_at=dt.datetime(2026, 10, 8, 9, 30, tzinfo=dt.UTC),
    )
    check(render_referral_html(referral, partnership), at_least_pages=2)


def test_the_collated_comments_lay_out_within_their_pages(session, partnership):
    request = sent_draft(session, partnership)
    answered(session, request.recipients[0])
    case = session.get(Case, request.case_id)
    rows = feedback.statuses(session, request, case)
    check(feedback_documents.comments_html(request, case, partnership, rows))
