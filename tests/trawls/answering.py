"""Answering a trawl request through its pages, as an agency's browser posts them."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Trawl, TrawlRequest
from service.trawls import links
from tests.console import csrf_from

#: While the tests answer: two days after tests.trawls.factories.SENT_AT. The scoping period of
#: the factory's case is 1 September 2021 to 1 September 2026.
ANSWERING_AT = dt.datetime(2026, 12, 9, 11, 0, tzinfo=dt.UTC)

NATURE = "Two appointments at the Harbour Row clinic about injuries she said were from a fall."
SERVICES = "Referral to the domestic abuse service; safety planning advice."
SYSTEMS = "EMIS Web, SystmOne, the safeguarding team's case log, and archived paper records."
COMPLETED_BY = {
    "name": "Morgan Records",
    "role": "Named nurse for safeguarding",
    "email": "morgan.records@nhs.net",
    "phone": "01632 960 123",
}


def date_fields(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month),
            f"{name}-year": str(day.year)}  # fmt: skip


def involved(**overrides: str) -> dict[str, str]:
    """A "yes" answer for one person, as the person page posts it."""
    data = {
        "involvement": "yes",
        "nature": NATURE,
        **date_fields("first_contact", dt.date(2024, 2, 5)),
        **date_fields("last_contact", dt.date(2026, 7, 30)),
        "services": SERVICES,
        "dash_risk": "high",
        "marac": "yes",
        "risk_other": "Recent separation; threats to kill.",
        "records_secured": "yes",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


NO_TRACE = {"involvement": "no_trace"}


def chronology_entry(person_id: int, **overrides: str) -> dict[str, str]:
    data = {
        **date_fields("date", dt.date(2025, 3, 14)),
        "time": "17:00",
        "source": "Case record",
        "professional": "Practice nurse J",
        "contact_with": str(person_id),
        "event": "Seen with a bruised wrist; said she fell. Routine enquiry about abuse made.",
        "outcome": "Leaflet given; follow-up booked.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def link_path(session: Session, request: TrawlRequest) -> str:
    """The request's link as a path on the test client (``/return?token=...``)."""
    url = links.current_url(session, request)
    assert url, "the request has no working link"
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def open_link(client: FlaskClient, session: Session, request: TrawlRequest):
    return client.get(link_path(session, request))


def post(client: FlaskClient, url: str, data: dict, *, page: str | None = None, **kw):
    """GET ``page`` (default ``url``) for its CSRF token, then POST ``data`` to ``url``."""
    body = client.get(page or url).get_data(as_text=True)
    return client.post(
        url,
        data={**data, "csrf_token": csrf_from(body)},
        headers={"Referer": f"https://localhost{page or url}"},
        **kw,
    )


def text(response) -> str:
    """The page's text as a person reads it: tags gone, entities decoded, spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(htmllib.unescape(body).split())


def answer_everything(client: FlaskClient, trawl: Trawl, *, with_chronology: bool = True) -> None:
    """The first person involved, everyone else no trace, systems, a chronology entry and the
    person completing it: ready to check and send."""
    first, *others = trawl.people
    assert post(client, f"/return/person/{first.id}", involved()).status_code == 302
    for p in others:
        assert post(client, f"/return/person/{p.id}", NO_TRACE).status_code == 302
    assert post(client, "/return/systems", {"systems_checked": SYSTEMS}).status_code == 302
    if with_chronology:
        response = post(client, "/return/chronology/0", chronology_entry(first.id))
        assert response.status_code == 302, text(response)
    response = post(client, "/return/your-details", COMPLETED_BY)
    assert response.status_code == 302, text(response)


def send(client: FlaskClient, **extra: str):
    return post(client, "/return/check", {"declaration": "y", **extra})
