"""One SMTP connection for the messages a worker delivers in a row: closed on error and idle."""

from __future__ import annotations

import time

import pytest

from mail.transports import TransientError
from tests.mail.test_smtp_transport import envelope, transport
from tests.mailserver import MailServer


def kept(settings, server: MailServer, seconds: float = 30):  # noqa: ANN001, ANN201
    t = transport(settings, server.url)
    t.keep_alive = seconds
    return t


def test_messages_in_a_row_share_one_connection(settings, mail_server):
    t = kept(settings, mail_server)
    t.send(envelope())
    first = t._kept
    t.send(envelope())
    t.send(envelope())

    assert first is not None and t._kept is first
    assert len(mail_server.messages) == 3
    t.close()
    assert t._kept is None


def test_without_keep_alive_each_message_has_its_own_connection(settings, mail_server):
    t = transport(settings, mail_server.url)
    t.send(envelope())
    assert t._kept is None
    assert len(mail_server.messages) == 1


def test_an_error_closes_the_connection_and_the_next_message_opens_a_new_one(settings, mail_server):
    t = kept(settings, mail_server)
    t.send(envelope())
    first = t._kept
    mail_server.handler.reply = "451 4.3.0 Try again later"
    with pytest.raises(TransientError, match="451"):
        t.send(envelope())
    assert t._kept is None
    mail_server.handler.reply = None

    t.send(envelope())
    assert t._kept is not None and t._kept is not first
    assert len(mail_server.messages) == 2


def test_an_idle_connection_is_closed(settings, mail_server):
    t = kept(settings, mail_server, seconds=0.3)
    t.send(envelope())
    assert t._kept is not None
    deadline = time.monotonic() + 10
    while t._kept is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert t._kept is None
    t.send(envelope())  # and a new one is opened for the next message
    assert len(mail_server.messages) == 2


def test_a_connection_the_server_dropped_is_replaced_before_the_next_message(settings):
    server = MailServer().start()
    t = kept(settings, server)
    t.send(envelope())
    server.stop()
    server.start()  # the same port: the kept connection is dead
    t._last_used -= 5  # paused long enough to be checked first
    try:
        t.send(envelope())
    finally:
        server.stop()
    assert len(server.messages) == 2  # one before the restart, one after
