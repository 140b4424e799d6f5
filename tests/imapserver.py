"""A real IMAP server for the tests: Debian's Dovecot (``dovecot-imapd``), on loopback, IMAPS
with the tests' private CA, its mail in a temporary folder (Maildir).

Started as root it runs its login processes as ``dovenull`` and the mail as ``dovecot`` (the
users the package creates); started as anyone else, everything runs as that user. ``make test``
installs the package when ``dovecot`` is missing.

With ``oauth2=`` (a ``TokenIntrospection``'s URL) it also takes XOAUTH2 and OAUTHBEARER sign-ins,
through Dovecot's ``oauth2`` passdb: each bearer token is POSTed to that RFC 7662 introspection
endpoint (plain HTTP on loopback), and the sign-in succeeds only when the answer says the token
is ``active`` for the very user named in the sign-in. Passwords still work for the other users.
"""

from __future__ import annotations

import getpass
import grp
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from tests.mailserver import TLSFiles, free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def available() -> bool:
    return os.access(DOVECOT, os.X_OK)


class Dovecot:
    def __init__(self, tls: TLSFiles, users: dict[str, str], *, oauth2: str | None = None) -> None:
        # Its own folder under the system's temporary one: Dovecot's unprivileged processes
        # must reach it, and pytest's folders are the test user's alone.
        self.folder = Path(tempfile.mkdtemp(prefix="dhr-dovecot-"))
        self.tls, self.users, self.oauth2 = tls, users, oauth2
        self.port = free_port()
        self.host = "127.0.0.1"
        self._process: subprocess.Popen | None = None
        if os.geteuid() == 0:
            mail = pwd.getpwnam("dovecot")
            self.uid, self.gid = mail.pw_uid, mail.pw_gid
            self.internal, self.login = "dovecot", "dovenull"
        else:
            self.uid, self.gid = os.getuid(), os.getgid()
            self.internal = self.login = getpass.getuser()

    def _config(self) -> str:
        f = self.folder
        group = grp.getgrgid(pwd.getpwnam(self.internal).pw_gid).gr_name
        return f"""
base_dir = {f}/run
state_dir = {f}/state
log_path = {f}/dovecot.log
protocols = imap
listen = {self.host}
ssl = required
ssl_cert = <{f}/server.pem
ssl_key = <{f}/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login{" xoauth2 oauthbearer" if self.oauth2 else ""}
default_internal_user = {self.internal}
default_internal_group = {group}
default_login_user = {self.login}
first_valid_uid = {min(self.uid, 100)}
mail_location = maildir:{f}/mail/%u
mail_privileged_group =
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {f}/users
}}
{self._oauth2_passdb()}userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={f}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {self.port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""

    def _oauth2_passdb(self) -> str:
        if not self.oauth2:
            return ""
        (self.folder / "oauth2.conf").write_text(
            f"introspection_mode = post\n"
            f"introspection_url = {self.oauth2}\n"
            "force_introspection = yes\n"
            "username_attribute = username\n"
            "active_attribute = active\n"
            "active_value = true\n"
            "timeout_msecs = 5000\n"
        )
        return f"""passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {self.folder}/oauth2.conf
}}
"""

    def start(self) -> Dovecot:
        for sub in ("run", "state", "mail", "home"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        for user in self.users:
            for box in ("cur", "new", "tmp"):
                (self.folder / "mail" / user / box).mkdir(parents=True, exist_ok=True)
            (self.folder / "home" / user).mkdir(parents=True, exist_ok=True)
        (self.folder / "users").write_text(
            "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.users.items())
        )
        shutil.copy(self.tls.server_cert, self.folder / "server.pem")
        shutil.copy(self.tls.server_key, self.folder / "server.key")
        (self.folder / "dovecot.conf").write_text(self._config())
        self.folder.chmod(0o755)
        self._own(self.folder)
        self._process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.folder / "dovecot.conf")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot stopped: {self._process.stdout.read().decode()}")
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not listen: {self.log()}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
            self._process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def deliver(self, user: str, raw: bytes) -> None:
        """A message arriving in ``user``'s INBOX (written into the Maildir, as an LDA does)."""
        name = f"{time.time():.6f}.{uuid.uuid4().hex}.localhost"
        tmp = self.folder / "mail" / user / "tmp" / name
        tmp.write_bytes(raw)
        self._own(tmp)
        tmp.rename(self.folder / "mail" / user / "new" / name)

    def _own(self, *paths: Path) -> None:
        if os.geteuid() != 0:
            return
        for path in paths:
            os.chown(path, self.uid, self.gid)
            for root, dirs, files in os.walk(path):
                for name in dirs + files:
                    os.chown(os.path.join(root, name), self.uid, self.gid)


class TokenIntrospection:
    """An OAuth 2.0 token introspection endpoint (RFC 7662) on loopback HTTP, for Dovecot's
    ``oauth2`` passdb: ``owner(token)`` names the user a live token lets in, or None."""

    def __init__(self, owner: Callable[[str], str | None]) -> None:
        self.owner = owner
        self.asked: list[str] = []  # the tokens it was asked about, in order
        handler = self._handler()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/introspect"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                token = parse_qs(body.decode("ascii", "replace")).get("token", [""])[0]
                endpoint.asked.append(token)
                user = endpoint.owner(token) if token else None
                answer = {"active": True, "username": user} if user else {"active": False}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def __enter__(self) -> TokenIntrospection:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
