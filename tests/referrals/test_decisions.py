"""Recording the decision on a referral and opening its case (service.referrals.decisions)."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from service.models import AuditEvent, Case, PersonRole, ReferralStatus
from service.referrals import decisions
from tests.referrals.factories import complete_answers

ACTOR = "user:1"


def decide(session, referral, **overrides):
    values = {
        "meets_criteria": "yes",
        "relevant_people": "Alex Example\nSam Sample",
        "trawl_years": 5,
        "date_received": dt.date(2026, 10, 8),
        "date_considered": dt.date(2026, 10, 20),
        "recommendation": "Hold a review",
        "date_notified_chair": dt.date(2026, 10, 21),
        "date_notified_home_office": None,
    } | overrides
    changed = decisions.record_decision(
        session, referral, **values, actor=ACTOR, client_address="203.0.113.7"
    )
    session.commit()
    return changed


def audit_rows(session, action):
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_a_decision_that_it_does_not_meet_the_criteria_is_not_accepted(
    session, partnership, make_referral
):
    referral = make_referral(partnership)
    changed = decide(session, referral, meets_criteria="no", trawl_years=None)

    assert referral.status is ReferralStatus.NOT_ACCEPTED
    assert referral.decided_at is not None
    assert (referral.meets_criteria, referral.recommendation) == ("no", "Hold a review")
    assert referral.date_received == dt.date(2026, 10, 8)
    assert "meets_criteria" in changed and "trawl_years" not in changed
    (event,) = audit_rows(session, "referral.decision_recorded")
    assert (event.actor, event.object_type, event.object_id) == (
        ACTOR,
        "referral",
        str(referral.id),
    )
    assert event.partnership_id == partnership.id
    assert event.client_address == "203.0.113.7"
    assert event.detail["changed"] == changed
    # Identifiers only: nothing the officer typed is in the audit trail.
    assert "Hold a review" not in str(event.detail) and "Alex" not in str(event.detail)


def test_a_decision_that_it_meets_the_criteria_waits_for_the_case(
    session, partnership, make_referral
):
    referral = make_referral(partnership)
    decide(session, referral)
    assert referral.status is ReferralStatus.SUBMITTED
    assert referral.decided_at is not None
    assert decisions.awaiting_case(referral)
    assert referral.case_id is None


def test_without_a_decision_only_the_details_are_recorded(session, partnership, make_referral):
    referral = make_referral(partnership)
    decide(session, referral, meets_criteria=None, trawl_years=None)
    assert referral.status is ReferralStatus.SUBMITTED
    assert referral.decided_at is None
    assert referral.date_received == dt.date(2026, 10, 8)
    assert not decisions.awaiting_case(referral)


def test_a_decision_can_be_corrected_until_the_case_is_opened(session, partnership, make_referral):
    referral = make_referral(partnership)
    decide(session, referral, meets_criteria="no")
    assert referral.status is ReferralStatus.NOT_ACCEPTED
    changed = decide(session, referral, meets_criteria="yes")
    assert changed == ["meets_criteria"]
    assert referral.status is ReferralStatus.SUBMITTED
    decisions.open_case(session, referral, actor=ACTOR)
    session.commit()
    with pytest.raises(decisions.DecisionRefused):
        decide(session, referral, meets_criteria="no")
    session.rollback()
    # The details can still be corrected; it stays accepted.
    decide(session, referral, recommendation="Hold a review with the SAB")
    assert referral.status is ReferralStatus.ACCEPTED
    assert referral.recommendation == "Hold a review with the SAB"


def test_a_draft_cannot_be_decided(session, partnership, make_referral):
    referral = make_referral(partnership, status=ReferralStatus.DRAFT)
    with pytest.raises(decisions.DecisionRefused):
        decide(session, referral)


def test_opening_cases_numbers_them_per_partnership_and_year(session, partnership, make_referral):
    first = make_referral(partnership, "ABCDEFGHJK")
    second = make_referral(partnership, "BCDEFGHJKL")
    for referral in (first, second):
        decide(session, referral)

    case = decisions.open_case(session, first, actor=ACTOR, client_address="203.0.113.7")
    session.commit()
    assert case.reference == "EXA-DHR-2026-01"
    assert first.status is ReferralStatus.ACCEPTED and first.case_id == case.id
    assert case.partnership_id == partnership.id
    assert case.date_of_death == dt.date(2026, 10, 1)
    assert case.trawl_years == 5

    again = decisions.open_case(session, second, actor=ACTOR)
    session.commit()
    assert again.reference == "EXA-DHR-2026-02"

    (opened, _) = audit_rows(session, "case.opened")
    assert (opened.object_type, opened.object_id) == ("case", str(case.id))
    assert opened.case_id == case.id and opened.detail == {"referral_id": first.id}
    accepted = audit_rows(session, "referral.accepted")
    assert [(a.object_id, a.case_id) for a in accepted] == [
        (str(first.id), case.id),
        (str(second.id), again.id),
    ]


def test_the_number_starts_again_each_year_of_submission(session, partnership, make_referral):
    late = make_referral(partnership, "ABCDEFGHJK")
    next_year = make_referral(
        partnership, "BCDEFGHJKL", submitted_at=datetime(2027, 1, 3, 10, 0, tzinfo=UTC)
    )
    for referral in (late, next_year):
        decide(session, referral)
    assert decisions.open_case(session, late, actor=ACTOR).reference == "EXA-DHR-2026-01"
    assert decisions.open_case(session, next_year, actor=ACTOR).reference == "EXA-DHR-2027-01"
    session.commit()


def test_the_cases_people_are_the_referrals_in_order(session, partnership, make_referral):
    referral = make_referral(partnership)
    decide(session, referral)
    case = decisions.open_case(session, referral, actor=ACTOR)
    session.commit()
    session.expire_all()
    case = session.get(Case, case.id)
    people = [
        (p.position, p.role, p.name, p.date_of_birth, p.relationship_to_victim, p.contact)
        for p in case.people
    ]
    assert people == [
        (0, PersonRole.DECEASED, "Alex Example", dt.date(1980, 5, 17), None, None),
        (1, PersonRole.SUSPECT, "Sam Sample", dt.date(1978, 11, 3), None, None),
        (2, PersonRole.VICTIM_HOUSEHOLD, "Jo Example", dt.date(1984, 2, 29), "Sister",
         "01632 960 125, jo.example@exampleshire.gov.uk"),
        (3, PersonRole.VICTIM_HOUSEHOLD, "Chris Example", dt.date(2010, 8, 9), "Son", None),
        (4, PersonRole.SUSPECT_HOUSEHOLD, "Pat Sample", None, "Lodger", "01632 960 126"),
    ]  # fmt: skip
    answers = complete_answers()
    assert case.people[0].address == answers["deceased_address"]
    assert case.people[1].address == answers["suspect_address"]
    assert case.people[2].address == answers["deceased_address"]
    assert case.people[4].address == answers["suspect_address"]


def test_a_case_is_opened_only_for_a_referral_that_meets_the_criteria(
    session, partnership, make_referral
):
    undecided = make_referral(partnership, "ABCDEFGHJK")
    with pytest.raises(decisions.DecisionRefused):
        decisions.open_case(session, undecided, actor=ACTOR)
    session.rollback()
    refused = make_referral(partnership, "BCDEFGHJKL")
    decide(session, refused, meets_criteria="no")
    with pytest.raises(decisions.DecisionRefused):
        decisions.open_case(session, refused, actor=ACTOR)
    session.rollback()
    assert session.scalars(select(Case)).all() == []


def test_a_case_is_opened_once(session, partnership, make_referral):
    referral = make_referral(partnership)
    decide(session, referral)
    decisions.open_case(session, referral, actor=ACTOR)
    session.commit()
    with pytest.raises(decisions.DecisionRefused):
        decisions.open_case(session, referral, actor=ACTOR)
    session.rollback()
    assert len(session.scalars(select(Case)).all()) == 1


def test_relevant_people_are_offered_from_the_referrals_names():
    assert decisions.relevant_people_text(complete_answers()).splitlines() == [
        "Alex Example",
        "Sam Sample",
        "Jo Example",
        "Chris Example",
        "Pat Sample",
    ]
