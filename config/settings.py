"""Settings, read once from the environment and picked in ``create_app``.

A small hierarchy: ``Config`` is production; ``DemoConfig`` and ``TestConfig`` relax only what a
developer's machine cannot provide (a secret key, TLS in front of the app).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DHR_VAR_DIR", ROOT / "var"))


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


class ConfigError(RuntimeError):
    """The environment does not describe a service that can start."""


@dataclass
class Config:
    """Production settings. Everything comes from the environment."""

    name: str = "production"
    DATABASE_URL: str = ""
    REDIS_URL: str = ""
    SECRET_KEY: str = ""
    # Fernet keys, comma-separated, for secrets stored in the database (see service/crypto.py).
    DATA_KEY: str = ""
    MAIL_TRANSPORT: str = ""
    MAIL_FROM: str = ""
    MAIL_CA_FILE: str = ""
    MAIL_TIMEOUT: int = 60
    MAIL_MAX_BYTES: int = 20 * 1024 * 1024
    # "xoauth2": smtp:// and smtps:// sign in with OAuth2 using the GRAPH_* client credentials.
    MAIL_SMTP_AUTH: str = ""
    # clamd, the ClamAV daemon, scans uploads: a unix socket, or a host and port. Neither set:
    # uploads are kept and marked "not scanned". Set but unreachable: uploads are refused.
    CLAMD_SOCKET: str = ""
    CLAMD_HOST: str = ""
    CLAMD_PORT: int = 3310
    CLAMD_TIMEOUT: int = 60
    MESSAGE_ID_DOMAIN: str = "dhr-forms.invalid"
    SERVICE_URL: str = "http://127.0.0.1:5000"
    # How many reverse proxies (TLS terminators) stand in front of the app; their
    # X-Forwarded-For/-Proto headers are trusted only then.
    TRUST_PROXY: int = 0
    # EWS (on-premises Exchange) settings; see README.
    EWS: dict[str, str] = field(default_factory=dict)
    # Microsoft 365 (Graph, and SMTP with OAuth2): GRAPH_* without the prefix; see README.
    GRAPH: dict[str, str] = field(default_factory=dict)
    # Bounce reports (mail.bounces): a separate mailbox to read them from (imaps://…; otherwise
    # the sending mailbox through graph://), how often, and where processed reports are moved.
    MAIL_BOUNCES: str = ""
    MAIL_BOUNCES_MINUTES: int = 5
    MAIL_BOUNCES_FOLDER: str = "DHR Forms processed"
    requires_secret_key: bool = True
    requires_data_key: bool = True
    session_cookie_secure: bool = True
    TESTING: bool = False

    @classmethod
    def from_env(cls) -> Config:
        env = os.environ
        cfg = cls()
        cfg.DATABASE_URL = env.get("DATABASE_URL", cfg.DATABASE_URL)
        cfg.REDIS_URL = env.get("REDIS_URL", cfg.REDIS_URL)
        cfg.SECRET_KEY = env.get("SECRET_KEY", cfg.SECRET_KEY)
        cfg.DATA_KEY = env.get("DATA_KEY", cfg.DATA_KEY)
        cfg.MAIL_TRANSPORT = env.get("MAIL_TRANSPORT", cfg.MAIL_TRANSPORT)
        cfg.MAIL_FROM = env.get("MAIL_FROM", cfg.MAIL_FROM) or "dhr-forms@localhost"
        cfg.MAIL_CA_FILE = env.get("MAIL_CA_FILE", cfg.MAIL_CA_FILE)
        cfg.MAIL_TIMEOUT = _int("MAIL_TIMEOUT", cfg.MAIL_TIMEOUT)
        cfg.MAIL_MAX_BYTES = _int("MAIL_MAX_BYTES", cfg.MAIL_MAX_BYTES)
        cfg.MAIL_SMTP_AUTH = env.get("MAIL_SMTP_AUTH", cfg.MAIL_SMTP_AUTH).strip().lower()
        cfg.CLAMD_SOCKET = env.get("CLAMD_SOCKET", cfg.CLAMD_SOCKET)
        cfg.CLAMD_HOST = env.get("CLAMD_HOST", cfg.CLAMD_HOST)
        cfg.CLAMD_PORT = _int("CLAMD_PORT", cfg.CLAMD_PORT)
        cfg.CLAMD_TIMEOUT = _int("CLAMD_TIMEOUT", cfg.CLAMD_TIMEOUT)
        cfg.MESSAGE_ID_DOMAIN = env.get("MESSAGE_ID_DOMAIN", cfg.MESSAGE_ID_DOMAIN)
        cfg.SERVICE_URL = env.get("SERVICE_URL", cfg.SERVICE_URL).rstrip("/")
        cfg.TRUST_PROXY = _int("TRUST_PROXY", cfg.TRUST_PROXY)
        cfg.EWS = {k[4:]: v for k, v in env.items() if k.startswith("EWS_")}
        cfg.GRAPH = {k[6:]: v for k, v in env.items() if k.startswith("GRAPH_")}
        cfg.MAIL_BOUNCES = env.get("MAIL_BOUNCES", cfg.MAIL_BOUNCES).strip()
        cfg.MAIL_BOUNCES_MINUTES = _int("MAIL_BOUNCES_MINUTES", cfg.MAIL_BOUNCES_MINUTES)
        cfg.MAIL_BOUNCES_FOLDER = env.get("MAIL_BOUNCES_FOLDER", cfg.MAIL_BOUNCES_FOLDER).strip()
        cfg.apply_defaults()
        return cfg

    def apply_defaults(self) -> None:
        """Fill what a deployment must state itself; production states everything."""

    def validate(self) -> None:
        missing = [
            name
            for name in ("DATABASE_URL", "REDIS_URL", "MAIL_TRANSPORT")
            if not getattr(self, name)
        ]
        if self.requires_data_key and not self.DATA_KEY:
            missing.insert(0, "DATA_KEY")
        if self.requires_secret_key and not self.SECRET_KEY:
            missing.insert(0, "SECRET_KEY")
        if missing:
            raise ConfigError(
                "cannot start: set " + ", ".join(missing) + " in the environment (see README)"
            )
        if self.requires_secret_key and len(self.SECRET_KEY) < 32:
            raise ConfigError("cannot start: SECRET_KEY must be at least 32 characters")
        if self.DATA_KEY:
            _check_data_key(self.DATA_KEY)

    def data_keys(self) -> str:
        """``DATA_KEY``; where none is required (demo, tests), one derived from the secret key,
        so the same machine always reads back what it stored."""
        if self.DATA_KEY or self.requires_data_key:
            return self.DATA_KEY
        digest = hashlib.sha256(b"dhr-forms data key\0" + self.SECRET_KEY.encode()).digest()
        return base64.urlsafe_b64encode(digest).decode()


def _check_data_key(value: str) -> None:
    from cryptography.fernet import Fernet

    try:
        keys = [Fernet(k.strip()) for k in value.split(",") if k.strip()]
    except (ValueError, TypeError):
        keys = []
    if not keys:
        raise ConfigError(
            "cannot start: DATA_KEY must be one or more Fernet keys separated by commas (see "
            "README)"
        )


EMBEDDED_REDIS_FILE = "redis.url"


@dataclass
class DemoConfig(Config):
    """`dhr demo`: SQLite and a file outbox under var/, a throwaway secret key."""

    name: str = "demo"
    requires_secret_key: bool = False
    requires_data_key: bool = False
    session_cookie_secure: bool = False

    def apply_defaults(self) -> None:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        self.DATABASE_URL = self.DATABASE_URL or f"sqlite:///{VAR_DIR / 'dhr.sqlite3'}"
        self.MAIL_TRANSPORT = self.MAIL_TRANSPORT or f"file://{VAR_DIR / 'outbox'}"
        self.SECRET_KEY = self.SECRET_KEY or _demo_secret()
        # While `dhr demo` runs its embedded Redis, other `dhr` commands with DHR_ENV=demo
        # (`dhr user create`, `dhr worker --burst`) find it here.
        embedded = VAR_DIR / EMBEDDED_REDIS_FILE
        if not self.REDIS_URL and self.name == "demo" and embedded.exists():
            self.REDIS_URL = embedded.read_text().strip()


@dataclass
class TestConfig(DemoConfig):
    """Tests: like the demo, and the tests say where everything lives."""

    name: str = "test"
    TESTING: bool = True
    session_cookie_secure: bool = True


def _demo_secret() -> str:
    path = VAR_DIR / "demo-secret-key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


CONFIGS = {"production": Config, "demo": DemoConfig, "test": TestConfig}


def load(name: str | None = None) -> Config:
    """The settings for ``name`` (default: ``DHR_ENV``, else production), validated."""
    name = name or os.environ.get("DHR_ENV", "production")
    try:
        cls = CONFIGS[name]
    except KeyError as exc:
        raise ConfigError(f"DHR_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from exc
    cfg = cls.from_env()
    cfg.validate()
    return cfg
