"""The IMR written in the service: a whole report as its pages post it, and as it is stored.

Built for the factories' case (Alice Example the victim, Brian Sample her partner, Chloe Example
her daughter) at the factories' ANSWERING_AT (Monday 14 December 2026).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from forms import imr_report as catalogue
from service import clock
from service.imrs import submission
from service.models import Case, ImrRequest, ImrSubmission
from tests.imrs.factories import ANSWERING_AT, checklist
from tests.imrs.filling import post, text
from tests.trawls.answering import date_fields

TERMS = [
    "Establish what contact each agency had with the victim and the perpetrator.",
    "Consider whether risk was identified and shared.",
]
COVER = {
    "subject": "A.E.",
    "victim_diversity": "AE was 41, White British.",
    "perpetrator": "BS, 44, White British, partner of AE.",
    "others": "CE, 14, daughter of AE.",
    "author_name": "Riley Author",
    "author_designation": "Detective Inspector, Review Team",
    "agency_profile": "Exampleshire Police serves the county.",
    "qa_name": "Quinn Assurance",
    "qa_designation": "Detective Superintendent",
}
METHODOLOGY = {"sources": "Niche records, command and control logs, interviews with PC 1234."}
INVOLVEMENT = {"involvement": "Three call-outs to Harbour Row between 2025 and 2026."}
SUMMARY = {"summary": "Risk was assessed high after the March 2026 call-out."}
ANALYSIS = {"analysis_1": "Officers followed the DASH process; MARAC referral was made."}
LESSONS = {"lessons_1": "Repeat call-outs should prompt a supervisor's review."}
#: The police's night at Harbour Row, as its trawl return also has it.
NIGHT_EVENT = ("Officers attended Harbour Row after neighbours reported shouting; she had a cut "
               "lip and said her partner had pushed her.")  # fmt: skip
ACTION = {
    "recommendation": "Supervisors review every third call-out to the same address.",
    "key_actions": "Change the command and control flag; brief supervisors.",
    "evidence": "The new flag and the briefing record.",
    "key_outcomes": "Earlier recognition of escalating abuse.",
    "lead_officer": "Head of Public Protection",
    "lead_officer_email": "lead.officer@example.police.uk",
}
TARGET = dt.date(2027, 3, 31)


def people_ids(case: Case) -> dict[str, int]:
    return {p.name: p.id for p in case.people}


def chronology_post(person_id: int, **overrides: str) -> dict[str, str]:
    data = {
        **date_fields("date", dt.date(2026, 3, 14)),
        "time": "23:10",
        "source": "Command and control log",
        "professional": "P.C.",
        "contact_with": str(person_id),
        "event": NIGHT_EVENT,
        "outcome": "Partner arrested; DASH completed, high risk; referral to MARAC.",
        "comments": "Policy followed.",
    }
    data.update(overrides)
    return data


def action_post(**overrides: str) -> dict[str, str]:
    return {**ACTION, **date_fields("target_date", TARGET), **overrides}


def terms_post(count: int) -> dict[str, str]:
    return {f"term_{n}": f"Our answer to term {n}." for n in range(1, count + 1)}


def write_report(client: FlaskClient, case: Case, *, terms: int = len(TERMS)) -> None:
    """Every section of the report, through its pages: two chronology entries, one action."""
    ids = people_ids(case)
    steps = [
        ("/imr/report", {"way": "write"}),
        ("/imr/report/section/cover", COVER),
        ("/imr/report/section/methodology", METHODOLOGY),
        ("/imr/report/section/terms", terms_post(terms)),
        ("/imr/report/section/involvement", INVOLVEMENT),
        ("/imr/report/chronology/0", chronology_post(ids["Alice Example"])),
        ("/imr/report/chronology/1", chronology_post(
            ids["Brian Sample"], time="", event="Brian Sample interviewed under caution.",
            outcome="", comments="", **date_fields("date", dt.date(2026, 3, 15)))),
        ("/imr/report/chronology", {}),
        ("/imr/report/section/summary", SUMMARY),
        ("/imr/report/section/analysis", ANALYSIS),
        ("/imr/report/section/lessons", LESSONS),
        ("/imr/report/actions/0", action_post()),
        ("/imr/report/actions", {}),
    ]  # fmt: skip
    for url, data in steps:
        response = post(client, url, data)
        assert response.status_code == 302, (url, text(response)[:3000])


def stored_report(case: Case, *, terms: int = 0) -> dict[str, Any]:
    """A whole report as the draft keeps it, for a case with ``terms`` terms of reference: one
    chronology entry (the police's night at Harbour Row) and one action."""
    ids = people_ids(case)
    answers = {f"term_{n}": f"Our answer to term {n}." for n in range(1, terms + 1)}
    return {
        "cover": COVER, "methodology": {**METHODOLOGY, "parallel": None},
        "terms": answers or {"term_general": "Our answer to the terms of reference."},
        "involvement": INVOLVEMENT, "summary": SUMMARY,
        "analysis": {q.name: ANALYSIS.get(q.name) for q in catalogue.ANALYSIS_QUESTIONS},
        "lessons": {q.name: LESSONS.get(q.name) for q in catalogue.LESSONS_QUESTIONS},
        "chronology": [
            {"date": "2026-03-14", "time": "23:10", "source": "Command and control log",
             "professional": "P.C.", "contact_with": str(ids["Alice Example"]),
             "event": NIGHT_EVENT, "outcome": "Partner arrested; DASH completed, high risk; "
             "referral to MARAC.", "comments": "Policy followed."},
        ],
        "actions": [{**ACTION, "target_date": TARGET.isoformat()}],
    }  # fmt: skip


def submitted_written_imr(
    session: Session, request: ImrRequest, report: dict[str, Any], *,
    at: dt.datetime = ANSWERING_AT, is_final: bool = False,
) -> ImrSubmission:  # fmt: skip
    """The next version of ``request``, written in the service, submitted at ``at`` (committed)."""
    with clock.frozen_at(at):
        if request.latest is not None:
            submission.start_revision(session, request)
        draft = submission.draft_of(request)
        draft.update(report_kind="written", report=report, checklist=checklist())
        submission.save_draft(session, request, draft)
        row = submission.submit(session, request, is_final=is_final)
    session.commit()
    return row
