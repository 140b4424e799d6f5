"""Uploaded files: the one place they are checked and stored.

Every upload goes through ``store``: not empty, not too big, a type we accept judged by its
content (never by its name), scanned by ClamAV's ``clamd`` when one is configured, then kept as
a ``StoredFile``. Any refusal raises ``UploadRefused`` with a message to show the person, and
nothing is stored.

The scanner speaks clamd's INSTREAM protocol over a unix socket (``CLAMD_SOCKET``) or TCP
(``CLAMD_HOST``/``CLAMD_PORT``). With neither set, files are kept as "not scanned" and the
officer is told so; with one set but not answering, uploads are refused until it is back.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import secrets
import socket
import struct
import unicodedata
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from service import clock, runtime
from service.models import ScanStatus, StoredFile

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from config.settings import Config

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

MB = 1024 * 1024

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: What an IMR author may upload (content type → how the error message names it).
IMR_TYPES: dict[str, str] = {PDF: "PDF", DOCX: "Word document (DOCX)"}
IMR_MAX_BYTES = 20 * MB
#: Terms of reference sent with an IMR request.
TERMS_TYPES: dict[str, str] = dict(IMR_TYPES)
TERMS_MAX_BYTES = 20 * MB

#: Room for the rest of a multipart form (fields, boundaries, headers) around the file itself.
#: Under 1 MB, so the "too big" page, which names whole MB, names the file's own limit.
FORM_OVERHEAD = 512 * 1024

_EXTENSIONS = {PDF: ".pdf", DOCX: ".docx"}
# The main part of a Word document, as [Content_Types].xml declares it. Macro-enabled documents
# (.docm) and templates declare another type, so they are not taken for DOCX.
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CONTENT_TYPES_MAX = 1 * MB
_CHUNK = 64 * 1024

MESSAGE_INFECTED = "The selected file contains a virus and has not been saved"
MESSAGE_UNAVAILABLE = "The file could not be checked for viruses. Try again later"


class UploadRefused(ValueError):
    """The upload is not kept. ``str()`` is the error message to show the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Infected(UploadRefused):
    """clamd found a virus. ``signature`` is the name of what it found (safe to log)."""

    def __init__(self, signature: str) -> None:
        super().__init__(MESSAGE_INFECTED)
        self.signature = signature


class ScannerUnavailable(UploadRefused):
    """A scanner is configured but did not give an answer. ``reason`` is for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(MESSAGE_UNAVAILABLE)
        self.reason = reason


# --- what a file is -----------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The content type of ``data`` if it is a PDF or a Word document (DOCX); else None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return DOCX
    return None


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if not {"[Content_Types].xml", "word/document.xml"} <= names:
                return False
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_MAX:
                return False
            return _DOCX_MAIN in archive.read(info)
    except Exception:  # noqa: BLE001
        # Whatever goes wrong reading it (a broken, truncated or unsupported archive), it is
        # not a document we can accept.
        return False


def describe(allowed: dict[str, str]) -> str:
    """``"a PDF or Word document (DOCX)"``: the allowed types as an error message names them."""
    labels = list(allowed.values())
    if len(labels) == 1:
        return f"a {labels[0]}"
    return "a " + ", ".join(labels[:-1]) + " or " + labels[-1]


def size_text(max_bytes: int) -> str:
    """``20MB``, as GOV.UK writes a file size limit."""
    if max_bytes % MB == 0:
        return f"{max_bytes // MB}MB"
    if max_bytes >= MB:
        return f"{max_bytes / MB:.1f}MB"
    return f"{max(max_bytes // 1024, 1)}KB"


def safe_filename(name: str | None, content_type: str | None = None) -> str:
    """The name to keep and offer for download: no folders, no control or invisible formatting
    characters (which can disguise an extension), at most 255 characters, and ending with the
    extension of what the file really is."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = unicodedata.normalize("NFC", name).strip().strip(".").strip()
    extension = _EXTENSIONS.get(content_type or "", "")
    if extension and not name.lower().endswith(extension):
        name = f"{name}{extension}" if name else f"document{extension}"
    name = name or "document"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 255 - len(ext) - 1]}.{ext}" if dot and len(ext) <= 10 else name[:255]
    return name


# --- virus scanning -----------------------------------------------------------------------


def scanner_configured(settings: Config | None = None) -> bool:
    settings = settings or runtime.settings()
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def scan(data: bytes, settings: Config | None = None) -> ScanStatus:
    """Scan ``data`` with clamd: CLEAN, or NOT_SCANNED when no scanner is configured.

    Raises ``Infected`` when clamd finds something and ``ScannerUnavailable`` when it cannot be
    reached, times out, or answers with an error (such as its own stream size limit).
    """
    settings = settings or runtime.settings()
    if not scanner_configured(settings):
        return ScanStatus.NOT_SCANNED
    where = settings.CLAMD_SOCKET or f"{settings.CLAMD_HOST}:{settings.CLAMD_PORT}"
    try:
        reply = _instream(settings, data)
    except TimeoutError as exc:
        raise _unavailable(f"clamd at {where} timed out") from exc
    except OSError as exc:
        raise _unavailable(f"clamd at {where} unreachable: {type(exc).__name__}") from exc
    if reply == "stream: OK":
        return ScanStatus.CLEAN
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        signature = reply[len("stream: ") : -len(" FOUND")].strip()
        log.warning("upload refused: clamd found a virus", extra={"signature": signature})
        raise Infected(signature)
    raise _unavailable(f"clamd at {where} answered {reply[:200]!r}")


