"""A real clamd for the upload tests, started once per test run.

It runs in the foreground with its own configuration and a signature database written here:
these machines cannot download ClamAV's signatures (freshclam), and the tests need only the
EICAR test file to be found. Production uses clamd with freshclam's real signatures.

Other test packages can use it with ``from tests.uploads.conftest import clamd_socket, scanner``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.uploads.files import EICAR, EICAR_MD5

#: clamd refuses streams longer than this, so a test can show that refusal without sending MBs.
STREAM_MAX_BYTES = 4 * 1024 * 1024
START_TIMEOUT = 30.0


def clamd_binary() -> str | None:
    # Debian puts clamd in /usr/sbin, which is not on everyone's PATH.
    found = shutil.which("clamd")
    if found:
        return found
    return "/usr/sbin/clamd" if os.access("/usr/sbin/clamd", os.X_OK) else None


def _pong(path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(path)
            sock.sendall(b"zPING\0")
            return sock.recv(16).startswith(b"PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def clamd_socket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The unix socket of a clamd that knows one signature: the EICAR test file."""
    binary = clamd_binary()
    if binary is None:
        pytest.fail(
            "clamd is not installed: the upload tests need a real virus scanner. Install "
            "Debian's clamav-daemon (`make scanner`, or `apt-get install clamav-daemon`).",
            pytrace=False,
        )
    home = tmp_path_factory.mktemp("clamd")
    database = home / "db"
    database.mkdir()
    # One hash signature: the EICAR file's MD5, its size and a name.
    (database / "test.hdb").write_text(f"{EICAR_MD5}:{len(EICAR)}:Eicar-Test-Signature\n")
    # Unix socket paths are limited to about 100 characters: keep it short.
    socket_dir = Path(tempfile.mkdtemp(prefix="clamd-"))
    sock = socket_dir / "clamd.sock"
    config = home / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                f"LocalSocket {sock}",
                f"DatabaseDirectory {database}",
                f"TemporaryDirectory {home}",
                f"PidFile {home / 'clamd.pid'}",
                "Foreground yes",
                f"StreamMaxLength {STREAM_MAX_BYTES // 1024}K",
                "SelfCheck 0",
                "",
            ]
        )
    )
    log_path = home / "clamd.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [binary, f"--config-file={config}"], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _pong(str(sock)):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"clamd did not start (exit {process.poll()}):\n"
                    + log_path.read_text(errors="replace")[-2000:],
                    pytrace=False,
                )
            time.sleep(0.05)
        yield str(sock)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(socket_dir, ignore_errors=True)


@pytest.fixture
def scanner(settings, clamd_socket: str) -> str:
    """This test's settings point at the real clamd."""
    settings.CLAMD_SOCKET = clamd_socket
    settings.CLAMD_HOST = ""
    settings.CLAMD_TIMEOUT = 10
    return clamd_socket
