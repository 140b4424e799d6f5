"""The collated comments on a draft, as a spreadsheet (CSV) or a PDF."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from service import clock, pdf
from service.clock import long_date
from service.models import Case, FeedbackRequest, Partnership
from service.panels.feedback import MemberStatus, counts
from service.spreadsheets import safe_cell


def _when(moment: datetime | None) -> str:
    return clock.long_moment(moment) if moment else ""


def _iso(moment: datetime | None) -> str:
    """ISO 8601 in UK time with its offset, which spreadsheets read as a date and time."""
    return (
        clock.as_utc(moment).astimezone(clock.LONDON).isoformat(timespec="minutes")
        if moment
        else ""
    )


CSV_COLUMNS = [
    "Member", "Role", "Agency", "Answer", "Comments", "Answered by", "First answered",
    "Last changed", "Late",
]  # fmt: skip


def comments_csv(rows: list[MemberStatus]) -> str:
    """The collated answers as a spreadsheet (UTF-8 with a byte order mark)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for s in rows:
        r = s.recipient
        writer.writerow([
            safe_cell(v)
            for v in (
                s.member.name, s.member.role, s.member.agency.name if s.member.agency else "",
                s.answer_label, r.comments or "", r.answered_by or "", _iso(r.answered_at),
                _iso(r.updated_at) if r.updated_at != r.answered_at else "",
                "Yes" if s.late else "",
            )
        ])  # fmt: skip
    return out.getvalue()


def comments_pdf(
    request: FeedbackRequest, case: Case, partnership: Partnership, rows: list[MemberStatus]
) -> bytes:
    """The collated answers as a PDF, marked OFFICIAL-SENSITIVE on every page."""
    return pdf.write_pdf(comments_html(request, case, partnership, rows))


def comments_html(
    request: FeedbackRequest, case: Case, partnership: Partnership, rows: list[MemberStatus]
) -> str:
    """The PDF's HTML."""
    return pdf.render_html(
        "pdf/feedback_comments.html",
        request=request,
        case=case,
        partnership=partnership,
        rows=rows,
        counts=counts(request),
        deadline=long_date(request.deadline),
        sent=_when(request.sent_at),
        closed=_when(request.closed_at),
        when=_when,
        produced=_when(clock.now()),
    )
