"""Filling in the referral form through its pages, as a referrer's browser posts it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient

from forms.referral import SECTIONS, Question
from tests.console import csrf_from


def form_fields(questions: list[Question], answers: dict[str, Any]) -> dict[str, str]:
    """What a browser sends for these questions: dates as day, month and year."""
    data: dict[str, str] = {}
    for q in questions:
        value = answers.get(q.name)
        if value is None:
            continue
        if q.kind == "date":
            d = dt.date.fromisoformat(value)
            data |= {f"{q.name}-day": str(d.day), f"{q.name}-month": str(d.month),
                     f"{q.name}-year": str(d.year)}  # fmt: skip
        else:
            data[q.name] = value
        if q.details and answers.get(q.details):
            data[q.details] = answers[q.details]
    return data


def post(client: FlaskClient, url: str, data: dict[str, str], *, page: str | None = None):
    """GET ``page`` (default ``url``) for its CSRF token, then POST ``data`` to ``url``."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(
        url, data={**data, "csrf_token": csrf_from(html)}, headers={"Referer": "https://x"}
    )


def fill_section(
    client: FlaskClient,
    section,  # noqa: ANN001
    answers: dict[str, Any],
    *,
    base: str = "/refer",
) -> None:
    """Answer one section at ``base`` (a partnership's own form is at /p/<slug>/refer)."""
    if section.group:
        g = section.group
        items = answers.get(g.name) or []
        response = post(client, f"{base}/{section.slug}", {"answer": "yes" if items else "no"})
        assert response.status_code == 302, response.get_data(as_text=True)
        for index, item in enumerate(items):
            response = post(
                client, f"{base}/{section.slug}/{index}", form_fields(g.questions, item)
            )
            assert response.status_code == 302, response.get_data(as_text=True)
            more = "yes" if index + 1 < len(items) else "no"
            response = post(client, f"{base}/{section.slug}/list", {"add_another": more})
            assert response.status_code == 302
        return
    for page in section.pages:
        response = post(client, f"{base}/page/{page.slug}", form_fields(page.questions, answers))
        assert response.status_code == 302, (page.slug, response.get_data(as_text=True))


def fill_referral(client: FlaskClient, answers: dict[str, Any], *, base: str = "/refer") -> None:
    for section in SECTIONS:
        fill_section(client, section, answers, base=base)


#: The declaration on the check page: the referrer's and the safeguarding lead's typed names and
#: the dates they signed.
SIGNED = {"referrer_signature": "Alex Referrer", "lead_signature": "Sam Lead"}


def declaration(
    signed_on: dt.date | None = None, lead_signed_on: dt.date | None = None
) -> dict[str, str]:
    """What the check page posts to sign the declaration (both dated today unless given)."""
    from service import clock

    today = clock.london_date(clock.now())
    data = dict(SIGNED)
    for name, day in (("referrer_signed_on", signed_on or today),
                      ("lead_signed_on", lead_signed_on or signed_on or today)):  # fmt: skip
        data |= {f"{name}-day": str(day.day), f"{name}-month": str(day.month),
                 f"{name}-year": str(day.year)}  # fmt: skip
    return data
