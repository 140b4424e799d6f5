"""At most N requests in flight to one mailbox, across every worker, with no lock to leave held.

Microsoft Graph allows 4 concurrent requests per mailbox. Each request takes a lease: a member
of a Redis sorted set scored by the moment it expires. A lease is given back when the request
ends; one whose worker died simply expires (after the request time-out and a margin), so a
killed worker can never keep the mailbox to itself. Taking a lease is one Lua script, so two
workers cannot both take the fourth.

If Redis cannot be reached, the process falls back to its own limit (a semaphore), so sending
goes on; the limit then holds per process only, and a warning says so once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from mail.transports.base import TransientError

log = logging.getLogger(__name__)

_TAKE = """
local key, now, expires, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, expires, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil((expires - now) * 1000))
  return 1
end
return 0
"""


class MailboxSlots:
    def __init__(
        self,
        mailbox: str,
        *,
        limit: int = 4,
        lease: float = 90,
        redis: Callable[[], Any] | None = None,
    ) -> None:
        digest = hashlib.sha256(mailbox.lower().encode()).hexdigest()[:16]
        self.key = f"dhr:mail:slots:{digest}"
        self.limit, self.lease = limit, lease
        self._redis = redis
        self._local = threading.BoundedSemaphore(limit)
        self._warned = False

    @contextlib.contextmanager
    def hold(self, wait: float) -> Iterator[float]:
        """Hold one slot for the ``with`` block; yields the seconds spent waiting for it.

        Raises ``TransientError`` if none comes free within ``wait`` seconds."""
        started = time.monotonic()
        member = secrets.token_hex(8)
        client = self._client()
        if client is None:
            if not self._local.acquire(timeout=max(wait, 0)):
                raise self._busy()
            try:
                yield time.monotonic() - started
            finally:
                self._local.release()
            return
        pause = 0.02
        while not self._take(client, member):
            if time.monotonic() - started + pause > wait:
                raise self._busy()
            time.sleep(pause)
            pause = min(pause * 2, 0.25)
        try:
            yield time.monotonic() - started
        finally:
            with contextlib.suppress(Exception):
                client.zrem(self.key, member)

    def _take(self, client: Any, member: str) -> bool:
        now = time.time()
        try:
            return bool(client.eval(_TAKE, 1, self.key, now, now + self.lease, self.limit, member))
        except Exception:  # Redis went away mid-send: don't stop sending for it
            self._warn()
            return True

    def _client(self) -> Any | None:
        if self._redis is None:
            return None
        try:
            return self._redis()  # unreachable shows at the first command (see _take)
        except Exception:
            self._warn()
            return None

    def _warn(self) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "Redis unreachable: the limit on requests in flight per mailbox holds per "
                "process only until it is back"
            )

    def _busy(self) -> TransientError:
        return TransientError(
            f"the mailbox already has {self.limit} requests in flight; trying again later"
        )
