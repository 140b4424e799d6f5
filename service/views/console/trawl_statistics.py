"""Console: how agencies respond across trawls, as a page and as a spreadsheet (audited).

The work is in ``service.trawls.statistics``; every row is read through the user's Scope.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from flask import Response, redirect, render_template, request, url_for

from forms.trawl import StatisticsPeriodForm, date_parts
from service import audit, clock, db
from service.auth import web
from service.trawls import statistics as response_statistics
from service.views.console import bp, common
from service.workdays import london_date


def _period(form: StatisticsPeriodForm) -> tuple[dt.date, dt.date] | None:
    """The period asked for (the last 12 months if none); None if the dates have problems."""
    start, end = response_statistics.default_period(london_date(clock.now()))
    if not any(k.startswith(("start-", "end-")) for k in request.args):
        form.process(data={"start": date_parts(start), "end": date_parts(end)})
        return start, end
    if not form.validate():
        return None
    return form.start.date or start, form.end.date or end


def _period_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k.startswith(("start-", "end-")) and v}


def _query(args: dict[str, str]) -> str:
    return f"?{urlencode(args)}" if args else ""


def _share(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


@bp.get("/trawl-statistics")
@web.requires("trawls.statistics")
def trawl_statistics():
    sc = web.current_scope()
    s = db.Sessions()
    form = StatisticsPeriodForm(formdata=request.args)
    period = _period(form)
    report = response_statistics.responses(s, sc, *period) if period else None
    return render_template(
        "console/trawl_statistics.html",
        form=form,
        report=report,
        csv_url=url_for("console.trawl_statistics_csv") + _query(_period_args()),
        number=response_statistics.number,
        share=_share,
    ), (200 if period else 400)


@bp.get("/trawl-statistics.csv")
@web.requires("trawls.statistics")
def trawl_statistics_csv():
    """The statistics as a spreadsheet. Audited."""
    sc = web.current_scope()
    s = db.Sessions()
    form = StatisticsPeriodForm(formdata=request.args)
    period = _period(form)
    if period is None:  # the page says what is wrong with the dates
        return redirect(url_for("console.trawl_statistics") + _query(_period_args()))
    report = response_statistics.responses(s, sc, *period)
    text = response_statistics.csv_text(report)
    with db.transaction() as t:
        audit.record(
            t,
            "trawl.statistics_exported",
            actor=common.actor(sc),
            partnership_id=sc.user.partnership_id,
            client_address=web.client_address(),
            date_from=report.start.isoformat(),
            date_to=report.end.isoformat(),
            rows=len(report.agencies),
        )
    name = f"trawl-statistics-{sc.user.partnership.slug}-{report.start:%Y%m%d}-{report.end:%Y%m%d}"
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "Cache-Control": "no-store",
        },
    )
