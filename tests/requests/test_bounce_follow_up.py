"""A request whose email bounced, end to end with time travel: the report read through
``mail.bounces``, the tracker, the paused chasers, the officer told once, and the request sent
again to the corrected address with the same link, after which the usual chasers go.

The trawl goes to three agencies on Monday 7 December 2026 (the factories'), due on Monday 21
December: the first chasers go on Tuesday 22nd at 09:00, the second (escalating) on Monday 4
January 2027. Mail goes through a real SMTP server on loopback.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import urlsplit

from sqlalchemy import select

from service import agencies, clock, runtime
from service.auth.scope import Scope
from service.imrs import links as imr_links
from service.imrs import messages as imr_messages
from service.imrs import requesting, tracking
from service.models import Agency, AuditEvent, Case, ImrRequest, MessageBounce, TrawlRequest
from service.requests import bounces, resending, schedule
from service.trawls import links, messages, returns, sending
from service.trawls import tracking as trawl_tracking
from tests.console import post_form, sign_in
from tests.delivered import delivered_text
from tests.imrs.factories import FIRST_CHASER as IMR_FIRST_CHASER
from tests.imrs.factories import SENT_AT as IMR_SENT_AT
from tests.imrs.factories import requested_imr
from tests.jobs import run_worker_burst
from tests.mail import bounce_fixtures as fx
from tests.requests.bouncing import bounce, read
from tests.requests.bouncing import messages as outbox
from tests.sweeping import sweep_here
from tests.trawls.factories import SENT_AT, sent_trawl

UTC = dt.UTC
FIRST = dt.datetime(2026, 12, 22, 9, 0, tzinfo=UTC)
SECOND = dt.datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
#: Tuesday 5 January 2027: the officer corrects the address and restarts the due date: due
#: on Tuesday 19 January, chased from Wednesday 20th at 09:00, escalated three working days on.
CORRECTED = dt.datetime(2027, 1, 5, 10, 0, tzinfo=UTC)
NEW_DUE = dt.date(2027, 1, 19)
NEW_FIRST = dt.datetime(2027, 1, 20, 9, 0, tzinfo=UTC)
NEW_SECOND = dt.datetime(2027, 1, 25, 9, 0, tzinfo=UTC)
MINUTE = dt.timedelta(minutes=1)
REQUEST, CHASER, BOUNCED = messages.REQUEST.name, messages.CHASER.name, "mail.bounced"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def row(session, model, ident):
    session.rollback()
    session.expire_all()
    return session.get(model, ident)


def tracker_row(page: str, agency_name: str) -> str:
    """The tracker table's row for one agency, as text."""
    for found in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", page, re.S):
        if agency_name in found:
            return " ".join(re.sub(r"<[^>]+>", " ", found).split())
    raise AssertionError(f"{agency_name} is not on the tracker")


def deliver(at: dt.datetime) -> None:
    with clock.frozen_at(at):
        run_worker_burst()


