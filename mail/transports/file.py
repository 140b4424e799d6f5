"""``file:///abs/dir``: each message becomes an .eml file. For the demo and development.

The folder is the recipients' mailbox, not a view of the outbox: each .eml is the message as
delivered, working links and all (the demo's user follows them from there), so it is no place
for anyone the messages are not addressed to. The outbox itself (the console, ``dhr mail list``)
keeps only the placeholder ``mail.links`` puts where each link was.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import SplitResult, unquote

from mail.transports.base import Envelope, TransientError, TransportConfigError, register


class FileTransport:
    max_bytes = 50 * 1024 * 1024

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, envelope: Envelope) -> str:
        msgid = envelope.mime["Message-ID"].strip("<>")
        name = re.sub(r"[^A-Za-z0-9.@_-]", "_", msgid) + ".eml"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.directory / (name + ".tmp")
            data = envelope.wire
            tmp.write_bytes(data)
            os.replace(tmp, self.directory / name)
        except OSError as exc:
            raise TransientError(f"could not write to the outbox folder: {exc.strerror}") from exc
        return f"written {name}"

    def check(self) -> str:
        """The folder exists (or can be made) and a file can be written in it and removed."""
        probe = self.directory / f".dhr-mail-check-{os.getpid()}.tmp"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise TransientError(
                f"cannot write to the outbox folder {self.directory}: "
                f"{exc.strerror or type(exc).__name__}"
            ) from exc
        return f"the outbox folder {self.directory} is writable"


@register("file")
def _factory(url: SplitResult, settings) -> FileTransport:  # noqa: ANN001
    path = unquote(url.path)
    if url.netloc not in ("", "localhost") or not path.startswith("/"):
        raise TransportConfigError("MAIL_TRANSPORT=file:// needs an absolute folder: file:///dir")
    return FileTransport(Path(path))
