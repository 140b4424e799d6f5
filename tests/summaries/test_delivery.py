"""The collated summary reaches the DHR officer once per trigger (every return in; the morning
after the due date, with what is outstanding), run as an operator runs the sweep (`dhr sweep
--at`), whatever runs twice or loses its memory; and "send to sub-group" sends it only to the
secure recipients the officer chose, one email each, audited.

The factories' trawl goes to six agencies on Monday 7 December 2026 and is due on Monday 21
December: three return, housing is given until 11 January, adult social care says nothing and
the recovery service (no secure address) never got the link. The first chasers, and the
due-date summary, go on Tuesday 22 December at 09:00.
"""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import redis
from sqlalchemy import select, update

from service import clock, db, runtime
from service.models import (
    AuditEvent,
    Case,
    CaseChair,
    CaseStatus,
    Message,
    MessageStatus,
    PanelMember,
    Partnership,
    Role,
    Trawl,
    TrawlRequest,
)
from service.summaries import delivery, to_officer
from service.trawls import returns
from tests.consent.factories import pdf_text
from tests.console import csrf_from, make_user, sign_in
from tests.jobs import run_worker_burst
from tests.referrals.test_decision_sweep import sweep
from tests.summaries.factories import answers, send_trawl, story, submit
from tests.sweeping import outbox as all_messages
from tests.sweeping import sweep_here as sweep_once
from tests.sweeping import sweep_outputs_at_once
from tests.trawls.factories import PEOPLE, make_case

UTC = dt.UTC
DUE_MOMENT = dt.datetime(2026, 12, 22, 9, 0, tzinfo=UTC)  # 09:00 London (GMT)
MINUTE = dt.timedelta(minutes=1)
OFFICER_INBOX = "dhr.officer@exampleshire.gov.uk"
NAMES = [p["name"] for p in PEOPLE]
COMPLETE, DUE = to_officer.COMPLETE.name, to_officer.AT_DUE_DATE.name
OUTSTANDING = ("housing", "social_care", "recovery")


def counts_in(output: str) -> dict[str, int]:
    return {
        name: int(n)
        for name, n in re.findall(r"^summaries: (every return in|due date): (\d+)$", output, re.M)
    }


def sweeps_at_once(env: dict, at: dt.datetime) -> list[dict[str, int]]:
    """Two `dhr sweep --at` processes started together; what each one's summary checks did."""
    return [counts_in(out) for out in sweep_outputs_at_once(env, at)]


def sweep_here(at: dt.datetime) -> dict[str, int]:
    """One sweep in this process (quicker where no second process is the point)."""
    return {
        k.removeprefix("summaries: "): v
        for k, v in sweep_once(at).items()
        if k.startswith("summaries: ")
    }


outbox = all_messages


def trawl_row(session, trawl_id: int) -> Trawl:
    session.rollback()
    session.expire_all()
    return session.get(Trawl, trawl_id)


def events(session, action: str) -> list[AuditEvent]:
    session.rollback()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def return_rest(session, st, names, at: dt.datetime) -> None:
    """The agencies called ``names`` send a "no trace" return at ``at``, one after another."""
    for i, name in enumerate(names):
        submit(session, st.requests[name], answers(st.trawl), at=at + i * MINUTE)
    session.commit()


def no_names(message: Message) -> None:
    for name in NAMES:
        assert name not in message.subject
        assert name not in message.body_text and name not in (message.body_html or "")