def test_a_trawl_email_that_bounced_pauses_its_chasers_until_sent_again_to_the_corrected_address(
    settings, session, partnership, mail_server, page_app, officer
):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    trawl = sent_trawl(session, partnership, agency_count=3)
    session.commit()
    case_id = trawl.case_id
    dead, answered, silent = trawl.requests
    dead_id, dead_agency_id = dead.id, dead.agency_id
    dead_name, silent_name = dead.agency.name, silent.agency.name
    silent_id, silent_address = silent.id, silent.agency.secure_addresses[0]
    old_address = dead.agency.secure_addresses[0]
    new_address = f"new.safeguarding@{old_address.split('@')[1]}"
    link = links.current_url(session, dead)
    deliver(SENT_AT + MINUTE)
    assert {r for m in mail_server.messages for r in m.rcpt_tos} >= {old_address}
    (request_email,) = outbox(session, REQUEST, old_address)
    request_email_id = request_email.id

    # The agency's mail system refuses it; the report is read an hour later, then again.
    report = bounce(request_email, SENT_AT + dt.timedelta(hours=1))
    assert read(report, SENT_AT + dt.timedelta(hours=2)).result == "duplicate"
    with clock.frozen_at(dt.datetime(2026, 12, 15, 11, tzinfo=UTC)):
        returns.submit(session, answered, {"systems_checked": "All"}, involvement=False)
    session.commit()

    # The tracker says so, with the date; the others as before.
    client = page_app.test_client()
    with clock.frozen_at(dt.datetime(2026, 12, 16, 10, tzinfo=UTC)):
        assert sign_in(client, officer).status_code == 302
        page = text_of(client.get(f"/console/cases/{case_id}/trawls"))
        request_page = text_of(client.get(f"/console/trawl-requests/{dead_id}"))
    assert "Email bounced on 7 December 2026" in tracker_row(page, dead_name)
    assert "Awaiting" in tracker_row(page, silent_name)
    assert f"{old_address}</span>: bounced on 7 December 2026" in request_page
    assert "No reminders are sent" in request_page

    # After the due date: the silent agency is chased and escalated; nothing goes to the address
    # that bounced, and its request is not overdue, chased or escalated.
    assert sweep_here(FIRST - MINUTE)["trawl chasers"] == 0
    assert sweep_here(FIRST)["trawl chasers"] == 1
    assert sweep_here(FIRST + MINUTE)["trawl chasers"] == 0
    deliver(FIRST + MINUTE)
    assert sweep_here(SECOND)["trawl chasers"] == 1
    deliver(SECOND + MINUTE)
    assert [m.recipient for m in outbox(session, CHASER)] == [silent_address] * 2
    assert [m.id for m in outbox(session, REQUEST, old_address)] == [request_email_id]
    waiting = row(session, TrawlRequest, dead_id)
    assert (waiting.chasers_sent, waiting.escalated_at) == (0, None)
    state = bounces.of(session, sending.TRAWL, waiting)
    with clock.frozen_at(SECOND + MINUTE):
        status = trawl_tracking.request_status(waiting, bounced=state)
        other = trawl_tracking.request_status(row(session, TrawlRequest, silent_id))
    assert status["text"] == "Email bounced" and other["text"] == "Escalated"
    # The officer was told once, whatever was read twice and however many sweeps ran.
    (told,) = outbox(session, BOUNCED)
    assert told.recipient == "dhr.officer@exampleshire.gov.uk"
    assert old_address not in told.subject

    # The officer corrects the address: the next page asks whether the due date restarts.
    with clock.frozen_at(CORRECTED):
        assert sign_in(client, officer).status_code == 302
        agency_page = text_of(client.get(f"/console/agencies/{dead_agency_id}/edit"))
        assert f"{old_address}</span>: bounced on 7 December 2026" in agency_page
        edit = f"/console/agencies/{dead_agency_id}/edit"
        saved = post_form(client, edit, {
            "name": dead_name, "secure_addresses": new_address, "escalation_contact": "",
            "on_standard_trawl_list": "y",
        })  # fmt: skip
        assert saved.status_code == 302
        confirm = urlsplit(saved.headers["Location"]).path
        assert confirm.endswith(f"/console/agencies/{dead_agency_id}/send-again")
        page = text_of(client.get(confirm))
        assert "Should the due date restart?" in page and case_ref(session, case_id) in page
        assert "19 January 2027" in page  # its due date if restarted
        assert outbox(session, REQUEST, new_address) == []  # nothing goes before the choice
        unchosen = post_form(client, confirm, {})
        assert unchosen.status_code == 400
        assert "Select whether the due date restarts" in text_of(unchosen)
        done = post_form(client, confirm, {"restart": "restart"})
        assert done.status_code == 302
        again = post_form(client, confirm, {"restart": "restart"})  # a second click
        assert again.status_code == 302

    # Exactly one new request, to the new address only, with the same link.
    (resent,) = outbox(session, REQUEST, new_address)
    assert [m.id for m in outbox(session, REQUEST, old_address)] == [request_email_id]
    assert link in delivered_text(resent) and "19 January 2027" in delivered_text(resent)
    resumed = row(session, TrawlRequest, dead_id)
    assert links.current_url(session, resumed) == link
    assert resumed.due_date == NEW_DUE and resumed.next_chaser_at == NEW_FIRST
    # The address that bounced is the agency's no longer: nothing is left to tell.
    assert not bounces.of(session, sending.TRAWL, resumed).undelivered
    assert bounces.standing(bounces.of(session, sending.TRAWL, resumed), resumed.agency) is None
    (audited,) = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "trawl.sent_again")
    ).all()
    assert audited.object_id == str(dead_id) and audited.detail["due_date_restarted"] is True
    assert new_address not in str(audited.detail)
    # Dealt with: it leaves the dashboard's "Emails that could not be delivered".
    (reported,) = session.scalars(select(MessageBounce)).all()
    assert reported.message_id == request_email_id and reported.dealt_with_at == CORRECTED

    # Then the usual chasers, to the new address.
    deliver(CORRECTED + MINUTE)
    assert sweep_here(NEW_FIRST - MINUTE)["trawl chasers"] == 1  # the silent one, meanwhile
    assert outbox(session, CHASER, new_address) == []
    assert sweep_here(NEW_FIRST)["trawl chasers"] >= 1
    (first_chaser,) = outbox(session, CHASER, new_address)
    chaser_text = delivered_text(first_chaser)
    assert link in chaser_text and "19 January 2027" in chaser_text
    assert sweep_here(NEW_SECOND)["trawl chasers"] >= 1
    assert len(outbox(session, CHASER, new_address)) == 2
    assert row(session, TrawlRequest, dead_id).escalated_at == NEW_SECOND
    assert outbox(session, CHASER, old_address) == []
    assert len(outbox(session, BOUNCED)) == 1


