"""Cases and consent requests for the consent tests, built through the service's own functions,
and the family member's side of the form as a browser posts it."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.consent import links
from service.consent import requests as consent_requests
from service.models import Case, ConsentDelivery, ConsentRequest, Partnership
from tests.console import csrf_from
from tests.trawls.factories import PEOPLE, make_case

VICTIM = PEOPLE[0]["name"]  # "Alice Example"
FAMILY_NAME = "Sam Relative"
FAMILY_EMAIL = "sam.relative@example.com"
SIGNED_NAME = "Samantha Jane Relative"
#: The form's "Print name", beside the signature.
PRINT_NAME = "SAMANTHA JANE RELATIVE"
#: The date of birth a family member answering a letter gives on the form.
DATE_OF_BIRTH = dt.date(1979, 4, 23)

__all__ = ["PEOPLE", "VICTIM", "make_case"]


def ask(
    session: Session,
    partnership: Partnership,
    *,
    case: Case | None = None,
    delivery: ConsentDelivery = ConsentDelivery.EMAIL,
    ask_about_suspect: bool = True,
    name: str = FAMILY_NAME,
    email: str | None = FAMILY_EMAIL,
) -> ConsentRequest:
    """A consent request on ``case`` (a new one by default), made as the console makes it
    (flushed, not committed)."""
    case = case or make_case(session, partnership)
    new = consent_requests.NewRequest(
        name=name,
        relationship_to_victim="Sister",
        delivery=delivery,
        email=email if delivery is ConsentDelivery.EMAIL else None,
        ask_about_suspect=ask_about_suspect,
    )
    request = consent_requests.create(session, case, new, created_by=None, actor="test")
    session.flush()
    return request


def link_path(session: Session, request: ConsentRequest) -> str:
    """The request's link as a path on the test client (``/consent/xxxx-...``)."""
    url = links.current_url(session, request)
    assert url, "the request has no working link"
    return urlsplit(url).path


def post(client: FlaskClient, path: str, data: dict, *, page: str | None = None):
    """GET the page for its CSRF token, then POST ``data`` to it, as a browser would."""
    html = client.get(page or path).get_data(as_text=True)
    return client.post(
        path,
        data={**data, "csrf_token": csrf_from(html)},
        headers={"Referer": f"https://localhost{page or path}"},
    )


def date_fields(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month),
            f"{name}-year": str(day.year)}  # fmt: skip


def answer(
    client: FlaskClient,
    *,
    victim: str = "yes",
    suspect: str | None = "yes",
    signed_name: str = SIGNED_NAME,
    print_name: str = PRINT_NAME,
    signed_on: dt.date | None = None,
    date_of_birth: dt.date = DATE_OF_BIRTH,
):
    """Go through the form from the start page to sending; the last response. A letter's sign
    page also asks the date of birth."""
    choices = {"victim_information": victim}
    if suspect is not None:
        choices["suspect_information"] = suspect
    response = post(client, "/consent/choices", choices)
    assert response.status_code == 302, response.get_data(as_text=True)
    signing = {"signed_name": signed_name, "print_name": print_name}
    html = client.get("/consent/sign").get_data(as_text=True)
    if 'name="date_of_birth-day"' in html:
        signing |= date_fields("date_of_birth", date_of_birth)
    if signed_on is not None:
        signing |= date_fields("signed_on", signed_on)
    else:
        # The date the page starts with: today's.
        signing |= {
            f"signed_on-{part}": _value_of(html, f"signed_on-{part}")
            for part in ("day", "month", "year")
        }
    response = post(client, "/consent/sign", signing)
    assert response.status_code == 302, response.get_data(as_text=True)
    return post(client, "/consent/check", {})


def _value_of(html: str, field_id: str) -> str:
    import re

    match = re.search(rf'id="{field_id}" name="{field_id}" type="text" value="([^"]*)"', html)
    if match is None:
        match = re.search(rf'<input[^>]*id="{field_id}"[^>]*value="([^"]*)"', html)
    assert match, f"no {field_id} on the page"
    return match.group(1)


def pdf_text(data: bytes) -> str:
    import io

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def emailed_codes(settings, to: str = FAMILY_EMAIL) -> list[str]:
    """The one-time codes delivered to ``to`` so far, as the family member reads them: the
    queued email is delivered (a worker burst) and read from the file outbox."""
    import email
    import email.policy
    import re
    from pathlib import Path

    from tests.jobs import run_worker_burst

    run_worker_burst()
    folder = Path(settings.MAIL_TRANSPORT.removeprefix("file://"))
    found = []
    for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if to not in str(message["To"]):
            continue
        body = message.get_body(("plain",)).get_content()
        match = re.search(r"Your code is:\s+(\d{6})", body)
        if match:
            found.append(match.group(1))
    return found


def check_its_me(client: FlaskClient, settings) -> str:
    """In a browser that did not send the answer: ask for a code and type it in; the code."""
    page = client.get("/consent/check-its-you")
    assert page.status_code == 200, page.get_data(as_text=True)
    sent = post(client, "/consent/check-its-you", {})
    assert sent.status_code == 302 and sent.headers["Location"] == "/consent/check-its-you/code"
    code = emailed_codes(settings)[-1]
    done = post(client, "/consent/check-its-you/code", {"code": code})
    assert done.status_code == 302 and done.headers["Location"] == "/consent/start", done.data
    return code
