"""Reading bounce reports from the sending mailbox's Inbox through Microsoft Graph, against the
fake Entra ID and Graph (tests/graphserver.py) over real HTTPS: the Inbox listing, each report's
raw MIME (``$value``), and the move of processed ones to "DHR Forms processed"."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mail.bounces import poll
from service import clock, runtime
from service.models import MessageBounce, MessageStatus
from tests.graphserver import FakeMicrosoft
from tests.jobs import run_worker_burst
from tests.mail import bounce_fixtures as fx
from tests.mail.test_bounce_reports import AGENCY, bounces, officer_emails, sent_message, status_of
from tests.sweeping import sweep_here

pytestmark = pytest.mark.timeout(120)

SENDER = "dhr-forms@exampleshire.gov.uk"
PROCESSED = "DHR Forms processed"


@pytest.fixture
def microsoft(tls_files, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMicrosoft]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with FakeMicrosoft(tls_files, senders={SENDER}) as fake:
        yield fake


@pytest.fixture
def graph(settings, tls_files, microsoft):
    """The service configured to send (and read reports) through the fake Graph."""
    settings.MAIL_TRANSPORT = "graph://"
    settings.MAIL_CA_FILE = str(tls_files.ca_cert)
    settings.MAIL_TIMEOUT = 10
    settings.GRAPH = {
        "TENANT_ID": microsoft.tenant_id,
        "CLIENT_ID": microsoft.client_id,
        "CLIENT_SECRET": microsoft.client_secret,
        "SENDER": SENDER,
        "AUTHORITY": microsoft.authority,
        "ENDPOINT": microsoft.endpoint,
        "MAX_WAIT": "5",
    }
    runtime.configure(settings)
    return microsoft


def read_inbox() -> dict[str, int]:
    return dict(poll.run(poll.open_mailbox(runtime.settings())))


def processed(fake: FakeMicrosoft) -> list:
    folder = fake.folder_id(SENDER, PROCESSED)
    return fake.folder(SENDER, folder) if folder else []


def test_a_bounce_in_the_inbox_is_read_recorded_and_moved(settings, session, partnership, graph):
    message = sent_message(session, partnership)
    graph.receive(SENDER, fx.exchange_online_ndr(message.message_id_header, AGENCY))
    ooo = graph.receive(SENDER, fx.out_of_office(message.message_id_header, AGENCY))

    assert read_inbox() == {"bounced": 1, "ignored": 1}

    assert status_of(session, message) is MessageStatus.BOUNCED
    assert len(officer_emails(session)) == 1
    # The report went to the processed folder (made for it); the automatic reply stays unread.
    assert [i.id for i in graph.folder(SENDER, "inbox")] == [ooo.id]
    (moved,) = processed(graph)
    assert moved.mime["Subject"].startswith("Undeliverable:")
    routes = [r.route for r in graph.requests if r.mailbox]
    assert routes.count("createFolder") == 1 and routes.count("moveMessage") == 1
    assert routes.count("messageValue") == 2
    # Read again: the report is gone, the reply is remembered and not even fetched again.
    assert read_inbox() == {}
    assert [r.route for r in graph.requests if r.mailbox].count("messageValue") == 2
    assert len(bounces(session)) == 1


def test_a_poll_run_twice_or_twice_at_once_records_each_bounce_once(
    settings, session, partnership, graph
):
    messages = [sent_message(session, partnership, reference=f"TEST-{n}") for n in range(4)]
    for message in messages:
        graph.receive(SENDER, fx.rfc3464_dsn(message.message_id_header, AGENCY))
    graph.delay = 0.05  # each call takes a moment, so the two polls overlap
    results: list[dict[str, int]] = []
    polls = [threading.Thread(target=lambda: results.append(read_inbox())) for _ in range(2)]
    for t in polls:
        t.start()
    for t in polls:
        t.join(60)

    assert sum(r.get("bounced", 0) for r in results) == 4
    assert sum(results[0].values()) + sum(results[1].values()) <= 8
    assert read_inbox() == {}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(MessageBounce)) == 4
    assert all(status_of(session, m) is MessageStatus.BOUNCED for m in messages)
    assert len(processed(graph)) == 4 and graph.folder(SENDER, "inbox") == []
    assert sorted(graph.mail_folders[SENDER].values()) == [PROCESSED]


def test_an_unreachable_mailbox_loses_and_marks_nothing_and_is_read_next_time(
    settings, session, partnership, graph
):
    message = sent_message(session, partnership)
    graph.receive(SENDER, fx.postfix_headers_only(message.message_id_header, AGENCY))
    graph.fail("messageValue", 503, headers={"Retry-After": "0"}, times=50)

    with pytest.raises(Exception, match="Microsoft Graph"):
        read_inbox()
    assert status_of(session, message) is MessageStatus.SENT
    assert len(graph.folder(SENDER, "inbox")) == 1 and bounces(session) == []

    graph.faults["messageValue"].clear()
    assert read_inbox() == {"bounced": 1}
    assert status_of(session, message) is MessageStatus.BOUNCED


def test_many_reports_are_read_page_by_page(settings, session, partnership, graph):
    message = sent_message(session, partnership)
    graph.receive(SENDER, fx.rfc3464_dsn(message.message_id_header, AGENCY))
    for _ in range(60):
        graph.receive(SENDER, fx.unknown_message(AGENCY))
    assert read_inbox() == {"bounced": 1, "ignored": 60}
    assert len(processed(graph)) == 61
    assert len(graph.calls("listInbox")) == 2


def test_the_scheduler_reads_the_mailbox_once_a_period(settings, session, partnership, graph):
    message = sent_message(session, partnership)
    graph.receive(SENDER, fx.exchange_online_ndr(message.message_id_header, AGENCY))
    now = clock.now()

    assert sweep_here(now)["bounce mailbox reads"] == 1
    assert sweep_here(now)["bounce mailbox reads"] == 0  # two schedulers: one read
    run_worker_burst()
    assert status_of(session, message) is MessageStatus.BOUNCED
    assert sweep_here(now + timedelta(minutes=4))["bounce mailbox reads"] == 0
    assert sweep_here(now + timedelta(minutes=5))["bounce mailbox reads"] == 1
    run_worker_burst()
    assert len(graph.calls("listInbox")) == 2