def case_ref(session, case_id: int) -> str:
    session.rollback()
    return session.get(Case, case_id).reference


def test_an_imr_request_that_bounced_is_sent_again_keeping_its_due_date(
    settings, session, partnership, mail_server
):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    req = requested_imr(session, partnership)
    session.commit()
    req_id, agency_id = req.id, req.agency_id
    old_address = req.agency.secure_addresses[0]
    new_address = f"imr.lead@{old_address.split('@')[1]}"
    link = imr_links.current_url(session, req)
    deliver(IMR_SENT_AT + MINUTE)
    (request_email,) = outbox(session, imr_messages.REQUEST.name, old_address)
    bounce(request_email, IMR_SENT_AT + dt.timedelta(hours=1), report=fx.exchange_online_ndr)

    # No chaser after the due date, and the tracker says why.
    assert sweep_here(IMR_FIRST_CHASER)["imr chasers"] == 0
    waiting = row(session, ImrRequest, req_id)
    with clock.frozen_at(IMR_FIRST_CHASER):
        status = tracking.status(waiting, bounced=bounces.of(session, requesting.IMR, waiting))
    assert status == {
        "text": "Email bounced", "classes": "govuk-tag--red", "since": "on 7 December 2026"
    }  # fmt: skip

    # The officer corrects the address on Wednesday 23 December and keeps the due date: the first
    # chaser goes one chaser interval later, to the new address only.
    corrected = dt.datetime(2026, 12, 23, 10, tzinfo=UTC)
    officer_scope = Scope(_officer(session, partnership))
    with clock.frozen_at(corrected):
        agency = session.get(Agency, agency_id)
        agencies.save(session, officer_scope, {
            "name": agency.name, "secure_addresses": [new_address],
            "escalation_contact": agency.escalation_contact, "on_standard_trawl_list": True,
        }, agency_id=agency_id)  # fmt: skip
        (item,) = resending.waiting(session, agency)
        assert item.to == [new_address]
        sent = resending.send_again(session, agency, restart=False, actor="officer")
        assert resending.send_again(session, agency, restart=False, actor="officer") == []
    session.commit()
    assert len(sent) == 1
    (resent,) = outbox(session, imr_messages.REQUEST.name, new_address)
    assert link in delivered_text(resent)
    resumed = row(session, ImrRequest, req_id)
    assert resumed.due_date == dt.date(2026, 12, 21)
    with clock.frozen_at(corrected):
        expected = schedule.chaser_after(partnership, corrected)
    assert resumed.next_chaser_at == expected
    assert sweep_here(expected - MINUTE)["imr chasers"] == 0
    assert sweep_here(expected)["imr chasers"] == 1
    (chaser,) = outbox(session, imr_messages.CHASER.name)
    assert chaser.recipient == new_address and link in delivered_text(chaser)


def _officer(session, partnership):
    from tests.console import make_user

    return make_user(session, partnership, "officer", email="imr.officer@exampleshire.gov.uk")
