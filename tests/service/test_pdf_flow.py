"""The long-document layout (``service.pdf_flow``), checked where it places every piece of text:
nothing runs out of its column, nothing leaves the page's frame, a table's column headings
repeat on every page it runs onto and never end a page alone, a heading stays with what follows
it, and the pages carry the marking and "Page n of m"."""

from __future__ import annotations

import io

import pypdf

from service import pdf_flow
from service.pdf_flow import Heading, Layout, Table, Text, para, width
from service.summaries import pdf_blocks
from service.summaries.build import build
from tests.summaries import factories as f

SLACK = 0.5


def laid_out(blocks) -> Layout:
    layout = Layout(pdf_flow.landscape(pdf_flow.A4))
    layout.flow(blocks)
    return layout


def texts(page: pdf_flow.Page) -> list[tuple]:
    return [op for op in page.ops if op[0] == "text"]


def long_table(rows: int = 150) -> Table:
    word = "Unbreakable" * 12  # wider than its column
    body = [
        [[para(str(n))], [para(f"{word} row {n}")], [para("short")],
         pdf_flow.lines_of(f"Line one of row {n}\nline two, a little longer than the first")]
        for n in range(rows)
    ]  # fmt: skip
    return Table([0.1, 0.3, 0.2, 0.4], body, ["No.", "Text", "Short", "Lines"])


def test_no_text_runs_out_of_its_column_or_off_the_page():
    table = long_table()
    layout = laid_out([Heading("A long table", 2), table])
    assert len(layout.pages) > 3
    edges = [x + w for x, w in layout.columns(table)]
    for page in layout.pages:
        for _, x, y, text, style in texts(page):
            assert 0 <= y <= layout.height + SLACK, (text, y)
            if style.size != table.size:
                continue  # the heading, across the page
            right = x + width(text, style) + (2 * pdf_flow.mm if style.tag else 0)
            edge = next(e for e in edges if x < e)
            assert right <= edge + SLACK, (text, right, edge)


def test_the_column_headings_repeat_on_every_page_and_never_end_one():
    layout = laid_out([Text([para("Before the table")]), long_table()])
    for number, page in enumerate(layout.pages, start=1):
        found = [op[3] for op in texts(page)]
        assert "No." in found, number
        # Under the headings: a row of the table on the same page.
        heading_at = found.index("No.")
        assert any(t.isdigit() for t in found[heading_at:]), number


def test_a_row_taller_than_a_page_goes_on_over_the_next_without_leaving_the_frame():
    tall = [[[para("1")], pdf_flow.lines_of("\n".join(f"line {n}" for n in range(120)))]]
    layout = laid_out([Table([0.2, 0.8], tall, ["No.", "Text"])])
    assert len(layout.pages) >= 2
    lines = [op[3] for page in layout.pages for op in texts(page) if op[3].startswith("line ")]
    assert lines == [f"line {n}" for n in range(120)]  # every line, once, in order
    for page in layout.pages:
        assert all(op[2] <= layout.height + SLACK for op in texts(page))


def test_a_heading_goes_over_to_the_page_of_its_table():
    filler = Text([para(f"Paragraph {n}") for n in range(27)])
    layout = laid_out([filler, Heading("Section", 2), long_table(3)])
    (page,) = [p for p in layout.pages if "Section" in [op[3] for op in texts(p)]]
    assert "No." in [op[3] for op in texts(page)]


def test_a_heading_and_the_text_introducing_a_table_go_over_with_its_first_row():
    """As the summary's merged chronology has it: heading, a sentence, then the table."""
    filler = Text([para(f"Paragraph {n}") for n in range(25)])
    intro = Text([para("6 entries from every agency's trawl return, by date and time.")])
    layout = laid_out([filler, Heading("Section", 2), intro, long_table(3)])
    (page,) = [p for p in layout.pages if "Section" in [op[3] for op in texts(p)]]
    shown = [op[3] for op in texts(page)]
    assert "No." in shown and "0" in shown
    assert layout.pages.index(page) == 1  # it went over, with its introduction


def test_every_page_is_marked_and_numbered(session, partnership):
    st = f.story(session, partnership)
    summary = build(session, st.case)
    data = pdf_flow.write_pdf(
        pdf_blocks.blocks(summary, "Exampleshire CSP"), title="t", author="a", footer="Footer"
    )
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = [p.extract_text() for p in reader.pages]
    for n, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") == 2, n
        assert f"Page {n} of {len(pages)}" in page
        assert "Footer" in page
