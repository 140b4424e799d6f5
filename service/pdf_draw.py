"""Drawing a laid-out long document (``service.pdf_flow``) with reportlab: each page's text,
rules and fills, then the page's marking, footer and "Page n of m"."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from service.pdf_flow import (
    BLACK,
    GREY,
    LEADING,
    MARGIN_X,
    MARGIN_Y,
    MARKING,
    Layout,
    Page,
    Style,
    para,
    width,
    wrap,
)


def chrome(c: Canvas, layout: Layout, number: int, total: int, footer: str) -> None:
    w, h = layout.page_w, layout.page_h
    bold = Style(10, bold=True)
    small = Style(9, color=GREY)
    top = h - MARGIN_Y / 2 - 10 * 0.35
    bottom = MARGIN_Y / 2 - 10 * 0.35
    marking = width(MARKING, bold)
    c.setFillColor(BLACK)
    c.setFont(bold.font, 10)
    c.drawCentredString(w / 2, top, MARKING)
    c.drawCentredString(w / 2, bottom, MARKING)
    c.setFillColor(GREY)
    c.setFont(small.font, 9)
    c.drawRightString(w - MARGIN_X, bottom, f"Page {number} of {total}")
    room = (w - marking) / 2 - MARGIN_X - 3 * mm
    lines = wrap(para(footer, small), room, 9)
    y = bottom + (len(lines) - 1) * 9 * LEADING / 2
    for line in lines:
        c.drawString(MARGIN_X, y, " ".join(p.text for p in line.pieces))
        y -= 9 * LEADING


def draw(c: Canvas, layout: Layout, page: Page) -> None:
    x0, top = MARGIN_X, layout.page_h - MARGIN_Y
    text = c.beginText()
    current: tuple | None = None
    colour = None
    for op in page.ops:
        kind = op[0]
        if kind == "text":
            _, x, y, s, style = op
            if style.tag is not None:
                tw = width(s, style) + 2 * mm
                c.setStrokeColor(style.tag)
                c.setLineWidth(0.75)
                c.rect(x0 + x, top - y - style.size * 0.3, tw, style.size * 1.3, stroke=1, fill=0)
                x += 1 * mm
            if (style.font, style.size) != current:
                current = (style.font, style.size)
                text.setFont(style.font, style.size)
            if style.color is not colour:
                colour = style.color
                text.setFillColor(colour)
            text.setTextOrigin(x0 + x, top - y)
            text.textOut(s)
        elif kind == "rule":
            _, x, y, w, thick, col = op
            c.setStrokeColor(col)
            c.setLineWidth(thick)
            c.line(x0 + x, top - y, x0 + x + w, top - y)
        else:  # fill: behind the text, so drawn at once
            _, x, y, w, hh, col = op
            c.setFillColor(col)
            c.rect(x0 + x, top - y - hh, w, hh, stroke=0, fill=1)
    c.drawText(text)
