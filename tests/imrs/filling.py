"""The agency's IMR form, as its browser posts the pages."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.imrs import links
from service.models import ImrRequest
from tests.imrs.factories import CHECKLIST
from tests.trawls.answering import post, text  # noqa: F401  (re-exported)


def link_path(session: Session, request: ImrRequest) -> str:
    """The request's link as a path on the test client (``/imr?token=...``)."""
    url = links.current_url(session, request)
    assert url, "the request has no working link"
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def open_link(client: FlaskClient, session: Session, request: ImrRequest):
    response = client.get(link_path(session, request))
    assert response.status_code == 302, response.status_code
    return response


def upload(client: FlaskClient, data: bytes, filename: str = "Police IMR.pdf",
           url: str = "/imr/document"):  # fmt: skip
    """Post a file to the upload page, as a browser's multipart form does."""
    return post(
        client, url, {"document": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )  # fmt: skip


def criteria_page(numbers: range, answers: dict[str, Any] | None = None) -> dict[str, str]:
    """Every criterion on a page answered as in the factories' checklist (or ``answers``)."""
    given = answers or CHECKLIST["criteria"]
    data = {}
    for n in numbers:
        entry = given[str(n)]
        data[f"criterion_{n}"] = entry["answer"]
        data[f"comment_{n}"] = entry.get("comment") or ""
    return data


DETAILS = {
    "agency": CHECKLIST["agency"],
    **CHECKLIST["completed_by"],
}
ANONYMISED = dict(CHECKLIST["anonymised"])
SIGNATURE = {
    "signed_name": CHECKLIST["signed_name"],
    "signed_on-day": "14",
    "signed_on-month": "12",
    "signed_on-year": "2026",
    "role": CHECKLIST["role"],
}


def fill_checklist(client: FlaskClient) -> None:
    """Every page of the checklist, as the factories' checklist has it."""
    for url, data in [
        ("/imr/details", DETAILS),
        ("/imr/anonymised", ANONYMISED),
        ("/imr/criteria/1", criteria_page(range(1, 6))),
        ("/imr/criteria/2", criteria_page(range(6, 11))),
        ("/imr/criteria/3", criteria_page(range(11, 16))),
        ("/imr/signature", SIGNATURE),
    ]:
        response = post(client, url, data)
        assert response.status_code == 302, (url, text(response)[:2000])
