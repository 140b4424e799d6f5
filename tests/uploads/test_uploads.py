"""Uploading and downloading files: checked, scanned by a real clamd, stored, downloaded from the
console by those allowed, and sent as a link when too big for email."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from flask import request
from sqlalchemy import func, select

from mail import outbox, routing
from mail.outbox import Attachment
from service import uploads
from service.models import (
    AuditEvent,
    Case,
    CaseChair,
    ImrRequest,
    ImrSubmission,
    Message,
    Role,
    ScanStatus,
    StoredFile,
)
from tests.console import make_user, sign_in
from tests.uploads.files import EICAR, docx, executable, pdf

MB = 1024 * 1024

routing.purpose(
    "test.uploads_to_officer",
    title="Case update",
    template="test_message",
    audience="inbox:dhr_officer",
)


def stored_count(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(StoredFile))


def upload(session, partnership, data: bytes, filename: str = "IMR.pdf", **limits) -> StoredFile:
    limits = {"allowed": uploads.IMR_TYPES, "max_bytes": uploads.IMR_MAX_BYTES, **limits}
    stored = uploads.store(
        session, partnership_id=partnership.id, filename=filename, data=data, **limits
    )
    session.commit()
    return stored


# --- checking and storing -------------------------------------------------------------------


def test_a_pdf_is_accepted_scanned_and_stored(scanner, session, partnership):
    data = pdf()
    stored = upload(session, partnership, data, "Police IMR v1.pdf")

    session.expire_all()
    kept = session.get(StoredFile, stored.id)
    assert len(kept.id) == 32
    assert kept.filename == "Police IMR v1.pdf"
    assert kept.content_type == "application/pdf"
    assert kept.data == data and kept.size == len(data)
    assert kept.sha256 == hashlib.sha256(data).hexdigest()
    assert kept.scan_status is ScanStatus.CLEAN and kept.scanned_at is not None
    assert uploads.scan_label(kept) == "Checked for viruses"


def test_a_word_document_is_accepted(scanner, session, partnership):
    stored = upload(session, partnership, docx(), "IMR")
    assert stored.content_type == uploads.DOCX
    assert stored.filename == "IMR.docx"


def test_the_eicar_file_is_refused_and_nothing_is_stored(scanner, session, partnership):
    infected = docx(extra={"word/media/image1.bin": EICAR})
    with pytest.raises(uploads.Infected) as refused:
        upload(session, partnership, infected, "IMR.docx")
    assert refused.value.message == "The selected file contains a virus and has not been saved"
    assert stored_count(session) == 0


def test_an_executable_renamed_pdf_is_refused(scanner, session, partnership):
    with pytest.raises(uploads.UploadRefused) as refused:
        upload(session, partnership, executable(), "IMR.pdf")
    assert refused.value.message == "The selected file must be a PDF or Word document (DOCX)"
    assert stored_count(session) == 0


def test_an_over_size_file_is_refused_with_the_limit_named(scanner, session, partnership):
    with pytest.raises(uploads.UploadRefused) as refused:
        upload(session, partnership, pdf(padding=uploads.IMR_MAX_BYTES))
    assert refused.value.message == "The file must be smaller than 20MB"
    assert stored_count(session) == 0


def test_an_empty_file_is_refused(scanner, session, partnership):
    with pytest.raises(uploads.UploadRefused, match="The selected file is empty"):
        upload(session, partnership, b"")


def test_without_a_scanner_the_file_is_kept_as_not_scanned(settings, session, partnership):
    stored = upload(session, partnership, pdf())
    assert stored.scan_status is ScanStatus.NOT_SCANNED and stored.scanned_at is None
    assert uploads.scan_label(stored) == "Not scanned for viruses"


def test_a_configured_scanner_that_is_down_refuses_rather_than_skipping(
    settings, session, partnership, tmp_path
):
    settings.CLAMD_SOCKET = str(tmp_path / "clamd.sock")  # configured, but nothing there
    with pytest.raises(uploads.ScannerUnavailable) as refused:
        upload(session, partnership, pdf())
    assert refused.value.message == "The file could not be checked for viruses. Try again later"
    assert stored_count(session) == 0


# --- downloading from the console -----------------------------------------------------------


def make_case(session, partnership, reference: str, *chairs) -> Case:
    case = Case(partnership_id=partnership.id, reference=reference)
    session.add(case)
    session.flush()
    for chair in chairs:
        session.add(CaseChair(case_id=case.id, user_id=chair.id))
    return case


def imr_request(session, partnership, case, *, terms=None, document=None) -> ImrRequest:
    """An IMR request on ``case`` with these files as its terms of reference and first IMR."""
    agency = partnership.agencies[0]
    req = ImrRequest(
        partnership_id=partnership.id,
        case_id=case.id,
        agency_id=agency.id,
        terms_of_reference_id=terms.id if terms else None,
        due_date=dt.date(2027, 1, 29),
    )
    session.add(req)
    session.flush()
    if document:
        session.add(ImrSubmission(request_id=req.id, version=1, document_id=document.id))
    session.commit()
    return req


def test_an_officer_downloads_a_file_as_uploaded_and_it_is_audited(
    page_client, session, partnership, settings
):
    officer = make_user(session, partnership, Role.OFFICER)
    stored = upload(session, partnership, pdf(), "Terms of reference.pdf")
    sign_in(page_client, officer)

    response = page_client.get(f"/console/files/{stored.id}")

    assert response.status_code == 200
    assert response.data == pdf()
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Terms of reference.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    session.rollback()
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "file.downloaded"))
    assert event.object_id == stored.id and event.actor == f"user:{officer.id}"


def test_another_partnerships_file_is_not_found(page_client, session, partnership, settings):
    from service.models import Nation, Partnership

    other = Partnership(
        slug="otherton", name="Otherton CSP", nation=Nation.ENGLAND,
        secure_domains=["otherton.gov.uk"], inboxes={},
    )  # fmt: skip
    session.add(other)
    session.commit()
    theirs = upload(session, other, pdf())
    sign_in(page_client, make_user(session, partnership, Role.OFFICER))

    assert page_client.get(f"/console/files/{theirs.id}").status_code == 404
    assert page_client.get("/console/files/not-a-file").status_code == 404


def test_a_chair_downloads_only_their_own_cases_files(page_client, session, partnership, settings):
    chair = make_user(session, partnership, Role.CHAIR)
    theirs = make_case(session, partnership, "DHR-2026-001", chair)
    not_theirs = make_case(session, partnership, "DHR-2026-002")
    terms = upload(session, partnership, pdf("Terms"), "Terms.pdf")
    imr = upload(session, partnership, docx(), "IMR.docx")
    elsewhere = upload(session, partnership, pdf("Other case"), "Other.pdf")
    loose = upload(session, partnership, pdf("On no case"), "Loose.pdf")
    imr_request(session, partnership, theirs, terms=terms, document=imr)
    imr_request(session, partnership, not_theirs, terms=elsewhere)
    sign_in(page_client, chair)

    assert page_client.get(f"/console/files/{terms.id}").status_code == 200
    response = page_client.get(f"/console/files/{imr.id}")
    assert response.status_code == 200 and response.mimetype == uploads.DOCX
    assert page_client.get(f"/console/files/{elsewhere.id}").status_code == 404
    assert page_client.get(f"/console/files/{loose.id}").status_code == 404
    session.rollback()
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "file.downloaded", AuditEvent.object_id == terms.id
        )
    )
    assert event.case_id == theirs.id


def test_signed_out_the_download_asks_to_sign_in(page_client, session, partnership, settings):
    stored = upload(session, partnership, pdf())
    response = page_client.get(f"/console/files/{stored.id}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_scan_label_is_a_template_filter_and_function(page_app, session, partnership, settings):
    stored = upload(session, partnership, pdf())
    with page_app.test_request_context():
        render = page_app.jinja_env.from_string("{{ f|scan_label }} / {{ scan_label(f) }}")
        assert render.render(f=stored) == "Not scanned for viruses / Not scanned for viruses"


# --- the request size limit of upload pages -------------------------------------------------


def test_an_upload_page_takes_a_file_up_to_its_limit_and_names_it_when_exceeded(page_app):
    from service.app import csrf

    @uploads.allow_upload(1 * MB)
    def open_upload_probe():
        return str(len(request.files["file"].read()))

    @uploads.allow_upload(1 * MB)
    def checked_upload_probe():
        return "not reached"

    def plain_probe():
        return str(len(request.files["file"].read()))

    page_app.add_url_rule("/_test/upload", view_func=open_upload_probe, methods=["POST"])
    page_app.add_url_rule("/_test/checked", view_func=checked_upload_probe, methods=["POST"])
    page_app.add_url_rule("/_test/plain", view_func=plain_probe, methods=["POST"])
    csrf.exempt(open_upload_probe)
    csrf.exempt(plain_probe)
    client = page_app.test_client()

    fits = client.post("/_test/upload", data={"file": (_stream(1 * MB), "IMR.pdf")})
    assert fits.status_code == 200 and fits.text == str(1 * MB)

    # Too big for this page: refused before anything reads the form, the CSRF check included.
    too_big = client.post("/_test/checked", data={"file": (_stream(2 * MB), "IMR.pdf")})
    assert too_big.status_code == 413
    assert "must be smaller than 1MB" in too_big.text
    # Other pages keep the app's own limit.
    plain = client.post("/_test/plain", data={"file": (_stream(2 * MB), "IMR.pdf")})
    assert plain.status_code == 200
    # Within the limit the form is read and checked as on any page (here: it has no CSRF token).
    within = client.post("/_test/checked", data={"file": (_stream(MB // 2), "IMR.pdf")})
    assert within.status_code == 400


def _stream(size: int):
    import io

    return io.BytesIO(b"%PDF-" + b"x" * (size - 5))


# --- too big for email ----------------------------------------------------------------------


def test_an_attachment_too_big_for_email_goes_as_a_console_link(settings, session, partnership):
    settings.MAIL_MAX_BYTES = 1 * MB
    small = upload(session, partnership, pdf("QA checklist"), "QA checklist.pdf")
    big = upload(session, partnership, pdf(padding=900 * 1024), "Police IMR.pdf")

    (message,) = outbox.queue_message(
        session,
        partnership=partnership,
        purpose="test.uploads_to_officer",
        reference="DHR-2026-001",
        attachments=[Attachment.of(big), Attachment.of(small)],
    )
    session.commit()

    session.expire_all()
    kept = session.get(Message, message.id)
    assert [a.filename for a in kept.attachments] == ["QA checklist.pdf"]
    link = f"https://dhr.exampleshire.gov.uk/console/files/{big.id}"
    assert f"- Police IMR.pdf: {link}" in kept.body_text
    assert kept.body_text.index(link) < kept.body_text.index("\n--\n")  # above the footer
    assert f'<a href="{link}">' in kept.body_html
    assert "too big to send by email" in kept.body_html


def test_attachments_that_fit_are_all_attached(settings, session, partnership):
    stored = upload(session, partnership, pdf(), "IMR.pdf")
    (message,) = outbox.queue_message(
        session,
        partnership=partnership,
        purpose="test.uploads_to_officer",
        reference="DHR-2026-001",
        attachments=[Attachment.of(stored), Attachment("summary.pdf", "application/pdf", pdf())],
    )
    assert [a.filename for a in message.attachments] == ["IMR.pdf", "summary.pdf"]
    assert "too big" not in message.body_text


def test_a_made_attachment_too_big_for_email_is_refused(settings, session, partnership):
    settings.MAIL_MAX_BYTES = 1 * MB
    with pytest.raises(outbox.MessageRefused, match="too big to send by email"):
        outbox.queue_message(
            session,
            partnership=partnership,
            purpose="test.uploads_to_officer",
            reference="DHR-2026-001",
            attachments=[Attachment("collated.pdf", "application/pdf", pdf(padding=1 * MB))],
        )
