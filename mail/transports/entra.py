"""Signing in to Microsoft Entra ID as the service itself: OAuth 2.0 client credentials, with msal.

Used by the Graph transport (``graph://``) and by SMTP with OAuth2 (``MAIL_SMTP_AUTH=xoauth2``).
One ``ClientCredentials`` holds one ``msal.ConfidentialClientApplication`` per process, so its
token cache is reused: a worker signs in once an hour, not once a message.

Settings (``Config.GRAPH``, from the ``GRAPH_*`` environment variables):

``GRAPH_TENANT_ID``, ``GRAPH_CLIENT_ID`` (required)
    The directory (tenant) and application (client) IDs of the app registration.
``GRAPH_CLIENT_SECRET`` or ``GRAPH_CERTIFICATE`` (exactly one)
    A client secret, or a certificate: a ``.pfx``/``.p12`` file, or a ``.pem`` file holding the
    private key and the certificate. ``GRAPH_CERTIFICATE_PASSWORD`` opens an encrypted one.
``GRAPH_AUTHORITY`` (default ``https://login.microsoftonline.com``)
    The sign-in host, for sovereign clouds (``https://login.microsoftonline.us``) and for tests.
``MAIL_CA_FILE``, ``MAIL_TIMEOUT``
    Extra CAs to trust (as well as the system's, whatever ``REQUESTS_CA_BUNDLE`` says) and the
    seconds to wait on each request.

A refusal by Entra (wrong secret, expired certificate, unknown app or tenant) raises
``CredentialsRefused`` naming the setting to check; an unreachable sign-in host raises
``TransientError``. Neither holds anything but Entra's error code and its first sentence.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msal
import requests

from mail.transports.base import (
    CredentialsRefused,
    TransientError,
    TransportConfigError,
    https_session,
    is_loopback,
)

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"

#: Entra error codes → the setting an administrator should look at.
_SETTING_FOR_CODE = {
    700016: "GRAPH_CLIENT_ID",  # application not found in the directory
    90002: "GRAPH_TENANT_ID",  # tenant not found
    900023: "GRAPH_TENANT_ID",  # tenant id not valid
    90023: "GRAPH_TENANT_ID",
    7000215: "GRAPH_CLIENT_SECRET",  # invalid client secret
    7000222: "GRAPH_CLIENT_SECRET",  # client secret expired
    700027: "GRAPH_CERTIFICATE",  # client assertion failed signature validation
    700024: "GRAPH_CERTIFICATE",  # assertion not within its valid time range
    700023: "GRAPH_CERTIFICATE",
    70011: "GRAPH_ENDPOINT",  # the scope asked for is not valid
    500011: "GRAPH_ENDPOINT",  # no such resource in the tenant (a wrong Graph host)
}


def base_url(name: str, raw: str) -> str:
    """An https:// base URL from setting ``name`` (http:// only for a loopback host)."""
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise TransportConfigError(f"{name} must be an https:// URL, not {raw!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise TransportConfigError(
            f"{name} may use http:// only for a loopback address (127.0.0.1, ::1 or localhost), "
            f"not {parts.hostname}"
        )
    if parts.query or parts.fragment:
        raise TransportConfigError(f"{name} must be a plain URL without ? or #")
    return url


def _required(graph: dict[str, str], key: str, why: str) -> str:
    value = (graph.get(key) or "").strip()
    if not value:
        raise TransportConfigError(f"GRAPH_{key} is not set: it is needed {why} (see README)")
    return value


