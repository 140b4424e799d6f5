"""Long PDF documents laid out in one pass: headings, paragraphs, lists and tables of any length,
drawn with reportlab in the look of the service's other PDFs (``templates/pdf/_document.html``:
A4, OFFICIAL-SENSITIVE at the top and bottom of every page, the footer and "Page n of m", Arial's
metrics, the same rules, padding and tags).

WeasyPrint lays a table out again and again as it runs over pages, which makes a chronology of
a few thousand rows take a minute; here each row is wrapped once and placed once, so the time
grows with the rows. The same promises as the HTML documents: nothing runs out of its column
(a word longer than its column breaks), a table's column headings repeat on every page it runs
onto and never sit at a page's foot alone, a row is kept on one page unless it is taller than a
page, and a heading stays with what follows it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

BLACK, GREY, RULE = HexColor("#0b0c0c"), HexColor("#505a5f"), HexColor("#b1b4b6")
RED, RED_TEXT = HexColor("#d4351c"), HexColor("#942514")
ORANGE, ORANGE_TEXT = HexColor("#f47738"), HexColor("#6e3619")
HIGHLIGHT = HexColor("#fff7bf")
LEADING = 1.35
#: Where a line's baseline sits below its top, in ems (half the leading, then the ascent).
BASELINE = 1.02
MARKING = "OFFICIAL-SENSITIVE"
MARGIN_X, MARGIN_Y = 18 * mm, 22 * mm
PAD_Y, PAD_RIGHT = 1.8 * mm, 2 * mm
_FONT_DIRS = ("/usr/share/fonts/truetype/liberation", "/usr/share/fonts/truetype/liberation2")


@cache
def fonts() -> tuple[str, str]:
    """The regular and bold font names: Liberation Sans (Arial's metrics), as the HTML
    documents get through fontconfig; reportlab's Helvetica where it is not installed."""
    for folder in _FONT_DIRS:
        regular, bold = (
            Path(folder, "LiberationSans-Regular.ttf"),
            Path(folder, "LiberationSans-Bold.ttf"),
        )
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("DocSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DocSans-Bold", str(bold)))
            return "DocSans", "DocSans-Bold"
    return "Helvetica", "Helvetica-Bold"


@dataclass(frozen=True)
class Style:
    size: float = 9
    bold: bool = False
    color: object = BLACK
    #: A tag's border colour: the run is drawn in a box, as ``govuk-tag``.
    tag: object = None

    @property
    def font(self) -> str:
        regular, bold = fonts()
        return bold if self.bold else regular


TEXT = Style()
BOLD = Style(bold=True)
TAG = Style(bold=True, tag=BLACK)
TAG_RED = Style(bold=True, color=RED_TEXT, tag=RED)
TAG_ORANGE = Style(bold=True, color=ORANGE_TEXT, tag=ORANGE)

Run = tuple[str, Style]


@dataclass
class Para:
    """One paragraph: runs of text in their styles, wrapped together."""

    runs: list[Run]
    bullet: bool = False
    space_after: float = 0.0


def para(text: str, style: Style = TEXT, **kwargs: object) -> Para:
    return Para([(text, style)], **kwargs)  # type: ignore[arg-type]


def lines_of(text: str, style: Style = TEXT) -> list[Para]:
    """``text`` as paragraphs, one a line, as ``white-space: pre-wrap`` shows it."""
    return [para(line, style) for line in (text or "").split("\n")]


Cell = list[Para]


@dataclass
class Heading:
    text: str
    level: int  # 1, 2, 3
    caption: str = ""  # the grey line above a level-1 heading


@dataclass
class Text:
    paras: list[Para]
    size: float = 10
    space_after: float = 3 * mm


@dataclass
class Table:
    """Columns of ``widths`` (fractions of the page's width); ``head`` repeats on every page."""

    widths: list[float]
    rows: list[list[Cell]]
    head: list[str] | None = None
    #: Rows (by index) drawn on the highlight colour.
    highlighted: set[int] = field(default_factory=set)
    size: float = 9
    #: A red bar down the left instead of rules between rows (``govuk-inset-text``).
    inset: bool = False
    space_after: float = 2 * mm


