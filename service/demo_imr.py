"""The demo's part-way case's police IMR, written in the service: every section of the IMR
template, answered through ``service.imrs.report`` as the agency's pages save them. Its
chronology joins the case's merged chronology (its first entry is the night the police's trawl
return has too, so that row names both sources; the other two are the IMR's own) and its two
actions join the case's action plan. The example partnership asks for initials, so people are
named by their initials. Everything here is fictional."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from service.imrs import report, terms
from service.models import Case, ImrRequest

#: The part-way case's terms of reference, numbered as the panel numbered them.
TERMS = [
    "Establish what contact each agency had with the victim and her husband in the five years "
    "before her death.",
    "Consider whether risk was identified, assessed and shared between agencies.",
]

COVER = {
    "subject": "J.E.",
    "victim_diversity": "JE was 47, White British, and worked part-time.",
    "perpetrator": "AS, 50, White British, husband of JE.",
    "others": "SE, 15, daughter of JE and AS.",
    "author_name": "Riley Author",
    "author_designation": "Detective Inspector, Review Team",
    "agency_profile": "Exampleshire Police polices the county (demo data: fictional).",
    "qa_name": "Quinn Assurance",
    "qa_designation": "Detective Superintendent, Public Protection",
}


def _sections() -> dict[str, dict[str, Any]]:
    return {
        "cover": COVER,
        "methodology": {"sources": "Niche records, command and control logs and custody "
                        "records; interviews with the attending officers.", "parallel": None},
        "terms": {"term_1": "Three contacts with JE and two with AS, set out in the chronology.",
                  "term_2": "Risk was assessed high after the first call-out and shared at "
                  "MARAC; the later call-out was not linked to it."},
        "involvement": {"involvement": "Officers attended the family home twice after "
                        "neighbours reported shouting, and arrested AS after the first call-out."},
        "summary": {"summary": "Risk was identified and shared the first time; the second "
                    "call-out was treated as a new incident."},
        "analysis": {"analysis_1": "The DASH was completed and the MARAC referral made, but "
                     "the second call-out was not linked to the first."},
        "lessons": {"lessons_1": "Repeat call-outs to the same address should prompt a "
                    "supervisor's review."},
    }  # fmt: skip


def set_terms(session: Session, case: Case, *, actor: str) -> None:
    terms.set_terms(session, case, TERMS, actor=actor)


def write(session: Session, request: ImrRequest, case: Case, *, night: dt.date,
          death: dt.date, today: dt.date) -> None:  # fmt: skip
    """Every section of the police's report, saved into the request's draft."""
    victim, husband = (str(p.id) for p in sorted(case.people, key=lambda p: p.position)[:2])
    for key, answers in _sections().items():
        report.save_section(session, request, key, answers)
    report.save_rows(session, request, "chronology", [
        {"date": night.isoformat(), "time": "23:10", "source": "Command and control log",
         "professional": "P.C.", "contact_with": victim,
         "event": "Officers attended after neighbours reported shouting; she had a cut lip and "
         "said her husband had pushed her.",
         "outcome": "Husband arrested; DASH completed, high risk; referral to MARAC.",
         "comments": "Policy followed: the DASH was completed the same night."},
        {"date": (death - dt.timedelta(days=60)).isoformat(), "time": "21:45",
         "source": "Command and control log", "professional": "P.S.", "contact_with": victim,
         "event": "Second call-out to the home; she declined to make a statement.",
         "outcome": "No further action recorded.",
         "comments": "Not linked to the earlier MARAC referral: a gap in practice."},
        {"date": (death - dt.timedelta(days=45)).isoformat(), "time": "10:00",
         "source": "Bail records", "professional": "D.C.", "contact_with": husband,
         "event": "Bail conditions reviewed at the end of the investigation.",
         "outcome": "Conditions lifted; no charge.", "comments": None},
    ])  # fmt: skip
    report.save_rows(session, request, "actions", [
        {"recommendation": "Supervisors review every third call-out to the same address.",
         "key_actions": "Change the command and control flag; brief supervisors.",
         "evidence": "The new flag and the briefing record.",
         "key_outcomes": "Earlier recognition of escalating abuse.",
         "lead_officer": "Head of Public Protection",
         "lead_officer_email": "public.protection@example.police.uk",
         "target_date": (today + dt.timedelta(days=60)).isoformat()},
        {"recommendation": "Link new call-outs to open MARAC referrals.",
         "key_actions": "Add the MARAC marker to the address record.", "evidence": None,
         "key_outcomes": None, "lead_officer": "MARAC coordinator",
         "lead_officer_email": "public.protection@example.police.uk",
         "target_date": (today + dt.timedelta(days=120)).isoformat()},
    ])  # fmt: skip
