"""Fixtures for the referral tests: the page app and client, the console's officer, signed-in
client and second partnership, and submitted referrals made directly as rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.models import Partnership, Referral, ReferralStatus
from tests.referrals.factories import complete_answers
from tests.service.conftest import page_app, page_client  # noqa: F401
from tests.service.console.conftest import officer, other, signed_in  # noqa: F401

#: When the test referrals were submitted: their decision is due 30 days later.
SUBMITTED_AT = datetime(2026, 10, 8, 9, 30, tzinfo=UTC)


@pytest.fixture
def make_referral(session):
    """``make_referral(partnership, reference=..., **columns)``: a submitted referral with a
    complete set of answers, committed."""

    def make(
        partnership: Partnership,
        reference: str = "ABCDEFGHJK",
        *,
        answers: dict[str, Any] | None = None,
        submitted_at: datetime | None = SUBMITTED_AT,
        **columns: Any,
    ) -> Referral:
        values = {
            "partnership_id": partnership.id,
            "status": ReferralStatus.SUBMITTED,
            "reference": reference,
            "answers": complete_answers() if answers is None else answers,
            "submitted_at": submitted_at,
            "decision_due_at": (
                submitted_at + timedelta(days=partnership.decision_days) if submitted_at else None
            ),
        }
        referral = Referral(**(values | columns))
        session.add(referral)
        session.commit()
        return referral

    return make
