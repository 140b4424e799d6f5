"""The console pages after the decision, for the browser tests: a referral decided to meet the
criteria, with its case, its notifications and its report deadline, made once in the live
server's database through the service's own code."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from service import clock, db
from service.models import DecisionNotification, NotificationKind, Referral, ReferralStatus
from service.referrals import decisions
from tests.referrals.factories import complete_answers

REFERENCE = "DECIDEDHJK"


def decided_referral(partnership_id: int) -> Referral:
    """The decided referral (made on first use)."""
    with db.transaction() as s:
        referral = s.scalar(select(Referral).where(Referral.reference == REFERENCE))
        if referral is None:
            referral = Referral(
                partnership_id=partnership_id, status=ReferralStatus.SUBMITTED,
                reference=REFERENCE, answers=complete_answers(),
                submitted_at=clock.now() - dt.timedelta(days=20),
                decision_due_at=clock.now() + dt.timedelta(days=10),
            )  # fmt: skip
            s.add(referral)
            s.flush()
            decisions.record_decision(
                s, referral, meets_criteria="yes", relevant_people="Alex Example",
                trawl_years=5, date_received=clock.london_date(referral.submitted_at),
                date_considered=None, recommendation="The suspect was her partner.",
                date_notified_chair=None, date_notified_home_office=None, actor="test",
            )  # fmt: skip
            decisions.open_case(s, referral, actor="test")
    return referral


def after_decision_pages(console_data) -> list[str]:
    referral = decided_referral(console_data["partnership"].id)
    with db.transaction() as s:
        home_office = s.scalar(
            select(DecisionNotification.id).where(
                DecisionNotification.referral_id == referral.id,
                DecisionNotification.kind == NotificationKind.HOME_OFFICE,
            )
        )
    return [
        f"/console/referrals/{referral.id}/after-decision",
        f"/console/notifications/{home_office}",
        f"/console/notifications/{home_office}/preview",
        f"/console/referrals/{referral.id}/report-date",
        f"/console/referrals/{referral.id}/letters",
    ]
