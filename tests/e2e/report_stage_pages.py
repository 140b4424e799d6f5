"""The console's report stage pages, for the browser tests: two held reviews made once in the
live server's database through the service's own code, one with its report and summary uploaded
and the email to the Home Office drafted, the other sent and approved by the quality assurance
panel (so its answer and publication pages show)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from service import clock, db
from service.models import Case, Referral, ReferralStatus, ReportMessage
from service.referrals import decisions
from service.reviews import report_messages, report_stage
from tests.referrals.factories import complete_answers
from tests.uploads.files import pdf

DRAFTED, APPROVED = "REPORTDHJK", "REPORTAHJK"


def _held_case(s, partnership_id: int, reference: str) -> tuple[Case, bool]:  # noqa: ANN001
    referral = s.scalar(select(Referral).where(Referral.reference == reference))
    if referral is not None:
        return s.get(Case, referral.case_id), False
    referral = Referral(
        partnership_id=partnership_id, status=ReferralStatus.SUBMITTED, reference=reference,
        answers=complete_answers(), submitted_at=clock.now() - dt.timedelta(days=200),
        decision_due_at=clock.now() - dt.timedelta(days=170),
    )  # fmt: skip
    s.add(referral)
    s.flush()
    decisions.record_decision(
        s, referral, meets_criteria="yes", relevant_people="Alex Example", trawl_years=5,
        date_received=clock.london_date(referral.submitted_at), date_considered=None,
        recommendation="The suspect was her partner.", date_notified_chair=None,
        date_notified_home_office=None, actor="test",
    )  # fmt: skip
    return decisions.open_case(s, referral, actor="test"), True


def _uploaded_and_drafted(s, case: Case) -> int:  # noqa: ANN001
    stage = report_stage.stage_of(s, case)
    report_stage.upload(
        s, stage, actor="test",
        documents={"report": ("Overview report.pdf", pdf("Overview report")),
                   "summary": ("Executive summary.pdf", pdf("Executive summary"))},
    )  # fmt: skip
    return report_messages.prepare_quality_assurance(s, stage, actor="test").id


def report_stage_cases(console_data) -> dict[str, int]:  # noqa: ANN001
    """The ids: the drafted case, its draft; the approved case, its sent email."""
    partnership_id = console_data["partnership"].id
    with db.transaction() as s:
        drafted, new = _held_case(s, partnership_id, DRAFTED)
        if new:
            _uploaded_and_drafted(s, drafted)
        approved, new = _held_case(s, partnership_id, APPROVED)
        if new:
            message_id = _uploaded_and_drafted(s, approved)
            report_messages.send(s, report_stage.stage_of(s, approved),
                                 s.get(ReportMessage, message_id), actor="test")  # fmt: skip
            report_stage.record_answer(
                s, report_stage.stage_of(s, approved), answered_on=clock.london_date(clock.now()),
                answer="approved", notes="No changes needed.", actor="test",
            )  # fmt: skip
        ids = {}
        for key, case in (("drafted", drafted), ("approved", approved)):
            ids[key] = case.id
            ids[f"{key}_message"] = report_stage.stage_of(s, case).quality_assurance.id
    return ids


def report_stage_pages(console_data) -> list[str]:  # noqa: ANN001
    ids = report_stage_cases(console_data)
    drafted, approved = ids["drafted"], ids["approved"]
    return [
        f"/console/cases/{drafted}",
        f"/console/cases/{drafted}/report",
        f"/console/cases/{drafted}/report/upload",
        f"/console/report-messages/{ids['drafted_message']}",
        f"/console/report-messages/{ids['drafted_message']}/preview",
        f"/console/cases/{approved}/report",
        f"/console/cases/{approved}/report/answer",
        f"/console/cases/{approved}/report/publication",
        f"/console/report-messages/{ids['approved_message']}",
        f"/console/report-messages/{ids['approved_message']}/preview",
    ]
