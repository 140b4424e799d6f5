"""The SMTP transports against a real SMTP server on loopback."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mail.transports import (
    Envelope,
    PermanentError,
    TransientError,
    TransportConfigError,
    from_settings,
)
from tests.mailserver import MailServer, free_port


def envelope(subject: str = "OFFICIAL-SENSITIVE: Test [REF-1]") -> Envelope:
    mime = EmailMessage()
    mime["From"] = "dhr-forms@exampleshire.gov.uk"
    mime["To"] = "dhr.officer@exampleshire.gov.uk"
    mime["Subject"] = subject
    mime["Message-ID"] = "<abc123@dhr-forms.invalid>"
    mime.set_content("body text")
    mime.add_attachment(b"%PDF-1.7 fake", maintype="application", subtype="pdf", filename="a.pdf")
    return Envelope(
        sender="dhr-forms@exampleshire.gov.uk",
        recipients=("dhr.officer@exampleshire.gov.uk",),
        mime=mime,
    )


def transport(settings, url: str, ca_file: str = ""):
    settings.MAIL_TRANSPORT = url
    settings.MAIL_CA_FILE = ca_file
    settings.MAIL_TIMEOUT = 10
    return from_settings(settings)


def test_plain_smtp_to_loopback_delivers_the_message_as_built(settings, mail_server):
    reply = transport(settings, mail_server.url).send(envelope())

    assert "accepted" in reply
    (got,) = mail_server.messages
    assert got.rcpt_tos == ["dhr.officer@exampleshire.gov.uk"]
    assert got.mail_from == "dhr-forms@exampleshire.gov.uk"
    assert got.message["Message-ID"] == "<abc123@dhr-forms.invalid>"
    (attachment,) = list(got.message.iter_attachments())
    assert attachment.get_filename() == "a.pdf"
    assert attachment.get_content() == b"%PDF-1.7 fake"


def test_plain_smtp_is_refused_for_a_host_that_is_not_loopback(settings):
    with pytest.raises(TransportConfigError, match="loopback"):
        transport(settings, "smtp+plain://mail.exampleshire.gov.uk:25")


def test_starttls_with_a_private_ca_from_mail_ca_file(settings, tls_files):
    server = MailServer().start(starttls=tls_files.server_context())
    try:
        url = f"smtp://127.0.0.1:{server.port}"
        transport(settings, url, ca_file=str(tls_files.ca_cert)).send(envelope())
    finally:
        server.stop()
    assert len(server.messages) == 1


def test_starttls_without_the_ca_is_refused_and_nothing_is_sent(settings, tls_files):
    server = MailServer().start(starttls=tls_files.server_context())
    try:
        with pytest.raises(TransientError, match="TLS failed"):
            transport(settings, f"smtp://127.0.0.1:{server.port}").send(envelope())
    finally:
        server.stop()
    assert server.received == []


def test_smtp_refuses_a_server_that_offers_no_starttls(settings, mail_server):
    url = f"smtp://127.0.0.1:{mail_server.port}"
    with pytest.raises(TransientError, match="did not offer STARTTLS"):
        transport(settings, url).send(envelope())
    assert mail_server.received == []


def test_smtps_implicit_tls(settings, tls_files):
    server = MailServer().start(implicit_tls=tls_files.server_context())
    try:
        url = f"smtps://127.0.0.1:{server.port}"
        transport(settings, url, ca_file=str(tls_files.ca_cert)).send(envelope())
    finally:
        server.stop()
    assert len(server.messages) == 1


def test_a_5xx_rejection_is_permanent(settings, mail_server):
    mail_server.handler.reply = "554 5.7.1 Message rejected by policy"
    with pytest.raises(PermanentError, match="554"):
        transport(settings, mail_server.url).send(envelope())


def test_a_4xx_answer_is_transient(settings, mail_server):
    mail_server.handler.reply = "451 4.3.0 Try again later"
    with pytest.raises(TransientError, match="451"):
        transport(settings, mail_server.url).send(envelope())


def test_no_server_listening_is_transient(settings):
    with pytest.raises(TransientError, match="could not reach"):
        transport(settings, f"smtp+plain://127.0.0.1:{free_port()}").send(envelope())


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("smtp://", "needs a host"),
        ("carrier-pigeon://loft", "not supported"),
        ("file://relative/path", "absolute folder"),
    ],
)
def test_bad_mail_transport_settings_are_named(settings, url, problem):
    with pytest.raises(TransportConfigError, match=problem):
        transport(settings, url)


def test_an_unreadable_ca_file_is_a_configuration_error(settings, tmp_path):
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(TransportConfigError, match="MAIL_CA_FILE"):
        transport(settings, "smtp://127.0.0.1:587", ca_file=str(bad))


def test_url_credentials_are_percent_decoded(settings):
    t = transport(settings, "smtps://dhr%40exampleshire.gov.uk:p%2Fss@127.0.0.1:465")
    assert (t.username, t.password) == ("dhr@exampleshire.gov.uk", "p/ss")