Block = Heading | Text | Table


# --- wrapping ---------------------------------------------------------------------------------

_widths: dict[tuple[str, str, float], float] = {}


def width(text: str, style: Style) -> float:
    key = (text, style.font, style.size)
    found = _widths.get(key)
    if found is None:
        found = _widths[key] = pdfmetrics.stringWidth(text, style.font, style.size)
    return found


@dataclass
class Piece:
    x: float
    text: str
    style: Style


@dataclass
class Line:
    height: float
    pieces: list[Piece]
    indent: float = 0.0
    bullet: bool = False


def _break_word(word: str, style: Style, room: float) -> list[str]:
    parts, current = [], ""
    for ch in word:
        if current and width(current + ch, style) > room:
            parts.append(current)
            current = ch
        else:
            current += ch
    return [*parts, current]


def wrap(p: Para, room: float, size: float) -> list[Line]:
    """``p`` in lines no wider than ``room`` points (a run's own size wins over ``size``)."""
    indent = 6 * mm if p.bullet else 0.0
    room = max(room - indent, 10.0)
    lines: list[Line] = []
    pieces: list[Piece] = []
    x = 0.0
    height = size * LEADING

    def close() -> None:
        nonlocal pieces, x
        lines.append(Line(height, pieces, indent, p.bullet and not lines))
        pieces, x = [], 0.0

    for text, style in p.runs:
        if style.size != size:
            style = Style(size, style.bold, style.color, style.tag)
        pad = 1 * mm if style.tag is not None else 0.0
        space = width(" ", style)
        for word in text.split(" "):
            if not word:
                continue
            # Words of the same run on one line are one piece (a tag's box around them all).
            joins = bool(pieces) and pieces[-1].style is style
            gap = space if pieces else 0.0
            w = width(word, style) + (0.0 if joins else 2 * pad)
            if pieces and x + gap + w > room:
                close()
                gap, joins = 0.0, False
                w = width(word, style) + 2 * pad
            if w > room:  # longer than the column: broken anywhere, as overflow-wrap: anywhere
                for part in _break_word(word, style, room - 2 * pad):
                    if pieces:
                        close()
                    pieces.append(Piece(x, part, style))
                    x = width(part, style) + 2 * pad
                continue
            if joins:
                pieces[-1].text += " " + word
            else:
                pieces.append(Piece(x + gap, word, style))
            x += gap + w
    if pieces or not lines:
        close()
    return lines


def wrap_cell(cell: Cell, room: float, size: float) -> list[Line]:
    found: list[Line] = []
    for p in cell:
        found += wrap(p, room, size)
        if p.space_after:
            found.append(Line(p.space_after, []))
    return found


# --- placing ----------------------------------------------------------------------------------


@dataclass
class Page:
    ops: list[tuple] = field(default_factory=list)
    outline: list[tuple[str, int, float]] = field(default_factory=list)


