"""The fake Microsoft identity platform and Graph (tests/graphserver.py), checked with msal itself.

If msal can sign in against the fake the way it signs in against Entra, the transport's tests
against the fake say something about the real service.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator

import msal
import pytest
import requests
from cryptography.hazmat.primitives import serialization

from tests.graphserver import ClientCertificate, FakeMicrosoft, make_client_certificate
from tests.mailserver import TLSFiles

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(scope="module")
def client_cert(tmp_path_factory: pytest.TempPathFactory) -> ClientCertificate:
    return make_client_certificate(tmp_path_factory.mktemp("app-cert"))


@pytest.fixture
def microsoft(tls_files: TLSFiles, client_cert: ClientCertificate) -> Iterator[FakeMicrosoft]:
    with FakeMicrosoft(tls_files, certificate=client_cert.certificate) as fake:
        yield fake


def http(tls_files: TLSFiles) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would replace `verify`
    session.verify = str(tls_files.ca_cert)
    return session


def app(fake: FakeMicrosoft, tls_files: TLSFiles, credential) -> msal.ConfidentialClientApplication:  # noqa: ANN001
    return msal.ConfidentialClientApplication(
        fake.client_id,
        client_credential=credential,
        authority=f"{fake.authority}/{fake.tenant_id}",
        instance_discovery=False,
        http_client=http(tls_files),
    )


def graph_scope(fake: FakeMicrosoft) -> list[str]:
    return [f"{fake.endpoint}/.default"]


def test_a_client_secret_gets_a_token_that_graph_accepts(microsoft, tls_files):
    result = app(microsoft, tls_files, microsoft.client_secret).acquire_token_for_client(
        graph_scope(microsoft)
    )

    assert result["token_type"] == "Bearer" and result["expires_in"] == 3599
    (asked,) = microsoft.token_requests
    assert (asked.grant_type, asked.method, asked.granted) == ("client_credentials", "secret", True)
    assert asked.scope == f"{microsoft.endpoint}/.default"
    mailbox = sorted(microsoft.senders)[0]
    url = f"{microsoft.endpoint}/v1.0/users/{mailbox}/mailboxSettings"
    session = http(tls_files)
    ok = session.get(url, headers={"Authorization": f"Bearer {result['access_token']}"})
    assert ok.status_code == 200 and ok.json()["timeZone"]
    refused = session.get(url, headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_a_token_is_reused_from_msals_cache(microsoft, tls_files):
    client = app(microsoft, tls_files, microsoft.client_secret)
    first = client.acquire_token_for_client(graph_scope(microsoft))["access_token"]
    second = client.acquire_token_for_client(graph_scope(microsoft))["access_token"]

    assert first == second
    assert len(microsoft.token_requests) == 1


def test_a_certificate_from_a_pfx_signs_in(microsoft, tls_files, client_cert):
    credential = {"private_key_pfx_path": str(client_cert.pfx), "passphrase": client_cert.password}

    result = app(microsoft, tls_files, credential).acquire_token_for_client(graph_scope(microsoft))

    assert "access_token" in result, result
    assert microsoft.token_requests[-1].method == "assertion"


def test_a_pem_key_with_its_sha1_thumbprint_signs_in(microsoft, tls_files, client_cert):
    der = client_cert.certificate.public_bytes(serialization.Encoding.DER)
    credential = {
        "private_key": client_cert.pem.read_text(),
        "thumbprint": hashlib.sha1(der).hexdigest(),  # noqa: S324
    }

    result = app(microsoft, tls_files, credential).acquire_token_for_client(graph_scope(microsoft))

    assert "access_token" in result, result


def test_an_unregistered_certificate_is_refused(tls_files, client_cert, tmp_path):
    other = make_client_certificate(tmp_path)
    with FakeMicrosoft(tls_files, certificate=other.certificate) as fake:
        credential = {"private_key_pfx_path": str(client_cert.pfx), "passphrase": "pfx-Pass"}
        result = app(fake, tls_files, credential).acquire_token_for_client(graph_scope(fake))

    assert result["error"] == "invalid_client"
    assert 700027 in result["error_codes"]


def test_a_wrong_secret_is_refused_as_entra_refuses_it(microsoft, tls_files):
    result = app(microsoft, tls_files, "not-the-secret").acquire_token_for_client(
        graph_scope(microsoft)
    )

    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000215]
    assert result["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert "access_token" not in result
    assert microsoft.token_requests[-1].granted is False


def test_the_secret_can_be_changed_while_running(microsoft, tls_files):
    old = microsoft.client_secret
    microsoft.client_secret = "rotated~Secret"

    refused = app(microsoft, tls_files, old).acquire_token_for_client(graph_scope(microsoft))
    granted = app(microsoft, tls_files, "rotated~Secret").acquire_token_for_client(
        graph_scope(microsoft)
    )

    assert refused["error"] == "invalid_client"
    assert "access_token" in granted


def test_graph_enforces_the_limits_a_client_must_keep(microsoft, tls_files):
    token = app(microsoft, tls_files, microsoft.client_secret).acquire_token_for_client(
        graph_scope(microsoft)
    )["access_token"]
    session = http(tls_files)
    session.headers["Authorization"] = f"Bearer {token}"
    mailbox = f"{microsoft.endpoint}/v1.0/users/{sorted(microsoft.senders)[0]}"
    mime = b"To: a@example.org\r\nSubject: x\r\nMessage-ID: <o'brien@dhr.invalid>\r\n\r\nhi\r\n"
    plain = {"Content-Type": "text/plain"}

    too_big = session.post(f"{mailbox}/sendMail", data=b"A" * 4_000_004, headers=plain)
    assert too_big.status_code == 413
    draft = session.post(f"{mailbox}/messages", data=base64.b64encode(mime), headers=plain)
    assert draft.status_code == 201 and draft.json()["internetMessageId"] == "<o'brien@dhr.invalid>"
    attachments = f"{mailbox}/messages/{draft.json()['id']}/attachments"
    small = {"AttachmentItem": {"attachmentType": "file", "name": "a.pdf", "size": 1000}}
    assert session.post(f"{attachments}/createUploadSession", json=small).status_code == 400
    item = {"attachmentType": "file", "name": "a.pdf", "size": 3_000_000}
    upload = session.post(f"{attachments}/createUploadSession", json={"AttachmentItem": item})
    url = upload.json()["uploadUrl"]
    chunk = {"Content-Range": "bytes 0-1999999/3000000"}

    assert session.put(url, data=b"x" * 2_000_000, headers=chunk).status_code == 401  # signed
    unsigned = http(tls_files)
    gap = {"Content-Range": "bytes 10-2000009/3000000"}
    assert unsigned.put(url, data=b"x" * 2_000_000, headers=gap).status_code == 416
    first = unsigned.put(url, data=b"x" * 2_000_000, headers=chunk)
    assert first.status_code == 200 and first.json()["NextExpectedRanges"] == ["2000000"]
    last = {"Content-Range": "bytes 2000000-2999999/3000000"}
    assert unsigned.put(url, data=b"y" * 1_000_000, headers=last).status_code == 201

    assert session.post(f"{mailbox}/messages/{draft.json()['id']}/send").status_code == 202
    (sent,) = microsoft.delivered
    (attachment,) = sent.iter_attachments()
    assert attachment.get_content() == b"x" * 2_000_000 + b"y" * 1_000_000
    found = session.get(
        f"{mailbox}/mailFolders/sentitems/messages",
        params={"$filter": "internetMessageId eq '<o''brien@dhr.invalid>'", "$select": "id"},
    )
    assert [set(m) for m in found.json()["value"]] == [{"@odata.etag", "id"}]
    microsoft.drop("sendMail")
    with pytest.raises(requests.ConnectionError):
        session.post(f"{mailbox}/sendMail", data=base64.b64encode(mime), headers=plain)
    assert microsoft.sends == 2
