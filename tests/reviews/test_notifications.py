"""Telling the Home Office, the Coroner, the Commissioner and the chairs of the decision:
drafts with their deadlines, edited, previewed and sent once through the outbox."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from service import clock, runtime
from service.models import (
    AuditEvent,
    DecisionNotification,
    Message,
    MessageStatus,
    NotificationKind,
    NotificationStatus,
)
from service.referrals import decisions
from service.reviews import notifications
from tests.jobs import run_worker_burst
from tests.referrals.factories import complete_answers
from tests.reviews.conftest import DECIDED_AT, decide

HOME_OFFICE = "dhr.enquiries@homeoffice.example.gov.uk"


def drafts(session, referral):
    session.expire_all()
    return list(
        session.scalars(
            select(DecisionNotification)
            .where(
                DecisionNotification.referral_id == referral.id,
                DecisionNotification.status != NotificationStatus.WITHDRAWN,
            )
            .order_by(DecisionNotification.id)
        )
    )


def of_kind(session, referral, kind):
    (found,) = [n for n in drafts(session, referral) if n.kind is kind]
    return found


def test_a_decision_to_hold_a_review_lists_four_drafts_due_within_the_month(session, decided):
    referral = decided("yes")
    found = drafts(session, referral)
    assert [n.kind for n in found] == [
        NotificationKind.HOME_OFFICE,
        NotificationKind.CORONER,
        NotificationKind.SUBGROUP_CHAIR,
        NotificationKind.PARTNERSHIP_CHAIR,
    ]
    assert {n.due_on for n in found} == {dt.date(2026, 11, 20)}
    assert {n.status for n in found} == {NotificationStatus.DRAFT}
    (event,) = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "notification.drafted")
    ).all()
    assert event.detail["kinds"] == [n.kind.value for n in found]


def test_the_commissioner_is_told_of_decisions_only_when_the_partnership_says_so(
    session, partnership, decided
):
    partnership.commissioner_told_of_decisions = True
    session.commit()
    referral = decided("no")
    assert [n.kind for n in drafts(session, referral)] == [
        NotificationKind.HOME_OFFICE,
        NotificationKind.COMMISSIONER,
        NotificationKind.SUBGROUP_CHAIR,
        NotificationKind.PARTNERSHIP_CHAIR,
    ]


def test_the_home_office_draft_carries_what_it_asks_for_and_no_names(session, decided):
    referral = decided("yes")
    body = of_kind(session, referral, NotificationKind.HOME_OFFICE).body
    assert "has decided to hold a Domestic Homicide Review" in body
    assert "Date of death: 1 October 2026" in body
    assert "The person who died: A.E., aged 46" in body
    assert "The suspect or perpetrator: S.S., aged 47" in body
    assert "intimate personal relationship" in body or "household" in body
    assert "the suspect was her partner" in body  # the rationale
    assert "Chair of the review: not yet appointed" in body
    assert "Exampleshire Community Safety Partnership" in body
    answers = complete_answers()
    for value in (
        answers["deceased_name"], answers["suspect_name"], "Jo Example", "Example Street",
        "17 May 1980", "1980-05-17", "3 November 1978",
    ):  # fmt: skip
        assert value not in body


def test_a_decision_not_to_hold_a_review_tells_the_home_office_why_and_not_the_coroner(
    session, decided
):
    referral = decided("no", recommendation="The death was not the result of abuse.")
    kinds = [n.kind for n in drafts(session, referral)]
    assert NotificationKind.CORONER not in kinds
    body = of_kind(session, referral, NotificationKind.HOME_OFFICE).body
    assert "has decided not to hold a Domestic Homicide Review" in body
    assert "Reasons for the decision:\nThe death was not the result of abuse." in body
    assert "Chair of the review" not in body


def test_correcting_the_decision_withdraws_the_unsent_drafts_and_drafts_the_new_ones(
    session, decided
):
    referral = decided("no")
    decide(session, referral, "yes")
    found = drafts(session, referral)
    assert NotificationKind.CORONER in [n.kind for n in found]
    assert {n.outcome for n in found} == {"yes"}
    # Saving the same decision again drafts nothing more.
    decide(session, referral, "yes", recommendation="Hold it")
    assert len(drafts(session, referral)) == len(found)


def test_sending_the_home_office_notification_delivers_one_message_over_smtp(
    session, settings, decided, mail_server
):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    referral = decided("yes")
    home_office = of_kind(session, referral, NotificationKind.HOME_OFFICE)
    with clock.frozen_at(DECIDED_AT + dt.timedelta(days=3)):
        notifications.send(session, home_office, actor="user:1")
    session.commit()
    with pytest.raises(notifications.NotificationRefused, match="already been sent"):
        notifications.send(session, home_office, actor="user:1")
    session.rollback()

    run_worker_burst()
    (got,) = mail_server.messages
    assert got.rcpt_tos == [HOME_OFFICE]
    message = got.message
    assert message["Subject"] == (
        f"OFFICIAL-SENSITIVE: Domestic Homicide Review decision [{referral.reference}]"
    )
    text = message.get_body(("plain",)).get_content()
    assert "has decided to hold a Domestic Homicide Review" in text
    assert "Alex Example" not in text and "Sam Sample" not in text
    assert "1980" not in text and "1978" not in text
    (row,) = [
        r
        for r in notifications.rows_for(session, referral.id)
        if r.notification.id == home_office.id
    ]
    assert row.delivery == "sent"
    assert row.told_on == clock.london_date(clock.now())
    assert session.scalars(select(Message)).one().status is MessageStatus.SENT


def test_two_officers_sending_at_once_send_it_once(session, settings, decided):
    from service import db

    referral = decided("yes")
    first_id = of_kind(session, referral, NotificationKind.HOME_OFFICE).id
    # Both loaded the draft before either sent it: the second still holds it as a draft.
    one, two = (db.Sessions.session_factory(expire_on_commit=False) for _ in range(2))
    try:
        a, b = one.get(DecisionNotification, first_id), two.get(DecisionNotification, first_id)
        assert a.status is b.status is NotificationStatus.DRAFT
        two.commit()
        notifications.send(one, a, actor="user:1")
        one.commit()
        with pytest.raises(notifications.NotificationRefused):
            notifications.send(two, b, actor="user:2")
        two.rollback()
    finally:
        one.close()
        two.close()
    session.rollback()
    assert len(session.scalars(select(Message)).all()) == 1


def test_edited_text_is_what_is_sent_and_placeholders_must_be_replaced(session, decided):
    referral = decided("yes", recommendation="")
    home_office = of_kind(session, referral, NotificationKind.HOME_OFFICE)
    assert "[Give the full reasons" in home_office.body
    assert "square brackets" in notifications.preview(session, home_office).problem
    with pytest.raises(notifications.NotificationRefused, match="square brackets"):
        notifications.send(session, home_office, actor="user:1")
    session.rollback()
    body = home_office.body.replace("[Give the full reasons for the decision]", "Reasons here.")
    notifications.edit(session, home_office, body, actor="user:1")
    session.commit()
    preview = notifications.preview(session, home_office)
    assert preview.problem is None
    assert [(r.address, r.decision) for r in preview.recipients] == [(HOME_OFFICE, "secure")]
    assert "Reasons here." in preview.text
    (message,) = notifications.send(session, home_office, actor="user:1")
    session.commit()
    assert "Reasons here." in message.body_text
    with pytest.raises(notifications.NotificationRefused, match="cannot change"):
        notifications.edit(session, home_office, "Something else", actor="user:1")


def test_a_kind_without_an_inbox_cannot_be_sent(session, partnership, decided):
    partnership.inboxes = {k: v for k, v in partnership.inboxes.items() if k != "coroner"}
    session.commit()
    referral = decided("yes")
    coroner = of_kind(session, referral, NotificationKind.CORONER)
    with pytest.raises(notifications.NotificationRefused, match="inboxes.coroner"):
        notifications.send(session, coroner, actor="user:1")


def test_opening_the_case_gives_the_notifications_its_reference(session, decided):
    referral = decided("yes")
    case = decisions.open_case(session, referral, actor="user:1")
    session.commit()
    home_office = of_kind(session, referral, NotificationKind.HOME_OFFICE)
    assert home_office.case_id == case.id
    (message,) = notifications.send(session, home_office, actor="user:1")
    assert message.reference == case.reference == "EXA-DHR-2026-01"
