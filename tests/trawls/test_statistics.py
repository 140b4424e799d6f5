"""How agencies respond across trawls (protocol paragraph 42): median days to respond, the
share returned on time and the chasers needed, per agency over a period, on the page and as CSV.

The data set is small and built by hand, so every number can be checked by reading it:

    Exampleshire Police (3 requests, all returned)
      sent  5 Jan, due 19 Jan, returned  9 Jan:  4 days, on time, no chasers
      sent  2 Feb, due 16 Feb, returned 20 Feb: 18 days, late, 2 chasers
      sent  2 Mar, due 16 Mar, returned 16 Mar at 23:00: 14 days, on time (by the end of the day)
    Probation Service (3 requests, 1 returned)
      sent  5 Jan, due 19 Jan, never returned: late, 3 chasers
      sent 30 Mar, due 13 Apr, returned 10 Apr: 11 days, on time
      sent 20 Apr, due  4 May, not returned: not yet due on 25 April
    Outside the period (31 December 2025) and another partnership's request: not counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from service.auth.scope import Scope
from service.models import Agency, AuditEvent, Case, Role, Trawl, TrawlRequest, TrawlStatus
from service.trawls import statistics
from tests.console import make_user, sign_in
from tests.trawls.factories import make_case

UTC = dt.UTC
POLICE = "Exampleshire Police"
PROBATION = "Probation Service (Exampleshire)"
START, END = dt.date(2026, 1, 1), dt.date(2026, 4, 30)
NOW = dt.datetime(2026, 4, 25, 12, tzinfo=UTC)
PERIOD = {"start-day": "1", "start-month": "1", "start-year": "2026",
          "end-day": "30", "end-month": "4", "end-year": "2026"}  # fmt: skip


def at(month: int, day: int, hour: int = 10, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def request_row(trawl, agency, sent, due, returned=None, chasers=0) -> TrawlRequest:
    return TrawlRequest(
        trawl_id=trawl.id, partnership_id=trawl.partnership_id, case_id=trawl.case_id,
        agency_id=agency.id, sent_at=sent, due_date=due, returned_at=returned,
        chasers_sent=chasers, last_activity_at=returned or sent,
    )  # fmt: skip


def trawl_of(session, case) -> Trawl:
    trawl = Trawl(partnership_id=case.partnership_id, case_id=case.id, status=TrawlStatus.SENT)
    session.add(trawl)
    session.flush()
    return trawl


@pytest.fixture
def responses(session, partnership, other):
    def agency(name):
        return session.scalar(
            select(Agency).where(Agency.partnership_id == partnership.id, Agency.name == name)
        )

    police, probation = agency(POLICE), agency(PROBATION)
    rows = []
    # One trawl per request: an agency is asked once per trawl.
    for agency_, sent, due, returned, chasers in [
        (police, at(1, 5), dt.date(2026, 1, 19), at(1, 9), 0),
        (police, at(2, 2), dt.date(2026, 2, 16), at(2, 20), 2),
        (police, at(3, 2), dt.date(2026, 3, 16), at(3, 16, 23), 0),
        (probation, at(1, 5), dt.date(2026, 1, 19), None, 3),
        (probation, at(3, 30), dt.date(2026, 4, 13), at(4, 10), 0),
        (probation, at(4, 20), dt.date(2026, 5, 4), None, 0),
        (police, at(12, 31, year=2025), dt.date(2026, 1, 14), at(1, 20), 5),  # before the period
    ]:
        case = make_case(session, partnership)
        rows.append(request_row(trawl_of(session, case), agency_, sent, due, returned, chasers))
    theirs = Agency(partnership_id=other.id, key="o", name="Otherton Police",
                    secure_addresses=["dhr@otherton.gov.uk"])  # fmt: skip
    their_case = Case(partnership_id=other.id, reference="OTH-2026-001")
    session.add_all([theirs, their_case])
    session.flush()
    rows.append(request_row(trawl_of(session, their_case), theirs, at(2, 1), dt.date(2026, 2, 15)))
    session.add_all(rows)
    session.commit()
    return rows


def test_median_days_on_time_share_and_chasers_per_agency(session, officer, responses):
    report = statistics.responses(session, Scope(officer), START, END, now=NOW)
    police, probation = report.agencies
    assert [police.name, probation.name] == [POLICE, PROBATION]

    assert (police.requests, police.returned) == (3, 3)
    assert police.median_days == 14  # of 4, 18 and 14
    assert (police.on_time, police.decided) == (2, 3)
    assert police.on_time_share == pytest.approx(2 / 3)
    assert (police.chasers, police.chasers_per_request) == (2, pytest.approx(2 / 3))

    assert (probation.requests, probation.returned) == (3, 1)
    assert probation.median_days == 11
    # The request sent on 20 April is not yet due: neither on time nor late.
    assert (probation.on_time, probation.decided) == (1, 2)
    assert probation.on_time_share == 0.5
    assert (probation.chasers, probation.chasers_per_request) == (3, 1.0)

    total = report.total
    assert (total.requests, total.returned, total.on_time, total.decided) == (6, 4, 3, 5)
    assert total.median_days == 12.5  # of 4, 11, 14 and 18
    assert total.chasers == 5


def test_a_period_with_no_requests_has_no_rows(session, officer, responses):
    report = statistics.responses(
        session, Scope(officer), dt.date(2025, 1, 1), dt.date(2025, 6, 30), now=NOW
    )
    assert report.agencies == [] and report.total.median_days is None
    assert report.total.on_time_share is None


def test_the_default_period_is_the_last_twelve_months():
    assert statistics.default_period(dt.date(2026, 11, 28)) == (
        dt.date(2025, 11, 29),
        dt.date(2026, 11, 28),
    )
    assert statistics.default_period(dt.date(2028, 2, 29))[0] == dt.date(2027, 3, 1)


def test_the_statistics_page_and_its_csv(signed_in, session, responses):
    html = signed_in.get("/console/trawl-statistics", query_string=PERIOD).get_data(as_text=True)
    assert "Requests sent from 1 January 2026 to 30 April 2026" in html
    assert "Otherton" not in html
    row = next(r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S) if POLICE in r)
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    # Requests, returned, median days, on time, chasers, chasers per request.
    assert cells == [POLICE, "3", "3", "14", "67% (2 of 3)", "2", "0.7"]
    # Today, the Probation request due on 4 May is late too.
    assert "33% (1 of 3)" in html and "50% (3 of 6)" in html and "12.5" in html

    response = signed_in.get("/console/trawl-statistics.csv", query_string=PERIOD)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["agency", "requests", "returned", "median_days_to_respond"]
    assert rows[1] == [POLICE, "3", "3", "14", "2", "3", "67", "2", "0.67"]
    assert rows[2] == [PROBATION, "3", "1", "11", "1", "3", "33", "3", "1.00"]
    assert rows[3][0] == "All agencies" and rows[3][3] == "12.5"
    assert len(rows) == 4
    session.rollback()
    exported = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "trawl.statistics_exported")
    ).all()
    assert len(exported) == 1 and exported[0].detail["date_from"] == "2026-01-01"


def test_the_period_defaults_to_the_last_twelve_months_and_bad_dates_are_explained(signed_in):
    html = signed_in.get("/console/trawl-statistics").get_data(as_text=True)
    assert 'name="start-day"' in html and "Requests sent from" in html
    response = signed_in.get(
        "/console/trawl-statistics", query_string={**PERIOD, "end-year": "2025"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in html
    assert "The end of the period must be the same as or after its start" in html
    assert 'value="2025"' in html
    response = signed_in.get(
        "/console/trawl-statistics.csv", query_string={**PERIOD, "start-month": "13"}
    )
    assert response.status_code == 302 and "/console/trawl-statistics?" in response.location


@pytest.mark.parametrize("role, status", [(Role.VIEWER, 200), (Role.CHAIR, 403)])
def test_viewers_see_the_statistics_and_chairs_do_not(page_client, session, partnership, role,
                                                      status):  # fmt: skip
    sign_in(page_client, make_user(session, partnership, role))
    assert page_client.get("/console/trawl-statistics").status_code == status
    assert page_client.get("/console/trawl-statistics.csv").status_code == status
    nav = page_client.get("/console/").get_data(as_text=True)
    assert ("Trawl statistics" in nav) is (status == 200)
