"""Console: downloading an uploaded file (terms of reference, IMR documents).

The file is read through ``Scope``, so an officer gets the partnership's files and a chair only
those of their own cases; anything else is 404. Every download is audited.
"""

from __future__ import annotations

import io

from flask import abort, send_file
from sqlalchemy import select

from service import audit, db, uploads
from service.auth import identity, web
from service.models import ImrRequest, ImrSubmission, ReviewProgress, StoredFile
from service.views.console import bp

# ``file|scan_label`` or ``scan_label(file)`` on any page that lists files.
bp.add_app_template_filter(uploads.scan_label, "scan_label")
bp.add_app_template_global(uploads.scan_label, "scan_label")


def _case_of(session, file_id: str) -> int | None:  # noqa: ANN001
    """The case a file belongs to, for the audit trail."""
    return (
        session.scalar(
            select(ImrRequest.case_id).where(ImrRequest.terms_of_reference_id == file_id)
        )
        or session.scalar(
            select(ImrRequest.case_id)
            .join(ImrSubmission, ImrSubmission.request_id == ImrRequest.id)
            .where(ImrSubmission.document_id == file_id)
        )
        or session.scalar(
            select(ReviewProgress.case_id).where(
                (ReviewProgress.report_file_id == file_id)
                | (ReviewProgress.summary_file_id == file_id)
            )
        )
    )


@bp.get("/files/<file_id>")
@web.requires("files.download")
def file_download(file_id: str):
    """The file as it was uploaded, as a download. Audited."""
    sc = web.current_scope()
    with db.transaction() as s:
        found = sc.get(s, StoredFile, file_id)
        if found is None:
            abort(404)
        data = found.data
        audit.record(
            s,
            "file.downloaded",
            actor=identity.actor_of(sc.user),
            partnership_id=found.partnership_id,
            object_type="stored_file",
            object_id=found.id,
            client_address=web.client_address(),
            case_id=_case_of(s, found.id),
        )
        content_type = found.content_type
        name = uploads.safe_filename(found.filename, content_type)
    response = send_file(
        io.BytesIO(data),
        mimetype=content_type,
        as_attachment=True,
        download_name=name,
        max_age=0,
    )
    # Never shown inline as something else: the browser saves it as the type we checked.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
