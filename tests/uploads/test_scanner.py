"""What a file is (by its content, never its name) and what clamd says about it."""

from __future__ import annotations

import socket
import threading

import pytest

from service import uploads
from service.models import ScanStatus
from tests.uploads.conftest import STREAM_MAX_BYTES
from tests.uploads.files import DOCM_MAIN, EICAR, PE_HEADER, docx, executable, pdf, plain_zip

# --- sniffing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (pdf(), uploads.PDF),
        (docx(), uploads.DOCX),
        (docx(main=DOCM_MAIN), None),  # a macro-enabled document is not a DOCX
        (plain_zip(), None),  # a ZIP, but not a Word document
        (b"PK\x03\x04" + b"\x00" * 100, None),  # a broken ZIP
        (executable(), None),  # a program (ELF), whatever it is called
        (PE_HEADER, None),  # a Windows program
        (EICAR, None),
        (b"", None),
        (b"%PDF", None),  # not even a version
        (b"Dear colleague, please find the IMR attached.", None),
    ],
    ids=[
        "pdf", "docx", "docm", "zip", "broken-zip", "elf", "pe", "eicar", "empty",
        "truncated-pdf", "text",
    ],
)  # fmt: skip
def test_the_type_is_judged_by_content(data, expected):
    assert uploads.sniff(data) == expected


@pytest.mark.parametrize(
    ("given", "content_type", "kept"),
    [
        ("IMR v2.pdf", uploads.PDF, "IMR v2.pdf"),
        ("C:\\Users\\author\\IMR.docx", uploads.DOCX, "IMR.docx"),
        ("../../etc/passwd", uploads.PDF, "passwd.pdf"),
        ("report\u202efdp.exe", uploads.PDF, "reportfdp.exe.pdf"),  # right-to-left override
        ("line\r\nbreak.pdf", uploads.PDF, "linebreak.pdf"),
        ("", uploads.DOCX, "document.docx"),
        (None, uploads.PDF, "document.pdf"),
        ("REPORT.PDF", uploads.PDF, "REPORT.PDF"),
    ],
)
def test_filenames_are_kept_safe(given, content_type, kept):
    assert uploads.safe_filename(given, content_type) == kept


def test_a_long_filename_keeps_its_extension():
    name = uploads.safe_filename("x" * 400 + ".docx", uploads.DOCX)
    assert len(name) == 255 and name.endswith(".docx")


def test_allowed_types_and_limits_are_named_as_gov_uk_writes_them():
    assert uploads.describe(uploads.IMR_TYPES) == "a PDF or Word document (DOCX)"
    assert uploads.describe({uploads.PDF: "PDF"}) == "a PDF"
    assert uploads.size_text(uploads.IMR_MAX_BYTES) == "20MB"


# --- scanning with a real clamd -------------------------------------------------------------


def test_a_clean_pdf_is_clean(scanner):
    assert uploads.scan(pdf()) is ScanStatus.CLEAN


def test_the_eicar_file_is_infected(scanner):
    with pytest.raises(uploads.Infected) as refused:
        uploads.scan(EICAR)
    assert refused.value.signature.startswith("Eicar-Test-Signature")
    assert str(refused.value) == "The selected file contains a virus and has not been saved"


def test_a_virus_inside_a_word_document_is_found(scanner):
    with pytest.raises(uploads.Infected):
        uploads.scan(docx(extra={"word/media/image1.bin": EICAR}))


def test_a_file_bigger_than_clamd_takes_is_not_passed_as_clean(scanner):
    with pytest.raises(uploads.ScannerUnavailable) as refused:
        uploads.scan(pdf(padding=STREAM_MAX_BYTES + 1024))
    assert "size limit" in refused.value.reason
    assert str(refused.value) == "The file could not be checked for viruses. Try again later"


def test_no_scanner_configured_means_not_scanned(settings):
    assert not settings.CLAMD_SOCKET and not settings.CLAMD_HOST
    assert uploads.scan(EICAR) is ScanStatus.NOT_SCANNED


def test_a_configured_scanner_that_is_not_there_refuses(settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "no-clamd.sock")
    with pytest.raises(uploads.ScannerUnavailable, match="Try again later"):
        uploads.scan(pdf())


def test_a_scanner_host_that_refuses_connections_refuses(settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CLAMD_HOST, settings.CLAMD_PORT = "127.0.0.1", port
    with pytest.raises(uploads.ScannerUnavailable):
        uploads.scan(pdf())


def test_a_scanner_that_never_answers_times_out(settings):
    with socket.create_server(("127.0.0.1", 0)) as silent:
        accepted = []
        threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True).start()
        settings.CLAMD_HOST, settings.CLAMD_PORT = "127.0.0.1", silent.getsockname()[1]
        settings.CLAMD_TIMEOUT = 1
        with pytest.raises(uploads.ScannerUnavailable) as refused:
            uploads.scan(pdf())
        assert "timed out" in refused.value.reason
        for conn, _ in accepted:
            conn.close()
