"""Fixtures for what happens after the decision: a decided referral, the console's officer and
their signed-in client, and the page app."""

from __future__ import annotations

import datetime as dt

import pytest

from service import clock
from service.referrals import decisions
from tests.referrals.conftest import SUBMITTED_AT, make_referral  # noqa: F401
from tests.service.conftest import page_app, page_client  # noqa: F401
from tests.service.console.conftest import officer, other, signed_in  # noqa: F401

#: When the sub-group's decision is recorded in these tests: Tuesday 20 October 2026, 10:00.
DECIDED_AT = dt.datetime(2026, 10, 20, 9, 0, tzinfo=dt.UTC)


def decide(session, referral, meets_criteria="yes", *, at=DECIDED_AT, **overrides):
    """Record the decision as the console does, as at ``at``; committed."""
    values = {
        "meets_criteria": meets_criteria,
        "relevant_people": "Alex Example\nSam Sample",
        "trawl_years": 5 if meets_criteria == "yes" else None,
        "date_received": dt.date(2026, 10, 8),
        "date_considered": dt.date(2026, 10, 19),
        "recommendation": "The death meets the definition: the suspect was her partner.",
        "date_notified_chair": None,
        "date_notified_home_office": None,
    } | overrides
    with clock.frozen_at(at):
        decisions.record_decision(session, referral, **values, actor="user:1")
    session.commit()
    return referral


@pytest.fixture
def decided(session, partnership, make_referral):  # noqa: F811
    """``decided(outcome="yes")``: a submitted referral with its decision recorded."""

    def make(outcome: str = "yes", **overrides):
        return decide(session, make_referral(partnership), outcome, **overrides)

    return make


__all__ = ["SUBMITTED_AT", "DECIDED_AT", "decide"]
