"""The process's settings and the connections built from them.

The web app, rq jobs and the CLI all call ``bootstrap()``; the first call in a process reads
the environment, later calls return what is already set up.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from config import settings as settings_mod
from config.logging import configure_logging
from service import db

if TYPE_CHECKING:
    from redis import Redis

    from mail.transports import Transport

_lock = threading.Lock()
_settings: settings_mod.Config | None = None
_transport: Transport | None = None
_redis: Redis | None = None


def configure(cfg: settings_mod.Config) -> settings_mod.Config:
    """Use ``cfg`` for this process (tests and ``create_app`` call this)."""
    global _settings, _transport, _redis
    with _lock:
        _settings = cfg
        _transport = None
        _redis = None
    db.configure(cfg.DATABASE_URL)
    return cfg


def bootstrap() -> settings_mod.Config:
    """The settings, read from the environment the first time."""
    if _settings is None:
        configure_logging()
        configure(settings_mod.load())
    assert _settings is not None
    return _settings


def configured() -> settings_mod.Config | None:
    """The settings if this process has them already (never reads the environment)."""
    return _settings


def settings() -> settings_mod.Config:
    return bootstrap()


def transport() -> Transport:
    global _transport
    if _transport is None:
        from mail.transports import from_settings

        _transport = from_settings(settings())
    return _transport


def redis() -> Redis:
    global _redis
    if _redis is None:
        from redis import Redis

        _redis = Redis.from_url(settings().REDIS_URL, socket_timeout=10, socket_connect_timeout=5)
    return _redis