class Layout:
    def __init__(self, pagesize: tuple[float, float]) -> None:
        self.page_w, self.page_h = pagesize
        self.width = self.page_w - 2 * MARGIN_X
        self.height = self.page_h - 2 * MARGIN_Y
        self.pages: list[Page] = [Page()]
        self.y = 0.0  # down from the frame's top

    @property
    def room(self) -> float:
        return self.height - self.y

    def new_page(self) -> None:
        self.pages.append(Page())
        self.y = 0.0

    def need(self, height: float) -> None:
        if height > self.room and self.y > 0:
            self.new_page()

    def draw_lines(self, lines: list[Line], x: float, y: float, size: float) -> None:
        ops = self.pages[-1].ops
        for line in lines:
            if line.bullet:
                ops.append(("text", x + 2 * mm, y + size * BASELINE, "•", Style(size)))
            for piece in line.pieces:
                ops.append(
                    (
                        "text",
                        x + line.indent + piece.x,
                        y + piece.style.size * BASELINE,
                        piece.text,
                        piece.style,
                    )
                )
            y += line.height

    # headings and text

    def heading_height(self, h: Heading, at_top: bool) -> tuple[float, list[Line], float]:
        size, above, below = {1: (20, 0, 6 * mm), 2: (14, 8 * mm, 2 * mm), 3: (12, 4 * mm, mm)}[
            h.level
        ]
        lines = wrap(para(h.text, Style(size, bold=True)), self.width, size)
        for line in lines:
            line.height = size * (1.15 if h.level == 1 else 1.25)
        rule = 2 * mm if h.level == 2 else 0.0
        top = 0.0 if at_top else above
        caption = 12 * LEADING + 2 * mm if h.caption else 0.0
        return top + rule + caption + sum(li.height for li in lines) + below, lines, top

    def heading(self, h: Heading, following: float) -> None:
        total, _, _ = self.heading_height(h, self.y == 0)
        self.need(total + following)
        total, lines, top = self.heading_height(h, self.y == 0)
        page = self.pages[-1]
        y = self.y + top
        if h.caption:
            page.ops.append(("text", 0, y + 12 * BASELINE, h.caption, Style(12, color=GREY)))
            y += 12 * LEADING + 2 * mm
        if h.level == 2:
            page.ops.append(("rule", 0, y, self.width, 1.5, BLACK))
            page.outline.append((h.text, 0, y))
            y += 2 * mm
        elif h.level == 3:
            page.outline.append((h.text, 1, y))
        self.draw_lines(lines, 0, y, lines[0].pieces[0].style.size if lines[0].pieces else 12)
        self.y += total

    def text(self, block: Text) -> None:
        for p in block.paras:
            for line in wrap(p, self.width, block.size):
                self.need(line.height)
                self.draw_lines([line], 0, self.y, block.size)
                self.y += line.height
        self.y += block.space_after

    # tables

    def _head(self, table: Table, cols: list[tuple[float, float]]) -> tuple[float, list]:
        if not table.head:
            return 0.0, []
        cells = [
            wrap(para(t, Style(table.size, bold=True)), w - PAD_RIGHT, table.size)
            for t, (_, w) in zip(table.head, cols, strict=True)
        ]
        return max(sum(li.height for li in c) for c in cells) + 2 * PAD_Y, cells

    def _draw_head(self, table: Table, cols: list, height: float, cells: list) -> None:
        for (x, _), lines in zip(cols, cells, strict=True):
            self.draw_lines(lines, x, self.y + PAD_Y, table.size)
        self.pages[-1].ops.append(("rule", 0, self.y + height, self.width, 1.5, BLACK))
        self.y += height

    def first_height(self, block: Block) -> float:
        """The least of ``block`` (a heading or a table) that must go on the page with a heading
        before it."""
        if isinstance(block, Heading):
            return self.heading_height(block, False)[0]
        if not block.rows:
            return 0.0
        cols = self.columns(block)
        head, _ = self._head(block, cols)
        first = max(
            sum(li.height for li in wrap_cell(c, w - PAD_RIGHT, block.size))
            for c, (_, w) in zip(block.rows[0], cols, strict=True)
        )
        return head + min(first + 2 * PAD_Y, self.height - head)

    def columns(self, table: Table) -> list[tuple[float, float]]:
        inner = self.width - (4 * mm + 5 if table.inset else 0)
        x = 4 * mm + 5 if table.inset else 0.0
        cols = []
        for fraction in table.widths:
            cols.append((x, fraction * inner))
            x += fraction * inner
        return cols

    def table(self, table: Table) -> None:
        cols = self.columns(table)
        head_h, head_cells = self._head(table, cols)
        started = False
        for index, row in enumerate(table.rows):
            cells = [
                wrap_cell(c, w - PAD_RIGHT, table.size) for c, (_, w) in zip(row, cols, strict=True)
            ]
            body = max(sum(li.height for li in c) for c in cells)
            height = body + 2 * PAD_Y
            if not started or height > self.room:
                # The headings go with the first row, on this page or the next.
                self.need(head_h + min(height, self.height - head_h))
                if head_h:
                    self._draw_head(table, cols, head_h, head_cells)
                started = True
            self._row(table, cols, cells, height, index in table.highlighted, head_h, head_cells)
        self.y += table.space_after

    def _row(
        self,
        table: Table,
        cols: list,
        cells: list[list[Line]],
        height: float,
        highlight: bool,
        head_h: float,
        head_cells: list,
    ) -> None:
        while True:
            room = self.room - 2 * PAD_Y
            fits = [self._fit(c, room) for c in cells]
            if all(n == len(c) for n, c in zip(fits, cells, strict=True)):
                self._cells(table, cols, cells, height, highlight)
                return
            # Taller than a page: as much as fits here, the rest on the next page.
            part = [c[:n] for c, n in zip(cells, fits, strict=True)]
            self._cells(table, cols, part, self.room, highlight)
            cells = [c[n:] for c, n in zip(cells, fits, strict=True)]
            height = max(sum(li.height for li in c) for c in cells) + 2 * PAD_Y
            self.new_page()
            if head_h:
                self._draw_head(table, cols, head_h, head_cells)

    @staticmethod
    def _fit(lines: list[Line], room: float) -> int:
        total = 0.0
        for n, line in enumerate(lines):
            total += line.height
            if total > room:
                return max(n, 1) if room > line.height else n
        return len(lines)

    def _cells(self, table: Table, cols: list, cells: list, height: float, highlight: bool) -> None:
        page = self.pages[-1]
        if highlight:
            page.ops.append(("fill", 0, self.y, self.width, height, HIGHLIGHT))
        for (x, _), lines in zip(cols, cells, strict=True):
            self.draw_lines(lines, x, self.y + PAD_Y, table.size)
        if table.inset:
            page.ops.append(("fill", 0, self.y, 5, height, RED))
        else:
            page.ops.append(("rule", 0, self.y + height, self.width, 0.75, RULE))
        self.y += height

    def kept_with(self, following: list[Block]) -> float:
        """What must go on the page with a heading: the short text that introduces what comes
        next, and the start of that (a table's head and first row), so neither a heading nor
        its introduction is left alone at a page foot. At most half a page."""
        total = 0.0
        for block in following:
            if isinstance(block, Text):
                lines = [line for p in block.paras for line in wrap(p, self.width, block.size)]
                total += sum(line.height for line in lines) + block.space_after
                continue
            total += self.first_height(block)
            break
        return min(total, self.height / 2)

    def flow(self, blocks: list[Block]) -> None:
        for i, block in enumerate(blocks):
            if isinstance(block, Heading):
                self.heading(block, self.kept_with(blocks[i + 1 :]))
            elif isinstance(block, Text):
                self.text(block)
            else:
                self.table(block)


def write_pdf(
    blocks: list[Block], *, title: str, author: str, footer: str, landscape_pages: bool = True
) -> bytes:
    """``blocks`` laid out on A4 pages and drawn: the PDF's bytes."""
    from service import pdf_draw  # it draws what this module lays out

    fonts()
    pagesize = landscape(A4) if landscape_pages else A4
    layout = Layout(pagesize)
    layout.flow(blocks)
    out = io.BytesIO()
    c = Canvas(out, pagesize=pagesize, pageCompression=1, invariant=1)
    c.setTitle(title)
    c.setAuthor(author)
    total = len(layout.pages)
    for number, page in enumerate(layout.pages, start=1):
        # Fills go first, under the text.
        page.ops.sort(key=lambda op: op[0] != "fill")
        pdf_draw.draw(c, layout, page)
        pdf_draw.chrome(c, layout, number, total, footer)
        for n, (label, level, y) in enumerate(page.outline):
            key = f"p{number}-{n}"
            c.bookmarkHorizontal(key, 0, layout.page_h - MARGIN_Y - y + 20)
            c.addOutlineEntry(label, key, level=level)
        c.showPage()
    c.save()
    return out.getvalue()