# --- when the summaries go -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "due", "summary_at"),
    [
        # Sent on a Monday, due a Monday: the summary goes with the first chasers on Tuesday.
        (dt.datetime(2026, 12, 7, 10, tzinfo=UTC), dt.date(2026, 12, 21),
         dt.datetime(2026, 12, 22, 9, tzinfo=UTC)),
        # Due on a Saturday: Monday morning, not the weekend.
        (dt.datetime(2026, 12, 5, 10, tzinfo=UTC), dt.date(2026, 12, 19),
         dt.datetime(2026, 12, 21, 9, tzinfo=UTC)),
        # Due the Thursday before Easter: after Good Friday, the weekend and Easter Monday, in
        # summer time (09:00 London is 08:00 UTC).
        (dt.datetime(2027, 3, 11, 10, tzinfo=UTC), dt.date(2027, 3, 25),
         dt.datetime(2027, 3, 30, 8, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_sending_a_trawl_sets_its_summary_for_the_working_morning_after_the_due_date(
    session, partnership, sent, due, summary_at
):
    case = make_case(session, partnership)
    trawl = send_trawl(session, partnership, case, ["police", "gp"], at=sent)
    assert trawl.due_date == due
    assert trawl.summary_due_at == summary_at
    # The same moment as the first chaser.
    assert {r.next_chaser_at for r in trawl.requests} == {summary_at}
    assert trawl.summary_complete_at is None


def test_only_the_first_return_of_the_last_outstanding_agency_completes_the_trawl(
    session, partnership
):
    st = story(session, partnership)
    assert trawl_row(session, st.trawl.id).summary_complete_at is None
    # Two of the three left return; the police amend again: still not complete.
    at = dt.datetime(2026, 12, 16, 10, tzinfo=UTC)
    return_rest(session, st, ["housing", "social_care"], at)
    submit(session, st.requests["police"], answers(st.trawl, systems="Niche RMS"), at=at)
    session.commit()
    assert trawl_row(session, st.trawl.id).summary_complete_at is None
    # The recovery service, whose link was withheld, is the last: its return completes it.
    last = dt.datetime(2026, 12, 17, 14, tzinfo=UTC)
    return_rest(session, st, ["recovery"], last)
    assert trawl_row(session, st.trawl.id).summary_complete_at == last
    # An amendment afterwards changes nothing.
    submit(session, st.requests["gp"], answers(st.trawl, systems="EMIS"), at=last + MINUTE * 60)
    session.commit()
    assert trawl_row(session, st.trawl.id).summary_complete_at == last


def returns_at_once(request_ids: list[int], found: dict, at: dt.datetime) -> list[Exception]:
    """Each request's agency sends ``found`` at the same moment, each in its own transaction
    and thread; what went wrong, if anything."""
    start, errors = threading.Barrier(len(request_ids)), []

    def agency_returns(request_id: int) -> None:
        try:
            start.wait(timeout=10)
            with clock.frozen_at(at), db.transaction() as s:
                request = s.get(TrawlRequest, request_id)
                returns.submit(s, request, found, involvement=False)
        except Exception as exc:  # noqa: BLE001  (reported by the caller)
            errors.append(exc)
        finally:
            db.Sessions.remove()

    threads = [threading.Thread(target=agency_returns, args=(i,)) for i in request_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_two_last_returns_at_once_complete_the_trawl(session, partnership):
    """The last two agencies send their returns at the same moment, each in its own
    transaction: whichever commits second sees the first and notes that every return is in."""
    st = story(session, partnership)
    return_rest(session, st, ["housing"], dt.datetime(2026, 12, 16, 10, tzinfo=UTC))
    ids = [st.requests[name].id for name in ("social_care", "recovery")]
    at = dt.datetime(2026, 12, 17, 14, tzinfo=UTC)
    assert returns_at_once(ids, answers(st.trawl), at) == []
    assert trawl_row(session, st.trawl.id).summary_complete_at == at
    assert sweep_here(at + MINUTE) == {"every return in": 1, "due date": 0}


def test_returns_racing_again_and_again_neither_deadlock_nor_miss_the_last(session, partnership):
    """The same race, repeated: on Postgres each return's updates take a key-share lock on the
    trawl, so the lock that makes them take turns must not wait on those (no deadlock)."""
    from tests.trawls.factories import sent_trawl

    trawls = [sent_trawl(session, partnership, agency_count=2) for _ in range(16)]
    session.commit()
    at = dt.datetime(2026, 12, 17, 14, tzinfo=UTC)
    for trawl in trawls:
        found = answers(trawl)
        assert returns_at_once([r.id for r in trawl.requests], found, at) == []
        assert trawl_row(session, trawl.id).summary_complete_at == at


# --- exactly once --------------------------------------------------------------------------


def test_due_date_summary_goes_once_listing_what_is_outstanding(cli_env, session, partnership):
    st = story(session, partnership)
    case = st.case

    # Nothing on the due date itself (the agencies have the whole day), nor before 09:00.
    assert counts_in(sweep(cli_env, dt.datetime(2026, 12, 21, 17, tzinfo=UTC)))["due date"] == 0
    assert counts_in(sweep(cli_env, DUE_MOMENT - MINUTE))["due date"] == 0
    assert outbox(session, DUE, COMPLETE) == []

    # Tuesday 22 December, 09:00: two schedulers sweep at once; one summary between them.
    found = sweeps_at_once(cli_env, DUE_MOMENT)
    assert sorted(f["due date"] for f in found) == [0, 1]
    assert all(f["every return in"] == 0 for f in found)
    (message,) = outbox(session, DUE)
    assert message.recipient == OFFICER_INBOX
    assert message.subject == (
        f"OFFICIAL-SENSITIVE: Collated summary: trawl due date passed [{case.reference}]"
    )
    assert message.policy == "secure" and message.status is MessageStatus.QUEUED
    body = message.body_text
    assert "3 of 6 agencies have returned" in body
    for name in OUTSTANDING:
        assert st.agency(name).name in body, name
    for name in ("police", "hospital", "gp"):
        assert st.agency(name).name not in body, name
    assert "given more time, to 11 January 2027" in body  # housing's extension
    assert "overdue (due 21 December 2026)" in body
    no_names(message)
    (attachment,) = message.attachments
    assert attachment.content_type == "application/pdf" and attachment.data.startswith(b"%PDF")
    assert attachment.filename == f"{case.reference}-summary-2026-12-22.pdf"
    assert trawl_row(session, st.trawl.id).summary_due_sent_at == DUE_MOMENT
    (event,) = events(session, "summary.sent_to_officer")
    assert event.detail == {"trigger": "due", "outstanding": 3}
    assert event.object_id == str(st.trawl.id) and event.case_id == case.id

    # Redis is emptied; later sweeps find nothing more to send.
    redis.Redis.from_url(runtime.settings().REDIS_URL).flushall()
    for at in (DUE_MOMENT + MINUTE, dt.datetime(2026, 12, 23, 9, tzinfo=UTC)):
        assert counts_in(sweep(cli_env, at)) == {"every return in": 0, "due date": 0}, at
    assert len(outbox(session, DUE)) == 1


def test_last_return_summary_goes_once_and_the_due_date_one_is_then_not_sent(
    cli_env, session, partnership
):
    st = story(session, partnership)
    last = dt.datetime(2026, 12, 18, 15, tzinfo=UTC)
    return_rest(session, st, OUTSTANDING, last - 2 * MINUTE)
    assert trawl_row(session, st.trawl.id).summary_complete_at == last

    assert counts_in(sweep(cli_env, last - MINUTE))["every return in"] == 0
    found = sweeps_at_once(cli_env, last + MINUTE)
    assert sorted(f["every return in"] for f in found) == [0, 1]
    (message,) = outbox(session, COMPLETE)
    assert message.recipient == OFFICER_INBOX and message.policy == "secure"
    assert message.subject == (
        f"OFFICIAL-SENSITIVE: Collated summary: every trawl return received [{st.case.reference}]"
    )
    assert "Every agency asked in the trawl" in message.body_text
    no_names(message)
    assert message.attachments[0].data.startswith(b"%PDF")

    # Redis is emptied; an amendment arrives; sweeps up to and past the due date send nothing
    # more: the officer already has the complete summary.
    redis.Redis.from_url(runtime.settings().REDIS_URL).flushall()
    submit(session, st.requests["gp"], answers(st.trawl, systems="EMIS"), at=last + 5 * MINUTE)
    session.commit()
    assert sweeps_at_once(cli_env, DUE_MOMENT) == [{"every return in": 0, "due date": 0}] * 2
    assert len(outbox(session, COMPLETE)) == 1
    assert outbox(session, DUE) == []
    (event,) = events(session, "summary.sent_to_officer")
    assert event.detail == {"trigger": "complete", "outstanding": 0}


def test_both_summaries_when_the_last_return_comes_after_the_due_date(session, partnership):
    st = story(session, partnership)
    assert sweep_here(DUE_MOMENT)["due date"] == 1
    late = dt.datetime(2027, 1, 5, 11, tzinfo=UTC)
    return_rest(session, st, OUTSTANDING, late)
    found = sweep_here(late + 5 * MINUTE)
    assert found == {"every return in": 1, "due date": 0}
    assert sweep_here(late + 10 * MINUTE) == {"every return in": 0, "due date": 0}
    assert [m.purpose for m in outbox(session, DUE, COMPLETE)] == [DUE, COMPLETE]


def test_the_summary_arrives_over_smtp_with_the_pdf_naming_the_case_and_outstanding_agencies(
    settings, session, partnership, mail_server
):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    st = story(session, partnership)
    with clock.frozen_at(DUE_MOMENT):
        assert sweep_here(DUE_MOMENT)["due date"] == 1
        run_worker_burst()
    subject = f"OFFICIAL-SENSITIVE: Collated summary: trawl due date passed [{st.case.reference}]"
    (got,) = [m for m in mail_server.messages if m.message["Subject"] == subject]
    assert got.rcpt_tos == [OFFICER_INBOX]
    body = got.message.get_body(("plain",)).get_content()
    for name in OUTSTANDING:
        assert st.agency(name).name in body
    (pdf,) = [
        p for p in got.message.iter_attachments() if p.get_content_type() == "application/pdf"
    ]
    text = pdf_text(pdf.get_content())
    assert st.case.reference in text
    for name in OUTSTANDING:
        assert st.agency(name).name in text, name
    assert "OFFICIAL-SENSITIVE" in text
    (sent,) = outbox(session, DUE)
    assert sent.status is MessageStatus.SENT


def test_an_officer_inbox_outside_the_allowlist_gets_a_notice_not_the_summary(session, partnership):
    partnership.inboxes = {**partnership.inboxes, "dhr_officer": ["dhr.officer@example.com"]}
    session.commit()
    st = story(session, partnership)
    assert sweep_here(DUE_MOMENT)["due date"] == 1
    (message,) = outbox(session, DUE)
    assert message.recipient == "dhr.officer@example.com"
    assert message.policy == "notice" and message.sensitive is False
    assert message.attachments == []
    for name in OUTSTANDING:
        assert st.agency(name).name not in message.body_text


def test_without_an_officer_inbox_the_summary_waits_for_one(session, partnership):
    inboxes = dict(partnership.inboxes)
    partnership.inboxes = {k: v for k, v in inboxes.items() if k != "dhr_officer"}
    session.commit()
    st = story(session, partnership)
    assert sweep_here(DUE_MOMENT)["due date"] == 0
    assert trawl_row(session, st.trawl.id).summary_due_sent_at is None
    partnership.inboxes = inboxes
    session.commit()
    assert sweep_here(DUE_MOMENT + 5 * MINUTE)["due date"] == 1
    assert [m.recipient for m in outbox(session, DUE)] == [OFFICER_INBOX]


def test_a_closed_case_gets_no_summary(session, partnership):
    st = story(session, partnership)
    session.execute(update(Case).where(Case.id == st.case.id).values(status=CaseStatus.CLOSED))
    session.commit()
    assert sweep_here(DUE_MOMENT) == {"every return in": 0, "due date": 0}
    assert outbox(session, DUE, COMPLETE) == []


def test_trawls_sent_before_summaries_existed_get_them_too(session, partnership):
    """Sent before this feature: no summary moments. One still waiting for agencies gets the
    due-date summary; one whose agencies had all returned gets the complete summary."""
    waiting = story(session, partnership)
    done_case = make_case(session, partnership)
    done = send_trawl(session, partnership, done_case, ["police", "gp"])
    returned = dt.datetime(2026, 12, 10, 10, tzinfo=UTC)
    for i, request in enumerate(done.requests):
        submit(session, request, answers(done), at=returned + i * MINUTE)
    session.execute(
        update(Trawl)
        .where(Trawl.id.in_([waiting.trawl.id, done.id]))
        .values(summary_due_at=None, summary_complete_at=None)
    )
    session.commit()
    assert sweep_here(DUE_MOMENT) == {"every return in": 1, "due date": 1}
    assert trawl_row(session, waiting.trawl.id).summary_due_at == DUE_MOMENT
    assert trawl_row(session, done.id).summary_complete_at == returned + MINUTE
    by_purpose = {m.purpose: m for m in outbox(session, DUE, COMPLETE)}
    assert by_purpose[DUE].reference == waiting.case.reference
    assert by_purpose[COMPLETE].reference == done_case.reference
    assert sweep_here(DUE_MOMENT + MINUTE) == {"every return in": 0, "due date": 0}


def test_a_return_landing_after_the_sweep_read_the_trawl_wins(session, partnership):
    """The sweep read the trawl as still waiting; the last return commits before it claims:
    the due-date summary is not sent (the complete one is)."""
    st = story(session, partnership)
    with clock.frozen_at(DUE_MOMENT):
        (trawl,) = to_officer.at_due_date_due(session, DUE_MOMENT)
        session.commit()  # the sweep's read is over; the trawl it read stays in memory
        # Meanwhile, in another transaction, the last three agencies return.
        other = db.Sessions.session_factory()
        try:
            for name in OUTSTANDING:
                request = other.get(type(st.requests[name]), st.requests[name].id)
                returns.submit(other, request, answers(st.trawl), involvement=False)
            other.commit()
        finally:
            other.close()
        with db.transaction() as s:
            assert to_officer.send_to_officer(s, trawl, to_officer.DUE_DATE, DUE_MOMENT) is False
    assert outbox(session, DUE) == []
    assert sweep_here(DUE_MOMENT + MINUTE)["every return in"] == 1


# --- send to sub-group ---------------------------------------------------------------------


@pytest.fixture
def sub_group(session, partnership):
    """The story's case with a chair and two panel members (one not on a secure domain)."""
    st = story(session, partnership)
    chair = make_user(session, partnership, Role.CHAIR, email="cass.chair@exampleshire.gov.uk",
                      name="Cass Chair")  # fmt: skip
    session.add_all([
        CaseChair(case_id=st.case.id, user_id=chair.id),
        PanelMember(partnership_id=partnership.id, case_id=st.case.id, name="Pat Panel",
                    email="pat.panel@example.police.uk", role="Safeguarding lead",
                    agency_id=st.agency("police").id),
        PanelMember(partnership_id=partnership.id, case_id=st.case.id, name="Val Volunteer",
                    email="val@example.org", role="Specialist adviser"),
        PanelMember(partnership_id=partnership.id, case_id=st.case.id, name="Nia Health",
                    email="nia.health@nhs.net", role="Panel member"),
    ])  # fmt: skip
    session.commit()
    return st


def send_page(case_id: int) -> str:
    return f"/console/cases/{case_id}/summary/send"


def post(client, url: str, data: dict, page: str):
    html = client.get(page).get_data(as_text=True)
    return client.post(
        url, data={**data, "csrf_token": csrf_from(html)},
        headers={"Referer": f"https://localhost{page}"},
    )  # fmt: skip


def error_summary(html: str) -> str:
    found = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert found, "no error summary"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split())


def test_the_officer_chooses_from_the_people_on_the_case_and_only_secure_ones(signed_in, sub_group):
    html = signed_in.get(send_page(sub_group.case.id)).get_data(as_text=True)
    for address in (OFFICER_INBOX, "independent.chair@exampleshire.cjsm.net",
                    "cass.chair@exampleshire.gov.uk", "pat.panel@example.police.uk",
                    "public.protection@example.police.uk"):  # fmt: skip
        assert f'value="{address}"' in html, address
    assert "Pat Panel" in html and "Panel member: Safeguarding lead, Exampleshire Police" in html
    # A member whose role is just "Panel member" is not called so twice.
    assert "Panel member: nia.health@nhs.net" in html and "Panel member: Panel member" not in html
    assert "&lt;span" not in html  # the heading's caption is markup, not text
    # Not on a secure domain: named, but not offered.
    insecure = re.search(r'id="insecure-contacts">(.*?)</ul>', html, re.S).group(1)
    assert "val@example.org" in insecure
    assert "safeguarding@exampleshire-recovery.org.uk" in insecure
    assert 'value="val@example.org"' not in html
    assert 'name="csrf_token"' in html


def test_an_insecure_or_malformed_address_is_refused_by_name_and_nothing_is_lost(
    signed_in, session, sub_group
):
    page = send_page(sub_group.case.id)
    data = {
        "recipients": ["pat.panel@example.police.uk"],
        "other_addresses": "friend@gmail.com, not-an-address\nok.person@exampleshire.gov.uk",
        "note": "For Thursday's sub-group.",
    }
    response = post(signed_in, page, data, page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<title>Error:" in html
    errors = error_summary(html)
    assert "friend@gmail.com is not a secure address" in errors
    assert "‘not-an-address’ is not an email address" in errors
    assert 'href="#other_addresses"' in html
    # What was entered is all still there.
    assert "friend@gmail.com, not-an-address\nok.person@exampleshire.gov.uk" in html
    assert "For Thursday&#39;s sub-group." in html or "For Thursday's sub-group." in html
    assert re.search(r'value="pat.panel@example.police.uk"\s+checked', html)
    # Nothing chosen; an address not offered (a forged tick) is refused too.
    refused = [
        ({}, delivery.NOTHING_CHOSEN),
        ({"recipients": ["val@example.org"]}, "val@example.org is not a secure address"),
        ({"recipients": ["someone@else.gov.uk"]}, delivery.NOT_OFFERED),
    ]
    for forged, message in refused:
        response = post(signed_in, page, forged, page)
        assert response.status_code == 400
        assert message in error_summary(response.get_data(as_text=True))
    assert outbox(session, delivery.SUB_GROUP.name) == []


def test_the_check_page_names_each_inbox_once(signed_in, session, partnership, sub_group):
    inbox = partnership.inbox("dhr_officer")[0]
    page = send_page(sub_group.case.id)
    choose = " ".join(re.sub(r"<[^>]+>", " ", signed_in.get(page).get_data(as_text=True)).split())
    assert f"DHR officer inbox Partnership inbox: {inbox}" in choose
    check = post(signed_in, page, {"recipients": [inbox, "pat.panel@example.police.uk"]}, page)
    assert check.status_code == 200
    listed = re.search(r'id="recipients-chosen">(.*?)</ul>', check.get_data(as_text=True), re.S)
    lines = [" ".join(li.split()) for li in re.findall(r"<li>(.*?)</li>", listed.group(1), re.S)]
    assert lines == [
        f"DHR officer inbox (Partnership inbox): {inbox}",
        "Pat Panel (Panel member: Safeguarding lead, Exampleshire Police): "
        "pat.panel@example.police.uk",
    ]


def test_send_to_sub_group_checks_then_sends_one_email_each_with_the_pdf_and_audits_it(
    signed_in, session, officer, sub_group
):
    case = sub_group.case
    page = send_page(case.id)
    chosen = ["pat.panel@example.police.uk", "cass.chair@exampleshire.gov.uk"]
    data = {
        "recipients": chosen,
        "other_addresses": "Extra.Person@Exampleshire.GOV.UK; pat.panel@example.police.uk",
        "note": "For Thursday's sub-group: please decide the panel agencies.",
    }
    check = post(signed_in, page, data, page)
    assert check.status_code == 200
    html = check.get_data(as_text=True)
    assert "Check before sending the summary" in html
    listed = re.search(r'id="recipients-chosen">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r"[\w.]+@[\w.]+", listed) == [*chosen, "Extra.Person@exampleshire.gov.uk"]
    assert f"OFFICIAL-SENSITIVE: Collated summary of trawl returns [{case.reference}]" in html
    assert "Send the summary to 3 recipients" in html
    assert outbox(session, delivery.SUB_GROUP.name) == []

    # "Change" brings everything back.
    changed = signed_in.post(
        page, data={**data, "change": "1", "csrf_token": csrf_from(html)},
        headers={"Referer": f"https://localhost{page}"},
    )  # fmt: skip
    assert changed.status_code == 200
    assert "please decide the panel agencies" in changed.get_data(as_text=True)

    sent = signed_in.post(
        f"{page}/confirm", data={**data, "csrf_token": csrf_from(html)},
        headers={"Referer": f"https://localhost{page}"},
    )  # fmt: skip
    assert sent.status_code == 302
    messages = outbox(session, delivery.SUB_GROUP.name)
    assert sorted(m.recipient for m in messages) == sorted(
        [*chosen, "Extra.Person@exampleshire.gov.uk"]
    )
    for message in messages:
        assert message.subject == (
            f"OFFICIAL-SENSITIVE: Collated summary of trawl returns [{case.reference}]"
        )
        assert message.policy == "secure"
        assert "please decide the panel agencies" in message.body_text
        (attachment,) = message.attachments
        assert attachment.data.startswith(b"%PDF")
        assert case.reference in pdf_text(attachment.data)
        no_names(message)
    (event,) = events(session, "summary.sent_to_sub_group")
    assert event.actor == f"user:{officer.id}" and event.case_id == case.id
    assert event.detail["recipients"] == 3
    assert sorted(event.detail["messages"]) == sorted(m.id for m in messages)

    confirmation = signed_in.get(sent.headers["Location"])
    assert confirmation.status_code == 200
    shown = confirmation.get_data(as_text=True)
    assert "Summary sent" in shown and "to 3 recipients" in shown
    for message in messages:
        assert message.recipient in shown


def test_sending_again_from_the_same_check_page_still_needs_secure_addresses(
    signed_in, session, partnership, sub_group
):
    """The allowlist changed between the check page and "Send": the send refuses."""
    page = send_page(sub_group.case.id)
    data = {"other_addresses": "ok.person@exampleshire.gov.uk"}
    html = post(signed_in, page, data, page).get_data(as_text=True)
    session.execute(
        update(Partnership)
        .where(Partnership.id == partnership.id)
        .values(secure_domains=["nhs.net"])
    )
    session.commit()
    refused = signed_in.post(
        f"{page}/confirm", data={**data, "csrf_token": csrf_from(html)},
        headers={"Referer": f"https://localhost{page}"},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "ok.person@exampleshire.gov.uk is not a secure address" in error_summary(
        refused.get_data(as_text=True)
    )
    assert outbox(session, delivery.SUB_GROUP.name) == []


@pytest.mark.parametrize("role", [Role.CHAIR, Role.VIEWER])
def test_only_an_officer_sends_the_summary(page_client, session, partnership, sub_group, role):
    user = make_user(session, partnership, role)
    if role is Role.CHAIR:
        session.add(CaseChair(case_id=sub_group.case.id, user_id=user.id))
        session.commit()
    sign_in(page_client, user)
    page = send_page(sub_group.case.id)
    assert page_client.get(page).status_code == 403
    html = page_client.get(f"/console/cases/{sub_group.case.id}").get_data(as_text=True)
    response = page_client.post(
        f"{page}/confirm",
        data={"other_addresses": "ok.person@exampleshire.gov.uk", "csrf_token": csrf_from(html)},
        headers={"Referer": "https://localhost/console/"},
    )
    assert response.status_code == 403
    assert outbox(session, delivery.SUB_GROUP.name) == []
    assert "summary/send" not in html


def test_the_case_page_links_to_send_to_sub_group(signed_in, sub_group):
    page = signed_in.get(f"/console/cases/{sub_group.case.id}").get_data(as_text=True)
    assert f'href="{send_page(sub_group.case.id)}"' in page
