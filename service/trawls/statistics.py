"""How agencies respond to trawls, across every trawl of the partnership: the DHR officer's
evidence for the sub-group (protocol paragraph 42) and for the yearly review of the standard list.

For the requests sent in a period, per agency: how many were sent and returned, the median days
to the first return, the share returned on time, and the chasers needed. A request counts for
"on time" once it has been returned or its due date has passed; one still inside its due date
and unanswered is neither on time nor late yet. "On time" is a first return by the end of the
due date, including a date moved by an approved extension.

Every row is read through the caller's ``Scope``. ``csv_text`` is the report as a spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import clock
from service.auth.scope import Scope
from service.models import Agency, TrawlRequest
from service.spreadsheets import safe_cell
from service.trawls import schedule
from service.workdays import LONDON, end_of


@dataclass
class AgencyResponses:
    """One agency's responses (or every agency's, for the totals row)."""

    agency_id: int | None
    name: str
    requests: int = 0
    returned: int = 0
    #: Requests returned, or past their due date: the ones "on time" is measured over.
    decided: int = 0
    on_time: int = 0
    chasers: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.decided if self.decided else None

    @property
    def chasers_per_request(self) -> float | None:
        return self.chasers / self.requests if self.requests else None

    def add(self, request: TrawlRequest, now: dt.datetime, *, undelivered: bool = False) -> None:
        """``undelivered``: its email bounced and the agency never got it, so its due date is
        not counted as missed."""
        self.requests += 1
        self.chasers += request.chasers_sent or 0
        returned_at = clock.as_utc(request.returned_at)
        if returned_at is not None:
            self.returned += 1
            self.decided += 1
            self.days.append(schedule.days_taken(clock.as_utc(request.sent_at), returned_at))
            if returned_at < end_of(request.due_date):
                self.on_time += 1
        elif schedule.is_overdue(request.due_date, now) and not undelivered:
            self.decided += 1


@dataclass
class Report:
    start: dt.date
    end: dt.date
    agencies: list[AgencyResponses]
    total: AgencyResponses


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=LONDON).astimezone(dt.UTC)


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last 12 months, to ``today``."""
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 1, day=28)
    return start + dt.timedelta(days=1), today


def responses(
    session: Session, scope: Scope, start: dt.date, end: dt.date, *, now: dt.datetime | None = None
) -> Report:
    """Every agency's responses to the requests sent from ``start`` to ``end`` (London dates,
    both included), by agency name."""
    now = now or clock.now()
    requests = session.scalars(
        scope.select(
            TrawlRequest,
            TrawlRequest.sent_at >= _midnight(start),
            TrawlRequest.sent_at < _midnight(end + dt.timedelta(days=1)),
        ).order_by(TrawlRequest.id)
    ).all()
    agency_ids = {r.agency_id for r in requests}
    names = (
        dict(
            session.execute(
                scope.select(Agency, Agency.id.in_(agency_ids)).with_only_columns(
                    Agency.id, Agency.name
                )
            ).all()
        )
        if agency_ids
        else {}
    )
    from service.requests import bounces
    from service.trawls.sending import TRAWL

    waiting = [r.id for r in requests if r.returned_at is None]
    undelivered = (
        set(
            session.scalars(
                select(TrawlRequest.id).where(
                    TrawlRequest.id.in_(waiting), bounces.undelivered(TRAWL)
                )
            )
        )
        if waiting
        else set()
    )
    rows: dict[int, AgencyResponses] = {}
    total = AgencyResponses(None, "All agencies")
    for request in requests:
        if request.agency_id not in names:  # not the user's to see
            continue
        row = rows.setdefault(
            request.agency_id, AgencyResponses(request.agency_id, names[request.agency_id])
        )
        row.add(request, now, undelivered=request.id in undelivered)
        total.add(request, now, undelivered=request.id in undelivered)
    ordered = sorted(rows.values(), key=lambda r: (r.name.casefold(), r.agency_id or 0))
    return Report(start, end, ordered, total)


# --- the spreadsheet ---------------------------------------------------------------------------


CSV_COLUMNS = [
    "agency",
    "requests",
    "returned",
    "median_days_to_respond",
    "returned_on_time",
    "due_or_returned",
    "on_time_percent",
    "chasers_total",
    "chasers_per_request",
]


def number(value: float | None) -> str:
    """A count or median as the page shows it: whole numbers without a decimal point."""
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _csv_row(row: AgencyResponses) -> list[str]:
    cells = [
        row.name,
        row.requests,
        row.returned,
        "" if row.median_days is None else number(row.median_days),
        row.on_time,
        row.decided,
        "" if row.on_time_share is None else round(row.on_time_share * 100),
        row.chasers,
        "" if row.chasers_per_request is None else f"{row.chasers_per_request:.2f}",
    ]
    return [safe_cell(cell) for cell in cells]


def csv_text(report: Report) -> str:
    """The report as a CSV file: a row per agency, then the totals."""
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheets read the file as UTF-8
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(row) for row in report.agencies)
    writer.writerow(_csv_row(report.total))
    return out.getvalue()
