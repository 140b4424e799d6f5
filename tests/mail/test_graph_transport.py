"""The graph:// transport against a fake Entra ID and Microsoft Graph (tests/graphserver.py).

Everything goes over real HTTPS on 127.0.0.1 with the tests' private CA (MAIL_CA_FILE): msal
signs in at the fake's token endpoint, and the transport makes the Graph calls it would make to
Microsoft 365. The fake keeps what it was sent, so the tests compare the MIME received with the
MIME built, byte for byte where it matters (attachments).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from config import settings as app_settings
from mail.transports import (
    Envelope,
    PermanentError,
    TransientError,
    TransportConfigError,
    TransportError,
    from_settings,
)
from mail.transports.base import CredentialsRefused
from tests.graphserver import ClientCertificate, FakeMicrosoft, make_client_certificate
from tests.mailserver import TLSFiles, free_port

# A transport that ignored GRAPH_MAX_WAIT could wait a long time: fail instead.
pytestmark = pytest.mark.timeout(90)

SENDER = "dhr-forms@exampleshire.gov.uk"
RECIPIENTS = ("chair@review.example.org", "panel.secretary@review.example.org")
SUBJECT = "OFFICIAL-SENSITIVE: DHR 2024/07 – panel notes for Ms Example [REF-7]"
ATTACHMENT = bytes(range(256)) * 40
MB = 1_000_000


@pytest.fixture(scope="module")
def client_cert(tmp_path_factory: pytest.TempPathFactory) -> ClientCertificate:
    return make_client_certificate(tmp_path_factory.mktemp("app-cert"))


@pytest.fixture
def microsoft(
    tls_files: TLSFiles, client_cert: ClientCertificate, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeMicrosoft]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with FakeMicrosoft(tls_files, senders={SENDER}, certificate=client_cert.certificate) as fake:
        yield fake


def graph_settings(fake: FakeMicrosoft, **overrides: str | None) -> dict[str, str]:
    graph = {
        "TENANT_ID": fake.tenant_id,
        "CLIENT_ID": fake.client_id,
        "CLIENT_SECRET": fake.client_secret,
        "SENDER": SENDER,
        "AUTHORITY": fake.authority,
        "ENDPOINT": fake.endpoint,
        "MAX_WAIT": "10",
    }
    graph.update(overrides)
    return {k: v for k, v in graph.items() if v is not None}


def make_transport(settings, tls_files: TLSFiles, graph: dict[str, str]):  # noqa: ANN001
    settings.MAIL_TRANSPORT = "graph://"
    settings.MAIL_CA_FILE = str(tls_files.ca_cert)
    settings.MAIL_TIMEOUT = 10
    settings.GRAPH = dict(graph)
    return from_settings(settings)


def envelope(
    *attachments: tuple[str, bytes],
    message_id: str | None = None,
    first_attempt: bool = True,
) -> Envelope:
    msg = EmailMessage()
    msg["From"] = SENDER
    msg["To"] = ", ".join(RECIPIENTS)
    msg["Subject"] = SUBJECT
    msg["Message-ID"] = message_id or make_msgid(domain="dhr-forms.invalid")
    msg["Date"] = "Mon, 01 Jul 2024 12:00:00 +0100"
    msg.set_content("Plain text: the panel meets on Tuesday.\n")
    msg.add_alternative("<p>HTML: the panel meets on <b>Tuesday</b>.</p>\n", subtype="html")
    for name, data in attachments or (("chronology v2.pdf", ATTACHMENT),):
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return Envelope(SENDER, RECIPIENTS, msg, first_attempt=first_attempt)


def again(sent: Envelope) -> Envelope:
    """The same message, as the outbox hands it over on a later attempt."""
    return Envelope(sent.sender, sent.recipients, sent.mime, first_attempt=False)


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {a.get_filename(): a.get_content() for a in message.iter_attachments()}


# --- sending ------------------------------------------------------------------------------------


def test_one_message_is_one_sendmail_of_the_mime_as_built(settings, tls_files, microsoft):
    sent = envelope()

    make_transport(settings, tls_files, graph_settings(microsoft)).send(sent)

    assert [r.route for r in microsoft.requests if r.mailbox] == ["sendMail"]
    (call,) = microsoft.calls("sendMail")
    assert call.authorization.startswith("Bearer ")
    (got,) = microsoft.delivered
    assert got["Message-ID"] == sent.mime["Message-ID"]
    assert got["Subject"].startswith("OFFICIAL-SENSITIVE")
    assert got["Subject"] == SUBJECT
    assert [a.strip() for a in got["To"].split(",")] == list(RECIPIENTS)
    assert got.get_body(("plain",)).get_content() == "Plain text: the panel meets on Tuesday.\n"
    assert attachments(got) == {"chronology v2.pdf": ATTACHMENT}
    (copy,) = microsoft.folder(SENDER, "sentitems")
    assert copy.mime["Message-ID"] == sent.mime["Message-ID"]
    (asked,) = microsoft.token_requests
    assert (asked.grant_type, asked.scope) == (
        "client_credentials",
        f"{microsoft.endpoint}/.default",
    )


def test_a_large_attachment_goes_through_a_draft_and_an_upload_session(
    settings, tls_files, microsoft
):
    big, medium = os.urandom(9 * MB), os.urandom(2_500_000)
    sent = envelope(("minutes.pdf", ATTACHMENT), ("chronology.pdf", medium), ("imr.pdf", big))

    make_transport(settings, tls_files, graph_settings(microsoft)).send(sent)

    routes = [r.route for r in microsoft.requests if r.mailbox]
    assert routes[0] == "createMessage" and routes[-1] == "send"
    assert "sendMail" not in routes and routes.count("send") == 1
    assert routes.count("addAttachment") == 1  # the 2.5 MB file, in one POST
    assert routes.count("createUploadSession") == 1  # the 9 MB one, in chunks
    puts = microsoft.calls("upload")
    assert len(puts) == 3 and sum(p.size for p in puts) == len(big)
    assert all(p.size <= 4 * 1024 * 1024 for p in puts)
    assert all(p.authorization is None for p in puts)
    assert microsoft.max_body <= 4_000_000
    assert microsoft.sends == 1
    (got,) = microsoft.delivered
    assert got["Message-ID"] == sent.mime["Message-ID"]
    assert attachments(got) == {"minutes.pdf": ATTACHMENT, "chronology.pdf": medium, "imr.pdf": big}
    (copy,) = microsoft.folder(SENDER, "sentitems")
    assert copy.mime["Message-ID"] == sent.mime["Message-ID"]
    assert microsoft.folder(SENDER, "drafts") == []


def test_fifty_messages_through_one_transport_sign_in_once(settings, tls_files, microsoft):
    transport = make_transport(settings, tls_files, graph_settings(microsoft))

    for _ in range(50):
        transport.send(envelope())

    assert len(microsoft.token_requests) == 1
    assert microsoft.sends == 50
    assert len({m["Message-ID"] for m in microsoft.delivered}) == 50


@pytest.mark.parametrize(("status", "retry_after"), [(429, 2), (503, 1)])
def test_throttling_is_waited_out_and_the_message_delivered_once(
    settings, tls_files, microsoft, status, retry_after
):
    microsoft.fail("sendMail", status, headers={"Retry-After": str(retry_after)})
    transport = make_transport(settings, tls_files, graph_settings(microsoft))

    started = time.monotonic()
    transport.send(envelope())

    assert time.monotonic() - started >= retry_after - 0.1
    assert len(microsoft.calls("sendMail")) == 2
    assert microsoft.sends == 1


def test_a_retry_after_beyond_max_wait_gives_up_quickly(settings, tls_files, microsoft):
    microsoft.fail("sendMail", 429, headers={"Retry-After": "120"}, times=5)
    transport = make_transport(settings, tls_files, graph_settings(microsoft, MAX_WAIT="3"))

    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        transport.send(envelope())

    assert time.monotonic() - started < 3 + 5
    assert not isinstance(caught.value, CredentialsRefused)
    assert microsoft.sends == 0


# --- exactly once -------------------------------------------------------------------------------


def test_an_answer_lost_after_sendmail_is_found_in_sent_items(settings, tls_files, microsoft):
    microsoft.drop("sendMail")  # Graph accepts it, then the connection drops
    transport = make_transport(settings, tls_files, graph_settings(microsoft))
    sent = envelope()

    with pytest.raises(TransientError):
        transport.send(sent)
    assert microsoft.sends == 1

    transport.send(again(sent))

    assert len(microsoft.calls("sendMail")) == 1  # nothing posted the second time
    (search,) = microsoft.calls("listMessages")
    assert search.path.lower().endswith("/mailfolders/sentitems/messages")
    assert search.query["$filter"] == f"internetMessageId eq '{sent.mime['Message-ID']}'"
    assert microsoft.sends == 1


def test_a_retry_of_a_message_that_never_arrived_sends_it(settings, tls_files, microsoft):
    microsoft.fail("sendMail", 502)
    transport = make_transport(settings, tls_files, graph_settings(microsoft))
    sent = envelope()

    with pytest.raises(TransientError):
        transport.send(sent)
    transport.send(again(sent))

    assert [r.route for r in microsoft.requests if r.mailbox] == [
        "sendMail",
        "listMessages",
        "sendMail",
    ]
    assert microsoft.sends == 1


def test_a_lost_answer_to_a_drafts_send_is_found_in_sent_items(settings, tls_files, microsoft):
    microsoft.drop("send")
    transport = make_transport(settings, tls_files, graph_settings(microsoft))
    sent = envelope(("imr.pdf", os.urandom(5 * MB)))

    with pytest.raises(TransientError):
        transport.send(sent)
    transport.send(again(sent))

    assert len(microsoft.calls("createMessage")) == 1
    assert len(microsoft.calls("send")) == 1
    assert microsoft.sends == 1


def test_a_draft_left_by_a_failed_attempt_is_deleted_before_the_next(
    settings, tls_files, microsoft
):
    microsoft.fail("send", 500)
    transport = make_transport(settings, tls_files, graph_settings(microsoft))
    big = os.urandom(5 * MB)
    sent = envelope(("imr.pdf", big))

    with pytest.raises(TransientError):
        transport.send(sent)
    assert len(microsoft.folder(SENDER, "drafts")) == 1
    transport.send(again(sent))

    assert len(microsoft.calls("deleteMessage")) == 1
    assert len(microsoft.calls("createMessage")) == 2
    assert microsoft.folder(SENDER, "drafts") == []
    assert microsoft.sends == 1
    assert attachments(microsoft.delivered[0])["imr.pdf"] == big


# --- refusals -----------------------------------------------------------------------------------


def test_a_wrong_client_secret_is_refused_naming_the_setting(settings, tls_files, microsoft):
    graph = graph_settings(microsoft, CLIENT_SECRET="not~the~secret")
    transport = make_transport(settings, tls_files, graph)

    with pytest.raises(CredentialsRefused) as caught:
        transport.send(envelope())

    assert caught.value.setting == "GRAPH_CLIENT_SECRET"
    assert "GRAPH_CLIENT_SECRET" in str(caught.value)
    assert "not~the~secret" not in str(caught.value)
    assert [t.granted for t in microsoft.token_requests] == [False]
    assert [r for r in microsoft.requests if r.mailbox] == []


def test_a_fixed_secret_is_used_without_restarting(settings, tls_files, microsoft):
    transport = make_transport(settings, tls_files, graph_settings(microsoft))
    microsoft.client_secret, old = "rotated~secret", microsoft.client_secret

    with pytest.raises(CredentialsRefused):
        transport.send(envelope())
    microsoft.client_secret = old
    transport.send(envelope())

    assert microsoft.sends == 1


def test_a_mailbox_the_app_may_not_send_as_is_refused_naming_graph_sender(
    settings, tls_files, microsoft
):
    microsoft.senders = {"someone.else@exampleshire.gov.uk"}
    transport = make_transport(settings, tls_files, graph_settings(microsoft))

    with pytest.raises(CredentialsRefused) as caught:
        transport.send(envelope())

    assert caught.value.setting == "GRAPH_SENDER"
    assert "GRAPH_SENDER" in str(caught.value)
    assert microsoft.sends == 0


def test_invalid_recipients_are_permanent_and_the_text_names_no_one(settings, tls_files, microsoft):
    text = f"The recipient {RECIPIENTS[0]} is not valid: {SUBJECT}"
    microsoft.fail("sendMail", 400, code="ErrorInvalidRecipients", message=text)
    transport = make_transport(settings, tls_files, graph_settings(microsoft))

    with pytest.raises(PermanentError) as caught:
        transport.send(envelope())

    assert "ErrorInvalidRecipients" in str(caught.value)
    for secret in (*RECIPIENTS, "review.example.org", SUBJECT, "Tuesday"):
        assert secret not in str(caught.value)
    assert len(microsoft.calls("sendMail")) == 1  # not tried again


def test_an_expired_token_is_refreshed_once(settings, tls_files, microsoft):
    transport = make_transport(settings, tls_files, graph_settings(microsoft))
    transport.send(envelope())

    microsoft.expire_tokens()  # Graph now says 401 to the cached token
    transport.send(envelope())

    assert [t.granted for t in microsoft.token_requests] == [True, True]
    assert microsoft.sends == 2


def test_a_token_graph_keeps_refusing_is_credentials_refused(settings, tls_files, microsoft):
    microsoft.fail("sendMail", 401, code="InvalidAuthenticationToken", times=3)
    transport = make_transport(settings, tls_files, graph_settings(microsoft))

    with pytest.raises(CredentialsRefused):
        transport.send(envelope())

    assert len(microsoft.token_requests) == 2  # one refresh, no more
    assert len(microsoft.calls("sendMail")) == 2
    assert microsoft.sends == 0


# --- concurrency --------------------------------------------------------------------------------


def test_at_most_four_requests_in_flight_per_mailbox(settings, tls_files, microsoft):
    microsoft.delay = 0.3
    # One transport per thread: as many workers, sharing only Redis.
    transports = [make_transport(settings, tls_files, graph_settings(microsoft)) for _ in range(8)]
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(transport) -> None:  # noqa: ANN001
        start.wait()
        try:
            for _ in range(2):
                transport.send(envelope())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in transports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert microsoft.sends == 16
    assert 1 < microsoft.max_in_flight[SENDER] <= 4


# --- certificates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "with_password"), [("pem", False), ("encrypted_pem", True), ("pfx", True)]
)
def test_a_certificate_credential_signs_in(
    settings, tls_files, microsoft, client_cert, file, with_password
):
    graph = graph_settings(
        microsoft,
        CLIENT_SECRET=None,
        CERTIFICATE=str(getattr(client_cert, file)),
        CERTIFICATE_PASSWORD=client_cert.password if with_password else None,
    )

    make_transport(settings, tls_files, graph).send(envelope())

    assert [(t.method, t.granted) for t in microsoft.token_requests] == [("assertion", True)]
    assert microsoft.sends == 1


def test_a_certificate_the_app_does_not_have_is_refused(settings, tls_files, microsoft, tmp_path):
    other = make_client_certificate(tmp_path / "other")
    graph = graph_settings(microsoft, CLIENT_SECRET=None, CERTIFICATE=str(other.pem))

    with pytest.raises(CredentialsRefused) as caught:
        make_transport(settings, tls_files, graph).send(envelope())

    assert caught.value.setting == "GRAPH_CERTIFICATE"
    assert "GRAPH_CERTIFICATE" in str(caught.value)


# --- settings -----------------------------------------------------------------------------------

OK = {
    "TENANT_ID": "5f3d7c1e-0000-4000-8000-00000000a11e",
    "CLIENT_ID": "9b8c7d6e-0000-4000-8000-0000000c11e7",
    "CLIENT_SECRET": "s3cret~value",
    "SENDER": SENDER,
}


def configured(graph: dict[str, str | None], **config: object):
    cfg = app_settings.TestConfig()
    cfg.MAIL_TRANSPORT = "graph://"
    cfg.MAIL_TIMEOUT = 5
    cfg.GRAPH = {k: v for k, v in graph.items() if v is not None}
    for name, value in config.items():
        setattr(cfg, name, value)
    return from_settings(cfg)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"SENDER": None}, "GRAPH_SENDER"),
        ({"SENDER": "dhr-forms"}, "GRAPH_SENDER"),
        ({"TENANT_ID": None}, "GRAPH_TENANT_ID"),
        ({"CLIENT_ID": ""}, "GRAPH_CLIENT_ID"),
        ({"CLIENT_SECRET": None}, "GRAPH_CLIENT_SECRET"),
        ({"CERTIFICATE": "{pem}"}, "GRAPH_CERTIFICATE"),  # and a secret: which one?
        ({"AUTHORITY": "http://login.example.org"}, "GRAPH_AUTHORITY"),
        ({"AUTHORITY": "login.microsoftonline.com"}, "GRAPH_AUTHORITY"),
        ({"ENDPOINT": "http://graph.example.org"}, "GRAPH_ENDPOINT"),
        ({"MAX_WAIT": "a minute"}, "GRAPH_MAX_WAIT"),
        ({"MAX_WAIT": "-1"}, "GRAPH_MAX_WAIT"),
        ({"CLIENT_SECRET": None, "CERTIFICATE": "/no/such/app.pem"}, "GRAPH_CERTIFICATE"),
        ({"CLIENT_SECRET": None, "CERTIFICATE": "{junk}"}, "GRAPH_CERTIFICATE"),
        ({"CLIENT_SECRET": None, "CERTIFICATE": "{pfx}"}, "GRAPH_CERTIFICATE"),  # no password
    ],
)
def test_settings_errors_at_start_name_the_setting(changes, named, client_cert, tmp_path):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    paths = {"{pem}": str(client_cert.pem), "{pfx}": str(client_cert.pfx), "{junk}": str(junk)}
    graph = OK | {k: paths.get(v, v) if v else v for k, v in changes.items()}

    with pytest.raises(TransportConfigError, match=named) as caught:
        configured(graph)

    assert "s3cret~value" not in str(caught.value)


def test_http_is_allowed_for_a_loopback_endpoint_only():
    configured(OK | {"ENDPOINT": "http://127.0.0.1:8080"})
    with pytest.raises(TransportConfigError, match="GRAPH_ENDPOINT"):
        configured(OK | {"ENDPOINT": "http://10.0.0.5"})


def test_an_unreadable_ca_file_is_a_configuration_error(tmp_path):
    with pytest.raises(TransportConfigError, match="MAIL_CA_FILE"):
        configured(OK, MAIL_CA_FILE=str(tmp_path / "no-such-ca.pem"))


def test_graph_takes_no_host_in_mail_transport():
    cfg = app_settings.TestConfig()
    cfg.MAIL_TRANSPORT = "graph://graph.microsoft.com/v1.0"
    cfg.GRAPH = dict(OK)
    with pytest.raises(TransportConfigError, match="graph://"):
        from_settings(cfg)


# --- check() ------------------------------------------------------------------------------------


def test_check_signs_in_and_reads_the_mailbox_without_sending(settings, tls_files, microsoft):
    said = make_transport(settings, tls_files, graph_settings(microsoft)).check()

    assert said and "\n" not in said
    assert SENDER in said
    assert len(microsoft.calls("mailboxSettings")) == 1
    assert microsoft.sends == 0


@pytest.mark.parametrize(
    ("problem", "named"),
    [("wrong secret", "GRAPH_CLIENT_SECRET"), ("forbidden sender", "GRAPH_SENDER")],
)
def test_check_says_why_it_cannot(settings, tls_files, microsoft, problem, named):
    graph = graph_settings(microsoft)
    if problem == "wrong secret":
        graph["CLIENT_SECRET"] = "not~the~secret"
    else:
        microsoft.senders = set()
    transport = make_transport(settings, tls_files, graph)

    with pytest.raises(CredentialsRefused) as caught:
        transport.check()

    assert caught.value.setting == named
    assert named in str(caught.value)


def test_check_with_graph_unreachable_is_transient(settings, tls_files, microsoft):
    nowhere = f"https://127.0.0.1:{free_port()}"
    microsoft.resources.add(nowhere)  # Entra would issue a token for it; nothing answers there
    transport = make_transport(settings, tls_files, graph_settings(microsoft, ENDPOINT=nowhere))

    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        transport.check()

    assert time.monotonic() - started < 5
    assert not isinstance(caught.value, CredentialsRefused)
    assert str(caught.value)


def test_check_with_the_sign_in_service_unreachable_is_transient(settings, tls_files, microsoft):
    nowhere = f"https://127.0.0.1:{free_port()}"
    transport = make_transport(settings, tls_files, graph_settings(microsoft, AUTHORITY=nowhere))

    with pytest.raises(TransportError) as caught:
        transport.check()

    assert isinstance(caught.value, TransientError)
    assert not isinstance(caught.value, CredentialsRefused)
