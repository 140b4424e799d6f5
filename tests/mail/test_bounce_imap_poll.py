"""Reading bounce reports from a separate mailbox over IMAP (``MAIL_BOUNCES=imaps://…``),
against a real Dovecot the tests start on loopback with IMAPS and the tests' private CA."""

from __future__ import annotations

import imaplib
import ssl
import threading
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from mail.bounces import poll
from mail.transports import CredentialsRefused, TransientError
from service import runtime
from service.models import MessageBounce, MessageStatus
from tests import imapserver
from tests.mail import bounce_fixtures as fx
from tests.mail.test_bounce_reports import AGENCY, officer_emails, sent_message, status_of
from tests.mailserver import free_port

pytestmark = pytest.mark.timeout(120)

USER, PASSWORD = "bounces@exampleshire.gov.uk", "Imap-Pass@word-1"
PROCESSED = "DHR Forms processed"


@pytest.fixture
def dovecot(tls_files) -> Iterator[imapserver.Dovecot]:
    if not imapserver.available():
        pytest.fail("dovecot is not installed: `make test` installs Debian's dovecot-imapd")
    with imapserver.Dovecot(tls_files, {USER: PASSWORD}) as server:
        yield server


@pytest.fixture
def imap(settings, tls_files, dovecot):
    settings.MAIL_BOUNCES = (
        f"imaps://{quote(USER)}:{quote(PASSWORD)}@127.0.0.1:{dovecot.port}/INBOX"
    )
    settings.MAIL_CA_FILE = str(tls_files.ca_cert)
    settings.MAIL_TIMEOUT = 10
    runtime.configure(settings)
    return dovecot


def read_mailbox() -> dict[str, int]:
    return dict(poll.run(poll.open_mailbox(runtime.settings())))


def folder(server: imapserver.Dovecot, tls_files, name: str) -> list[tuple[bytes, bytes]]:
    """(flags, Subject header) of each message in ``name``, read over IMAP as a person would."""
    context = ssl.create_default_context(cafile=str(tls_files.ca_cert))
    client = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=context)
    try:
        client.login(USER, PASSWORD)
        status, _ = client.select(f'"{name}"', readonly=True)
        if status != "OK":
            return []
        _, data = client.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        return [(p[0], p[1].strip()) for p in data if isinstance(p, tuple)]
    finally:
        client.logout()


def test_reports_are_read_recorded_and_moved_and_other_mail_stays_unread(
    settings, session, partnership, imap, tls_files
):
    message = sent_message(session, partnership)
    imap.deliver(USER, fx.postfix_headers_only(message.message_id_header, AGENCY))
    imap.deliver(USER, fx.read_receipt(message.message_id_header, AGENCY))

    assert read_mailbox() == {"bounced": 1, "ignored": 1}

    assert status_of(session, message) is MessageStatus.BOUNCED
    assert len(officer_emails(session)) == 1
    (left,) = folder(imap, tls_files, "INBOX")
    assert b"Read:" in left[1] and b"\\Seen" not in left[0]
    (moved,) = folder(imap, tls_files, PROCESSED)
    assert b"Undelivered Mail" in moved[1]
    assert read_mailbox() == {}


def test_a_poll_run_twice_or_twice_at_once_records_each_bounce_once(
    settings, session, partnership, imap, tls_files
):
    messages = [sent_message(session, partnership, reference=f"TEST-{n}") for n in range(4)]
    for m in messages:
        imap.deliver(USER, fx.rfc3464_dsn(m.message_id_header, AGENCY))
    results: list[dict[str, int]] = []
    errors: list[Exception] = []

    def one_poll() -> None:
        try:
            results.append(read_mailbox())
        except Exception as exc:  # noqa: BLE001 - the assertion below names it
            errors.append(exc)

    polls = [threading.Thread(target=one_poll) for _ in range(2)]
    for t in polls:
        t.start()
    for t in polls:
        t.join(60)

    assert errors == []
    assert sum(r.get("bounced", 0) for r in results) == 4
    assert read_mailbox() == {}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(MessageBounce)) == 4
    assert all(status_of(session, m) is MessageStatus.BOUNCED for m in messages)
    # Every report moved out of the Inbox. (Dovecot's MOVE is a copy and an expunge: two moves of
    # one message at the same instant can leave two copies in the processed folder. Recorded
    # once all the same; the scheduler's claimed turn keeps polls from overlapping at all.)
    assert 4 <= len(folder(imap, tls_files, PROCESSED)) <= 8
    assert folder(imap, tls_files, "INBOX") == []


def test_an_unreachable_mailbox_loses_nothing_and_is_read_next_time(
    settings, session, partnership, imap, tls_files
):
    message = sent_message(session, partnership)
    imap.deliver(USER, fx.exchange_online_ndr(message.message_id_header, AGENCY))
    reachable = settings.MAIL_BOUNCES
    settings.MAIL_BOUNCES = reachable.replace(f":{imap.port}/", f":{free_port()}/")

    with pytest.raises(TransientError, match="could not reach the IMAP server"):
        read_mailbox()
    assert status_of(session, message) is MessageStatus.SENT

    settings.MAIL_BOUNCES = reachable
    assert read_mailbox() == {"bounced": 1}


def test_a_wrong_password_is_refused_naming_the_setting(settings, session, imap):
    settings.MAIL_BOUNCES = settings.MAIL_BOUNCES.replace(quote(PASSWORD), "wrong")
    with pytest.raises(CredentialsRefused, match="MAIL_BOUNCES") as refused:
        read_mailbox()
    assert refused.value.setting == "MAIL_BOUNCES"
    assert "wrong" not in str(refused.value)


def test_a_server_whose_certificate_is_not_trusted_is_refused(settings, imap):
    settings.MAIL_CA_FILE = ""
    with pytest.raises(TransientError, match="could not reach the IMAP server"):
        read_mailbox()
