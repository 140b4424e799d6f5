"""The action plan with time travel: an IMR's action due on Wednesday 31 March 2027 reminds its
lead officer on Wednesday 24 March at 09:00 and on the 31st at 09:00, exactly once each however
many sweeps run, and not at all once it is done; the lead officer's link updates that action
and no other."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from sqlalchemy import select

from service.actions import links, messages
from service.models import ActionItem, ActionStatus, Case
from tests.imrs import writing
from tests.imrs.factories import requested_imr
from tests.sweeping import outbox, sweep_here
from tests.trawls.answering import post, text

WEEK_BEFORE = dt.datetime(2027, 3, 24, 9, 0, tzinfo=dt.UTC)  # 09:00 in London (GMT)
ON_THE_DAY = dt.datetime(2027, 3, 31, 8, 0, tzinfo=dt.UTC)  # 09:00 in London (BST)


def plan_of(session, partnership, *, actions: int = 2) -> list[ActionItem]:
    req = requested_imr(session, partnership)
    session.commit()
    report = writing.stored_report(session.get(Case, req.case_id))
    report["actions"] = [
        {**writing.ACTION, "target_date": writing.TARGET.isoformat(),
         "recommendation": f"Recommendation {n}."}
        for n in range(1, actions + 1)
    ]  # fmt: skip
    writing.submitted_written_imr(session, req, report)
    return list(session.scalars(select(ActionItem).order_by(ActionItem.id)))


def reminders(session) -> list:
    return outbox(session, messages.REMINDER.name)


def test_reminders_go_a_week_before_and_on_the_day_exactly_once_each(session, partnership):
    plan_of(session, partnership, actions=1)
    assert sweep_here(WEEK_BEFORE - dt.timedelta(minutes=1)).get("action plan reminders") == 0
    assert reminders(session) == []
    for _ in range(2):
        sweep_here(WEEK_BEFORE)
    (first,) = reminders(session)
    assert first.recipient == writing.ACTION["lead_officer_email"]
    assert "The target date is a week away" in first.body_text
    assert "[link sent to the recipient]" in first.body_text
    sweep_here(ON_THE_DAY - dt.timedelta(minutes=1))
    assert len(reminders(session)) == 1
    for _ in range(2):
        sweep_here(ON_THE_DAY)
    sent = reminders(session)
    assert len(sent) == 2 and "Today is the target date" in sent[1].body_text
    sweep_here(ON_THE_DAY + dt.timedelta(days=3))
    assert len(reminders(session)) == 2


def test_none_is_sent_once_the_action_is_done(session, partnership):
    (action,) = plan_of(session, partnership, actions=1)
    sweep_here(WEEK_BEFORE)
    action = session.get(ActionItem, action.id, populate_existing=True)
    action.status = ActionStatus.DONE
    action.evidence = "Policy issued."
    session.commit()
    sweep_here(ON_THE_DAY)
    assert len(reminders(session)) == 1


def test_the_lead_officers_link_updates_only_that_action(page_client, session, partnership):
    first, second = plan_of(session, partnership)
    first_id, second_id = first.id, second.id
    sweep_here(WEEK_BEFORE)
    assert len(reminders(session)) == 2
    parts = urlsplit(links.current_url(session, first))
    assert page_client.get(f"{parts.path}?{parts.query}").status_code == 302
    page = text(page_client.get("/action/update"))
    assert "Recommendation 1." in page and "Recommendation 2." not in page
    refused = text(post(page_client, "/action/update", {"status": "done"}))
    assert "Enter the evidence that the action is done" in refused
    response = post(page_client, "/action/update",
                    {"status": "done", "evidence": "The new flag is live."})  # fmt: skip
    assert response.status_code == 302
    session.rollback()
    first = session.get(ActionItem, first_id, populate_existing=True)
    second = session.get(ActionItem, second_id, populate_existing=True)
    assert first.status is ActionStatus.DONE and first.evidence == "The new flag is live."
    assert first.day_reminder_at is None
    assert second.status is ActionStatus.NOT_STARTED and second.evidence is None
    # Done: no reminder on the day for the first; the second still gets its own.
    sweep_here(ON_THE_DAY)
    assert len(reminders(session)) == 3
    # An altered token opens nothing.
    other = page_client.application.test_client()
    assert other.get("/action?token=not-a-token").status_code == 404