def _unavailable(reason: str) -> ScannerUnavailable:
    log.warning("upload refused: the virus scanner is unavailable", extra={"reason": reason})
    return ScannerUnavailable(reason)


def _connect(settings: Config) -> socket.socket:
    timeout = settings.CLAMD_TIMEOUT
    if settings.CLAMD_SOCKET:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(settings.CLAMD_SOCKET)
        except BaseException:
            sock.close()
            raise
        return sock
    return socket.create_connection((settings.CLAMD_HOST, settings.CLAMD_PORT), timeout=timeout)


def _instream(settings: Config, data: bytes) -> str:
    """clamd's reply to zINSTREAM: chunks with 4-byte big-endian lengths, then a zero length."""
    with _connect(settings) as sock:
        try:
            sock.sendall(b"zINSTREAM\0")
            view = memoryview(data)
            for start in range(0, len(view), _CHUNK):
                chunk = view[start : start + _CHUNK]
                sock.sendall(struct.pack(">I", len(chunk)) + chunk)
            sock.sendall(struct.pack(">I", 0))
        except (BrokenPipeError, ConnectionResetError):
            # clamd stops reading and closes when the stream passes its StreamMaxLength; its
            # reply, if it got one out, says so.
            pass
        reply = _read_reply(sock)
    if not reply:
        raise ConnectionResetError("clamd closed the connection without an answer")
    return reply


def _read_reply(sock: socket.socket) -> str:
    received = b""
    while b"\0" not in received and len(received) < 4096:
        try:
            part = sock.recv(4096)
        except ConnectionResetError:
            break
        if not part:
            break
        received += part
    return received.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


# --- storing ------------------------------------------------------------------------------


def store(
    session: Session,
    *,
    partnership_id: int,
    filename: str | None,
    data: bytes,
    allowed: dict[str, str],
    max_bytes: int,
) -> StoredFile:
    """Check ``data`` and add it to ``session`` as a StoredFile; the caller commits.

    Refusals, in this order, each an ``UploadRefused`` with the message to show: empty, bigger
    than ``max_bytes``, not one of ``allowed`` (content type → name, judged by content),
    ``Infected``, ``ScannerUnavailable``. Nothing is added on a refusal.
    """
    if not data:
        raise UploadRefused("The selected file is empty")
    if len(data) > max_bytes:
        raise UploadRefused(f"The file must be smaller than {size_text(max_bytes)}")
    content_type = sniff(data)
    if content_type is None or content_type not in allowed:
        raise UploadRefused(f"The selected file must be {describe(allowed)}")
    status = scan(data)
    stored = StoredFile(
        id=secrets.token_hex(16),
        partnership_id=partnership_id,
        filename=safe_filename(filename, content_type),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        scan_status=status,
        scanned_at=clock.now() if status is ScanStatus.CLEAN else None,
        data=data,
    )
    session.add(stored)
    log.info(
        "file stored",
        extra={"file_id": stored.id, "size": stored.size, "scan_status": status.value},
    )
    return stored


def scan_label(file: StoredFile) -> str:
    """What the officer is told about a file's virus scan."""
    if file.scan_status is ScanStatus.CLEAN:
        return "Checked for viruses"
    return "Not scanned for viruses"


def download_path(file_id: str) -> str:
    """The console address of a stored file, for links in emails (``SERVICE_URL`` + this)."""
    return f"/console/files/{file_id}"


# --- the request size limit of upload pages -----------------------------------------------

_LIMIT_ATTRIBUTE = "_dhr_upload_max_bytes"


def allow_upload(max_bytes: int) -> Callable[[F], F]:
    """Let this view's requests carry a file of up to ``max_bytes`` plus the rest of its form.

    The limit is applied before anything reads the request body (the CSRF check reads the
    form), by the hook ``init_app`` installs; other pages keep the app's MAX_CONTENT_LENGTH.
    Put it closest to the view function, under ``@bp.route`` and any other decorators.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return view(*args, **kwargs)

        setattr(wrapper, _LIMIT_ATTRIBUTE, max_bytes + FORM_OVERHEAD)
        return wrapper  # type: ignore[return-value]

    return decorate


def _apply_upload_limit() -> None:
    from flask import current_app, request

    view = current_app.view_functions.get(request.endpoint or "")
    limit = _find_limit(view)
    if limit is not None:
        request.max_content_length = limit


def _find_limit(view: Callable[..., Any] | None) -> int | None:
    # Decorators above allow_upload wrap it with functools.wraps, which keeps __wrapped__.
    seen = 0
    while view is not None and seen < 20:
        limit = getattr(view, _LIMIT_ATTRIBUTE, None)
        if limit is not None:
            return limit
        view = getattr(view, "__wrapped__", None)
        seen += 1
    return None


def init_app(app: Flask) -> None:
    """Install the hook that gives ``allow_upload`` views their own request size limit.

    It runs before every other ``before_request`` function (CSRFProtect's reads the form).
    """
    hooks = app.before_request_funcs.setdefault(None, [])
    if _apply_upload_limit not in hooks:
        hooks.insert(0, _apply_upload_limit)
