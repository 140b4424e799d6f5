"""The console's pages after the decision: the list of who must be told, a notification's
draft, its preview and sending it once; the report date; the case page and the dashboard."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

from sqlalchemy import select, update

from service import clock
from service.models import (
    AuditEvent,
    DecisionNotification,
    Message,
    NotificationKind,
    NotificationStatus,
    ReviewProgress,
    Role,
)
from service.referrals import decisions
from service.reviews import timescales
from tests.console import csrf_from, make_user, post_form, sign_in
from tests.reviews.conftest import decide


def recently(decided, outcome="yes", days=2, **overrides):
    """Decided ``days`` ago (the pages run at the real time: a signed-in session cannot travel)."""
    at = clock.now() - dt.timedelta(days=days)
    return decided(outcome, at=at, date_received=clock.london_date(at), **overrides)


def text(response) -> str:
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(htmllib.unescape(body).split())


def home_office(session, referral) -> DecisionNotification:
    session.rollback()
    return session.scalar(
        select(DecisionNotification).where(
            DecisionNotification.referral_id == referral.id,
            DecisionNotification.kind == NotificationKind.HOME_OFFICE,
        )
    )


def test_the_page_lists_who_must_be_told_with_their_deadlines(signed_in, session, decided):
    referral = recently(decided)
    decided_on = clock.london_date(clock.now() - dt.timedelta(days=2))
    due = clock.long_date(timescales.add_months(decided_on, 1))
    page = signed_in.get(f"/console/referrals/{referral.id}/after-decision")
    assert page.status_code == 200
    words = text(page)
    for name in (
        "The Home Office", "The Coroner", "The chair of the DHR sub-group",
        "The chair of the partnership",
    ):  # fmt: skip
        assert f"{name} To send Due by {due}" in words
    assert f"Home Office not told yet: due by {due}" in words
    assert f"Overview report due {clock.long_date(timescales.add_months(decided_on, 6))}" in words
    assert f"Referral received {clock.long_date(decided_on)}" in words
    assert f"Decision {clock.long_date(decided_on)}" in words
    session.rollback()
    viewed = session.scalars(select(AuditEvent).where(AuditEvent.action == "referral.viewed")).all()
    assert [e.detail.get("page") for e in viewed] == ["after-decision"]


def test_edit_preview_and_send_once_then_the_case_shows_the_date(signed_in, session, decided):
    referral = recently(decided)
    case = decisions.open_case(session, referral, actor="user:1")
    session.commit()
    n = home_office(session, referral)
    url = f"/console/notifications/{n.id}"
    form = signed_in.get(url)
    assert "Notification to the Home Office" in text(form)
    body = home_office(session, referral).body + "\n\nWith thanks."
    saved = post_form(signed_in, url, {"body": body})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/preview")
    preview = signed_in.get(f"{url}/preview")
    words = text(preview)
    assert "dhr.enquiries@homeoffice.example.gov.uk" in words
    assert f"OFFICIAL-SENSITIVE: Domestic Homicide Review decision [{case.reference}]" in words
    assert "With thanks." in words
    token = csrf_from(preview.get_data(as_text=True))
    headers = {"Referer": f"https://localhost{url}/preview"}
    # A double click: the second post finds it already sent.
    first = signed_in.post(f"{url}/send", data={"csrf_token": token}, headers=headers)
    second = signed_in.post(f"{url}/send", data={"csrf_token": token}, headers=headers)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"].endswith(f"/referrals/{referral.id}/after-decision")
    assert second.headers["Location"].endswith("/preview")
    session.rollback()
    (message,) = session.scalars(select(Message)).all()
    assert "With thanks." in message.body_text
    assert home_office(session, referral).status is NotificationStatus.SENT
    assert [e.action for e in session.scalars(
        select(AuditEvent).where(AuditEvent.action == "notification.sent"))] == [
        "notification.sent"
    ]  # fmt: skip
    # Not delivered yet, then delivered: the case page says so from the outbox.
    assert "Home Office notification sent, not yet delivered" in text(
        signed_in.get(f"/console/cases/{case.id}")
    )
    session.rollback()
    delivered = clock.now() - dt.timedelta(days=1)
    session.execute(
        update(Message).where(Message.id == message.id).values(status="sent", sent_at=delivered)
    )
    session.commit()
    told = text(signed_in.get(f"/console/cases/{case.id}"))
    assert f"Home Office told on {clock.long_date(delivered)}" in told


def test_a_viewer_reads_the_notification_but_cannot_send_it(
    page_client, session, partnership, decided
):
    referral = recently(decided)
    viewer = make_user(session, partnership, Role.VIEWER)
    sign_in(page_client, viewer)
    n = home_office(session, referral)
    page = page_client.get(f"/console/notifications/{n.id}")
    assert page.status_code == 200
    assert "Save and preview" not in page.get_data(as_text=True)
    assert "Send the notification" not in page_client.get(
        f"/console/notifications/{n.id}/preview"
    ).get_data(as_text=True)
    refused = page_client.post(f"/console/notifications/{n.id}/send")
    assert refused.status_code in (400, 403)
    session.rollback()
    assert session.scalars(select(Message)).all() == []


def test_another_partnerships_notification_is_not_found(signed_in, session, decided, other):
    referral = decided("yes")
    n = home_office(session, referral)
    n.partnership_id = other.id
    session.commit()
    assert signed_in.get(f"/console/notifications/{n.id}").status_code == 404


def test_a_new_report_date_is_recorded_with_its_reason(signed_in, session, decided):
    referral = decided("yes")
    url = f"/console/referrals/{referral.id}/report-date"
    new_date = {"due_on-day": "1", "due_on-month": "9", "due_on-year": "2027"}
    missing = post_form(signed_in, url, {**new_date, "reason": ""})
    assert "There is a problem" in text(missing)
    done = post_form(signed_in, url, {**new_date, "reason": "The trial moved"})
    assert done.status_code == 302
    session.rollback()
    progress = session.scalar(select(ReviewProgress))
    assert progress.report_due_on == dt.date(2027, 9, 1)
    assert progress.report_due_reason == "The trial moved"
    (event,) = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "review.report_date_moved")
    ).all()
    assert event.detail == {"previous": "2027-04-20", "due_on": "2027-09-01"}
    page = text(signed_in.get(f"/console/referrals/{referral.id}/after-decision"))
    assert "1 September 2027" in page and "Reason: The trial moved" in page


def test_the_dashboard_counts_notifications_past_their_deadline(
    signed_in, session, partnership, make_referral
):
    fresh = decide(session, make_referral(partnership, "ABCDEFGHJK"), "no",
                   at=clock.now() - dt.timedelta(days=2))  # fmt: skip
    assert "0 notifications of decisions past their deadline" in text(signed_in.get("/console/"))
    decide(session, make_referral(partnership, "BCDEFGHJKL"), "yes",
           at=clock.now() - dt.timedelta(days=40))  # fmt: skip
    words = text(signed_in.get("/console/"))
    assert "4 notifications of decisions past their deadline and not sent" in words
    assert fresh.id