def _certificate_credential(path: str, password: str | None) -> dict[str, Any]:
    """msal's form of a certificate credential, after checking the file opens."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise TransportConfigError(
            f"GRAPH_CERTIFICATE cannot be read: {exc.strerror or type(exc).__name__}"
        ) from exc
    secret = password.encode() if password else None
    if file.suffix.lower() in (".pfx", ".p12"):
        try:
            key, cert, _ = pkcs12.load_key_and_certificates(data, secret)
        except ValueError as exc:
            raise TransportConfigError(
                "GRAPH_CERTIFICATE cannot be opened as a .pfx file: a wrong or missing "
                "GRAPH_CERTIFICATE_PASSWORD, or not a PKCS#12 file"
            ) from exc
        if key is None or cert is None:
            raise TransportConfigError(
                "GRAPH_CERTIFICATE must hold both the private key and the certificate"
            )
        return {"private_key_pfx_path": str(file), "passphrase": password or None}
    try:
        text = data.decode("ascii")
        cert = x509.load_pem_x509_certificate(data)
        serialization.load_pem_private_key(data, secret)
    except (UnicodeDecodeError, ValueError, TypeError) as exc:
        raise TransportConfigError(
            "GRAPH_CERTIFICATE must be a .pfx file or a .pem file holding the private key and "
            "the certificate (with GRAPH_CERTIFICATE_PASSWORD if the key is encrypted)"
        ) from exc
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return {"private_key": text, "public_certificate": cert_pem, "passphrase": password or None}


class ClientCredentials:
    """Access tokens for the app registration, cached per process."""

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        credential: str | dict[str, Any],
        credential_setting: str,
        authority: str = DEFAULT_AUTHORITY,
        ca_file: str | None = None,
        timeout: float = 60,
    ) -> None:
        self.tenant_id, self.client_id = tenant_id, client_id
        self.credential, self.credential_setting = credential, credential_setting
        self.authority = f"{authority}/{tenant_id}"
        self.ca_file, self.timeout = ca_file, timeout
        self._lock = threading.Lock()
        self._app: msal.ConfidentialClientApplication | None = None
        self._pid = os.getpid()

    @classmethod
    def from_settings(cls, settings: Any) -> ClientCredentials:
        graph: dict[str, str] = settings.GRAPH
        why = "to sign in to Microsoft 365"
        tenant = _required(graph, "TENANT_ID", why)
        client = _required(graph, "CLIENT_ID", why)
        secret = (graph.get("CLIENT_SECRET") or "").strip()
        certificate = (graph.get("CERTIFICATE") or "").strip()
        if secret and certificate:
            raise TransportConfigError(
                "set either GRAPH_CLIENT_SECRET or GRAPH_CERTIFICATE, not both"
            )
        if not secret and not certificate:
            raise TransportConfigError(
                "set GRAPH_CLIENT_SECRET or GRAPH_CERTIFICATE: the app registration's secret "
                "or certificate, to sign in to Microsoft 365 (see README)"
            )
        if certificate:
            credential: str | dict[str, Any] = _certificate_credential(
                certificate, graph.get("CERTIFICATE_PASSWORD") or None
            )
            setting = "GRAPH_CERTIFICATE"
        else:
            credential, setting = secret, "GRAPH_CLIENT_SECRET"
        return cls(
            tenant_id=tenant,
            client_id=client,
            credential=credential,
            credential_setting=setting,
            authority=base_url("GRAPH_AUTHORITY", graph.get("AUTHORITY") or DEFAULT_AUTHORITY),
            ca_file=settings.MAIL_CA_FILE or None,
            timeout=settings.MAIL_TIMEOUT,
        )

    def token(self, scope: str, *, refresh: bool = False) -> str:
        """An access token for ``scope`` (``https://…/.default``), from the cache when it can.

        ``refresh``: the resource refused the cached one; forget it and ask Entra again."""
        with self._lock:
            app = self._application()
            if refresh:
                cache = app.token_cache
                for entry in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                    cache.remove_at(entry)
            try:
                result = app.acquire_token_for_client(scopes=[scope])
            except requests.RequestException as exc:
                raise TransientError(
                    f"could not reach the Microsoft sign-in service: {type(exc).__name__}"
                ) from None
        if result and "access_token" in result:
            return result["access_token"]
        raise self._refusal(result or {})

    def _application(self) -> msal.ConfidentialClientApplication:
        if self._pid != os.getpid():  # a forked worker makes its own connections
            self._app, self._pid = None, os.getpid()
        if self._app is None:
            session = https_session(self.ca_file, timeout=self.timeout)
            try:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id,
                    client_credential=self.credential,
                    authority=self.authority,
                    http_client=session,
                    instance_discovery=False,
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                raise TransientError(
                    f"could not reach the Microsoft sign-in service: {type(exc).__name__}"
                ) from None
            except ValueError as exc:
                if "authority" not in str(exc).lower():
                    # msal could not use the credential itself (the file was checked at start).
                    raise CredentialsRefused(
                        f"the sign-in credential cannot be used: check {self.credential_setting}",
                        setting=self.credential_setting,
                    ) from None
                # msal could not read the tenant's OpenID configuration: a wrong tenant or host.
                raise CredentialsRefused(
                    "the Microsoft sign-in service does not know this tenant: check "
                    "GRAPH_TENANT_ID (and GRAPH_AUTHORITY)",
                    setting="GRAPH_TENANT_ID",
                ) from None
        return self._app

    def _refusal(self, result: dict[str, Any]) -> Exception:
        error = str(result.get("error") or "unknown_error")
        codes = [c for c in result.get("error_codes") or [] if isinstance(c, int)]
        first = str(result.get("error_description") or "").split("\n")[0].split(". ")[0]
        detail = f"{error}" + (f" ({first[:160]})" if first else "")
        if error in ("temporarily_unavailable", "server_error") or any(
            500 <= c < 600 for c in codes
        ):
            return TransientError(f"the Microsoft sign-in service is unavailable: {detail}")
        setting = next(
            (_SETTING_FOR_CODE[c] for c in codes if c in _SETTING_FOR_CODE),
            self.credential_setting if error == "invalid_client" else "GRAPH_CLIENT_ID",
        )
        if setting in ("GRAPH_CLIENT_SECRET", "GRAPH_CERTIFICATE"):
            setting = self.credential_setting
        return CredentialsRefused(
            f"Microsoft 365 refused the service's sign-in: {detail}; check {setting}",
            setting=setting,
        )
