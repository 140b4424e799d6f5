"""A separate mailbox of bounce reports over IMAP with XOAUTH2 (``MAIL_BOUNCES=imaps://user@host/…``
without a password), as Exchange Online takes it.

A real Dovecot on loopback (tests/imapserver.py) signs in with XOAUTH2 through its ``oauth2``
passdb, asking a token introspection endpoint on loopback about each bearer token; that endpoint
says a token is live only when the fake Microsoft identity platform (tests/graphserver.py, real
HTTPS) issued it for ``https://outlook.office365.com/.default`` and the mailbox is the one the
app was given. The service gets its tokens from that fake through msal, as from Entra ID.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from mail.bounces import imap_inbox, poll
from mail.transports import CredentialsRefused
from service import runtime
from service.models import MessageStatus
from tests import imapserver
from tests.graphserver import OUTLOOK, FakeMicrosoft
from tests.mail import bounce_fixtures as fx
from tests.mail.test_bounce_imap_poll import folder
from tests.mail.test_bounce_reports import AGENCY, bounces, sent_message, status_of

pytestmark = pytest.mark.timeout(120)

USER = "bounces@exampleshire.gov.uk"
#: Only for the tests' own look into the mailbox; the service signs in with XOAUTH2.
PASSWORD = "Imap-Pass@word-1"
PROCESSED = "DHR Forms processed"


@pytest.fixture
def microsoft(tls_files, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMicrosoft]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with FakeMicrosoft(tls_files, senders={USER}) as fake:
        yield fake


@pytest.fixture
def introspection(microsoft: FakeMicrosoft) -> Iterator[imapserver.TokenIntrospection]:
    """Exchange Online's judgement of a token: live, for its own resource; the app may read
    the one mailbox ``USER``."""

    def owner(token: str) -> str | None:
        return USER if microsoft.token_scope(token) == f"{OUTLOOK}/.default" else None

    with imapserver.TokenIntrospection(owner) as endpoint:
        yield endpoint


@pytest.fixture
def dovecot(tls_files, introspection) -> Iterator[imapserver.Dovecot]:
    if not imapserver.available():
        pytest.fail("dovecot is not installed: `make test` installs Debian's dovecot-imapd")
    with imapserver.Dovecot(tls_files, {USER: PASSWORD}, oauth2=introspection.url) as server:
        yield server


@pytest.fixture
def imap(settings, tls_files, microsoft, dovecot):
    settings.MAIL_BOUNCES = f"imaps://{quote(USER)}@127.0.0.1:{dovecot.port}/INBOX"
    settings.MAIL_CA_FILE = str(tls_files.ca_cert)
    settings.MAIL_TIMEOUT = 10
    settings.GRAPH = {
        "TENANT_ID": microsoft.tenant_id,
        "CLIENT_ID": microsoft.client_id,
        "CLIENT_SECRET": microsoft.client_secret,
        "AUTHORITY": microsoft.authority,
    }
    runtime.configure(settings)
    return dovecot


def read_mailbox() -> dict[str, int]:
    return dict(poll.run(poll.open_mailbox(runtime.settings())))


def test_without_a_password_the_mailbox_is_signed_in_to_with_xoauth2(settings, imap):
    mailbox = poll.open_mailbox(runtime.settings())
    assert isinstance(mailbox, imap_inbox.ImapInbox)
    assert mailbox.password is None and mailbox.credentials is not None
    mailbox.close()


def test_reports_are_read_with_an_entra_token_recorded_and_moved(
    settings, session, partnership, imap, introspection, microsoft, tls_files
):
    message = sent_message(session, partnership)
    imap.deliver(USER, fx.rfc3464_dsn(message.message_id_header, AGENCY))

    assert read_mailbox() == {"bounced": 1}

    assert status_of(session, message) is MessageStatus.BOUNCED
    assert len(bounces(session)) == 1
    # Dovecot asked about the very token Entra issued for Exchange Online's resource.
    (token,) = set(introspection.asked)
    assert microsoft.token_scope(token) == f"{OUTLOOK}/.default"
    assert folder(imap, tls_files, "INBOX") == []
    assert len(folder(imap, tls_files, PROCESSED)) == 1
    assert read_mailbox() == {}


def test_a_cached_token_the_server_refuses_is_replaced_once(
    settings, session, partnership, imap, introspection, microsoft
):
    message = sent_message(session, partnership)
    mailbox = poll.open_mailbox(runtime.settings())  # one mailbox, its tokens cached between polls
    assert poll.run(mailbox) == {}
    microsoft.expire_tokens()  # still in msal's cache, no longer live for the server
    imap.deliver(USER, fx.exchange_online_ndr(message.message_id_header, AGENCY))

    assert poll.run(mailbox) == {"bounced": 1}
    assert status_of(session, message) is MessageStatus.BOUNCED
    first, refused, fresh = introspection.asked
    assert refused == first and fresh != first


def test_a_token_for_another_mailbox_is_refused_naming_the_setting(
    settings, session, partnership, imap
):
    message = sent_message(session, partnership)
    imap.deliver(USER, fx.rfc3464_dsn(message.message_id_header, AGENCY))
    settings.MAIL_BOUNCES = settings.MAIL_BOUNCES.replace(
        quote(USER), quote("other@exampleshire.gov.uk")
    )

    with pytest.raises(CredentialsRefused, match="XOAUTH2") as refused:
        read_mailbox()
    assert refused.value.setting == "MAIL_BOUNCES"
    assert status_of(session, message) is MessageStatus.SENT and bounces(session) == []
