"""Serving an app with gunicorn and loading it with concurrent clients, for the benchmarks."""

from __future__ import annotations

import contextlib
import http.client
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

from config.settings import ROOT

#: Postgres for the benchmarks only; the normal tests never use it.
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DB = "dhr_bench"


def bench_database() -> str:
    """A fresh database of its own on the benchmarks' Postgres; its URL."""
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {BENCH_DB}"))
    admin.dispose()
    return POSTGRES.rsplit("/", 1)[0] + "/" + BENCH_DB


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(argv: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen]:
    """Run a server and wait until it accepts connections on ``port``; stop it afterwards."""
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)  # noqa: S603
    proc.log = log  # type: ignore[attr-defined]
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"server stopped: {log.read()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise TimeoutError("server did not start")
            time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def gunicorn(app: str, port: int, workers: int = 2) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
            str(workers), app]  # fmt: skip


@dataclass
class Client:
    """One browser: its cookies, and what it sends with each POST."""

    cookie: str = ""
    fields: dict[str, str] | None = None


@dataclass(frozen=True)
class Load:
    rate: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def request(port: int, method: str, path: str, client: Client, body: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, str]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        sent = {"Connection": "close", **(headers or {})}
        if client.cookie:
            sent["Cookie"] = client.cookie
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                client.cookie = value.split(";", 1)[0]
        return response.status, text
    finally:
        conn.close()


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', html
    )
    assert found, "no CSRF token on the page"
    return found.group(1)


def forwarded_for() -> dict[str, str]:
    """A client address of its own for each request (behind TRUST_PROXY=1), so the rate limit
    is counted as for many visitors and none of them reaches it."""
    a, b, c = random.randrange(256), random.randrange(256), random.randrange(1, 255)
    return {"X-Forwarded-For": f"10.{a}.{b}.{c}"}


def run_load(port: int, clients: list[Client], path: str, expect: int, seconds: float,
             warm_up: int = 3) -> Load:  # fmt: skip
    """Every client POSTs its fields to ``path``: ``warm_up`` requests each first, then all of
    them at once in a loop for ``seconds``; what the requests begun in that window took."""
    times: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    ready = threading.Barrier(len(clients) + 1)
    window: dict[str, float] = {}

    def post(client: Client, body: str) -> int:
        try:
            return request(port, "POST", path, client, body, forwarded_for())[0]
        except OSError:
            return 0

    def loop(client: Client) -> None:
        body = urlencode(client.fields or {})
        for _ in range(warm_up):
            post(client, body)
        ready.wait()
        while (now := time.monotonic()) < window["stop"]:
            status = post(client, body)
            with lock:
                times.append(time.monotonic() - now)
                statuses[status] = statuses.get(status, 0) + 1
                window["last"] = time.monotonic()

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    window["stop"] = float("inf")
    ready.wait()
    window["start"] = time.monotonic()
    window["stop"] = window["start"] + seconds
    for t in threads:
        t.join()
    times.sort()
    if not times:
        raise AssertionError("no request finished")
    return Load(
        rate=len(times) / (window["last"] - window["start"]),
        p50_ms=statistics.median(times) * 1000,
        p99_ms=times[max(0, int(len(times) * 0.99) - 1)] * 1000,
        requests=len(times),
        errors=sum(n for status, n in statuses.items() if status != expect),
    )


def environment(base: dict[str, str], **changes: str) -> dict[str, str]:
    env = {**base, **changes}
    env.setdefault("PYTHONPATH", str(ROOT))
    return env


def each(clients: int, make: Callable[[], Client]) -> list[Client]:
    return [make() for _ in range(clients)]
