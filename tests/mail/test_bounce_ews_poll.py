"""Reading bounce reports from the sending mailbox's Inbox through Exchange Web Services, against
the fake Exchange (tests/ewsserver.py) behind a real NTLM handshake: the Inbox listing
(``FindItem``), each report's size and raw MIME (``GetItem``), and the move of processed ones
(``MoveItem``) to "DHR Forms processed" (``FindFolder``, ``CreateFolder``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mail.bounces import poll
from mail.transports import CredentialsRefused, TransientError
from service import runtime
from service.models import MessageBounce, MessageStatus
from tests import ewsserver
from tests.ewsserver import DOMAIN, PASSWORD, USER, FakeExchange
from tests.mail import bounce_fixtures as fx
from tests.mail.test_bounce_reports import AGENCY, bounces, officer_emails, sent_message, status_of
from tests.mailserver import free_port

pytestmark = pytest.mark.timeout(60)

SENDER = "dhr-forms@exampleshire.gov.uk"
PROCESSED = "DHR Forms processed"


@pytest.fixture
def exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeExchange]:
    monkeypatch.setenv("NTLM_USER_FILE", str(ewsserver.write_accounts(tmp_path)))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    yield from ewsserver.serve()


@pytest.fixture
def ews(settings, exchange):
    """The service configured to send (and read reports) through the fake Exchange."""
    settings.MAIL_TRANSPORT = "ews://"
    settings.MAIL_TIMEOUT = 10
    settings.EWS = {
        "SERVICE_ENDPOINT": exchange.url,
        "VERSION": "Exchange2016",
        "USERNAME": f"{DOMAIN}\\{USER}",
        "PASSWORD": PASSWORD,
        "SENDER": SENDER,
        "MAX_WAIT": "1",
    }
    runtime.configure(settings)
    return exchange


def read_inbox() -> dict[str, int]:
    return dict(poll.run(poll.open_mailbox(runtime.settings())))


def test_the_ews_inbox_is_the_mailbox_read_for_ews(settings, ews):
    assert poll.configured(runtime.settings()) == "ews"
    settings.MAIL_BOUNCES = "imaps://bounces@imap.example.org/INBOX"
    assert poll.configured(settings) == "imap"  # a separate mailbox, when set, wins


def test_a_bounce_in_the_inbox_is_read_recorded_and_moved(settings, session, partnership, ews):
    message = sent_message(session, partnership)
    ews.receive(fx.rfc3464_dsn(message.message_id_header, AGENCY))
    ooo = ews.receive(fx.out_of_office(message.message_id_header, AGENCY))

    assert read_inbox() == {"bounced": 1, "ignored": 1}

    assert status_of(session, message) is MessageStatus.BOUNCED
    (bounce,) = bounces(session)
    assert bounce.message_id == message.id
    assert len(officer_emails(session)) == 1
    # The report went to the processed folder, made for it at the top of the mailbox; the
    # automatic reply stays in the Inbox for people to read.
    assert [i.id for i in ews.in_folder("inbox")] == [ooo.id]
    (moved,) = ews.in_folder(PROCESSED)
    assert b"Returned mail" in moved.mime
    assert ews.folders[ews.folder_named(PROCESSED)][1] == ewsserver.folder_id("msgfolderroot")
    ops = ews.operations()
    assert ops.count("CreateFolder") == 1 and ops.count("MoveItem") == 1
    assert ops.count("FindFolder") == 1  # looked for it first
    assert all(c.user.lower() == f"{DOMAIN}\\{USER}".lower() for c in ews.calls)


def test_a_poll_run_twice_records_once(settings, session, partnership, ews):
    first, second = (sent_message(session, partnership, reference=f"TEST-{n}") for n in range(2))
    report = fx.exchange_online_ndr(first.message_id_header, AGENCY)
    ews.receive(report)

    assert read_inbox() == {"bounced": 1}
    # The same report again (a copy left in the Inbox, say), and a new one.
    ews.receive(report)
    ews.receive(fx.postfix_headers_only(second.message_id_header, AGENCY))
    results = read_inbox()

    assert results == {"duplicate": 1, "bounced": 1}
    assert read_inbox() == {}
    assert len(bounces(session)) == 2
    assert status_of(session, first) is MessageStatus.BOUNCED
    assert status_of(session, second) is MessageStatus.BOUNCED
    assert len(ews.in_folder(PROCESSED)) == 3 and ews.in_folder("inbox") == []
    # The folder made by the first poll was found by the second, not made again.
    assert ews.operations().count("CreateFolder") == 1
    assert [n for n, _ in ews.folders.values()].count(PROCESSED) == 1


def test_two_polls_at_once_record_each_bounce_once(settings, session, partnership, ews):
    messages = [sent_message(session, partnership, reference=f"TEST-{n}") for n in range(4)]
    for message in messages:
        ews.receive(fx.rfc3464_dsn(message.message_id_header, AGENCY))
    results: list[dict[str, int]] = []
    errors: list[Exception] = []

    def one_poll() -> None:
        try:
            results.append(read_inbox())
        except Exception as exc:  # noqa: BLE001 - the assertion below names it
            errors.append(exc)

    polls = [threading.Thread(target=one_poll) for _ in range(2)]
    for t in polls:
        t.start()
    for t in polls:
        t.join(60)

    assert errors == []
    assert sum(r.get("bounced", 0) for r in results) == 4
    assert read_inbox() == {}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(MessageBounce)) == 4
    assert all(status_of(session, m) is MessageStatus.BOUNCED for m in messages)
    assert len(ews.in_folder(PROCESSED)) == 4 and ews.in_folder("inbox") == []
    assert [n for n, _ in ews.folders.values()].count(PROCESSED) == 1


def test_an_item_moved_away_meanwhile_is_skipped(settings, session, partnership, ews):
    message = sent_message(session, partnership)
    item = ews.receive(fx.rfc3464_dsn(message.message_id_header, AGENCY))
    mailbox = poll.open_mailbox(runtime.settings())
    (ref,) = mailbox.items()
    ews.items.pop(item.id)  # moved by a poll at the same time

    with pytest.raises(poll.Gone):
        mailbox.fetch(ref)
    mailbox.settle(ref)  # moving what is gone already is nothing to do
    mailbox.close()


def test_an_unreachable_mailbox_records_nothing_and_is_read_next_poll(
    settings, session, partnership, ews
):
    message = sent_message(session, partnership)
    ews.receive(fx.rfc3464_dsn(message.message_id_header, AGENCY))
    reachable = settings.EWS["SERVICE_ENDPOINT"]
    settings.EWS["SERVICE_ENDPOINT"] = reachable.replace(
        reachable.split("/")[2], f"127.0.0.1:{free_port()}"
    )
    runtime.configure(settings)

    with pytest.raises(TransientError, match="unreachable"):
        read_inbox()
    assert status_of(session, message) is MessageStatus.SENT and bounces(session) == []

    # Reachable, but the server fails while the report is being read.
    settings.EWS["SERVICE_ENDPOINT"] = reachable
    runtime.configure(settings)
    ews.failing["GetItem"] = 503
    with pytest.raises(TransientError) as failed:
        read_inbox()
    assert AGENCY not in str(failed.value)
    assert status_of(session, message) is MessageStatus.SENT and bounces(session) == []
    assert len(ews.in_folder("inbox")) == 1

    ews.failing.clear()
    assert read_inbox() == {"bounced": 1}
    assert status_of(session, message) is MessageStatus.BOUNCED
    assert ews.in_folder("inbox") == []


def test_a_wrong_password_is_refused_naming_the_setting(settings, session, ews):
    settings.EWS["PASSWORD"] = "not-the-password"
    runtime.configure(settings)
    with pytest.raises(CredentialsRefused) as refused:
        read_inbox()
    assert refused.value.setting == "EWS_PASSWORD"
    assert "not-the-password" not in str(refused.value)
    assert ews.calls == []


def test_the_scheduler_reads_the_ews_inbox(settings, session, partnership, ews):
    from service import clock
    from tests.jobs import run_worker_burst
    from tests.sweeping import sweep_here

    message = sent_message(session, partnership)
    ews.receive(fx.exchange_online_ndr(message.message_id_header, AGENCY))

    assert sweep_here(clock.now())["bounce mailbox reads"] == 1
    run_worker_burst()
    assert status_of(session, message) is MessageStatus.BOUNCED
    assert ews.in_folder("inbox") == []
