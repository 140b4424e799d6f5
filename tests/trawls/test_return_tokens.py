"""The trawl link: it opens one agency's request and nothing else, and every link it refuses
(altered, unknown, expired, revoked, replaced, for another purpose) gets the same page and
status, showing nothing of any case."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from itsdangerous import URLSafeSerializer

from service import clock, tokens
from service.auth import accounts
from service.models import Agency, Case, Role, TrawlRequest
from service.trawls import links
from tests.conftest import TEST_SECRET
from tests.trawls.answering import (
    ANSWERING_AT,
    NO_TRACE,
    chronology_entry,
    link_path,
    open_link,
    post,
    text,
)
from tests.trawls.factories import sent_trawl

REFUSED_HEADING = "This link has expired or is not valid"


@pytest.fixture(autouse=True)
def answering_time():
    with clock.frozen_at(ANSWERING_AT) as moment:
        yield moment


@pytest.fixture
def trawl(session, partnership):
    trawl = sent_trawl(session, partnership)
    session.commit()
    return trawl


@pytest.fixture
def forbidden(session, trawl) -> list[str]:
    """What a refused page must never show: the case, its people, the agencies."""
    values = [session.get(Case, trawl.case_id).reference]
    for p in trawl.people:
        values += [p.name, p.address, f"{p.date_of_birth:%-d %B %Y}"]
    values += [session.get(Agency, r.agency_id).name for r in trawl.requests]
    values.append("Exampleshire Community Safety Partnership")
    return values


def assert_refused(response, forbidden: list[str]) -> str:
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert f'<h1 class="govuk-heading-l">{REFUSED_HEADING}</h1>' in body
    assert "contact the DHR officer who sent you the request" in text(response)
    for value in forbidden:
        assert value.replace("'", "&#39;") not in body and value not in body, value
    return body


def without_csrf(body: str) -> str:
    return re.sub(r'value="[^"]{20,}"', 'value=""', body)


def other_purpose_token(session, req) -> str:
    """A genuine, working token, but for another purpose, naming the same request."""
    _, token = tokens.issue(
        session, purpose="referral-resume", subject_type=links.SUBJECT, subject_id=req.id,
        partnership_id=req.partnership_id, expires_at=clock.now() + dt.timedelta(days=1),
    )  # fmt: skip
    return token


def token_of(session, req) -> str:
    return link_path(session, req).split("token=", 1)[1]


def test_every_refused_link_gets_the_same_page(page_app, session, partnership, trawl, forbidden):
    req, other_req = trawl.requests[0], trawl.requests[1]
    good = token_of(session, req)
    serializer = URLSafeSerializer(TEST_SECRET, salt=f"dhr-token:{links.PURPOSE}")
    revoked_req = other_req
    revoked = token_of(session, revoked_req)
    links.revoke(session, revoked_req)
    # A new link replaces the old one.
    replaced = token_of(session, trawl.requests[2])
    links.issue(session, trawl.requests[2])
    _user, setup_link = accounts.create_user(
        session, partnership, email="new.officer@exampleshire.gov.uk", role=Role.OFFICER,
        actor="test",
    )  # fmt: skip
    setup_token = setup_link.split("token=", 1)[1]
    wrong_subject, _ = tokens.issue(
        session, purpose=links.PURPOSE, subject_type="referral", subject_id=req.id,
        partnership_id=req.partnership_id, expires_at=clock.now() + dt.timedelta(days=1),
    )  # fmt: skip
    wrong_subject_token = tokens.token_for(wrong_subject)
    cross_partnership, _ = tokens.issue(
        session, purpose=links.PURPOSE, subject_type=links.SUBJECT, subject_id=req.id,
        partnership_id=None, expires_at=clock.now() + dt.timedelta(days=1),
    )  # fmt: skip
    other_purpose = other_purpose_token(session, req)
    session.commit()

    refused = {
        "tampered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "truncated": good[: len(good) // 2],
        "unknown": serializer.dumps("0" * 32),
        "not a string": serializer.dumps(12345),
        "empty": "",
        "garbage": "<script>alert(1)</script>",
        "revoked": revoked,
        "replaced": replaced,
        "account set-up": setup_token,
        "another purpose": other_purpose,
        "another subject": wrong_subject_token,
        "another partnership": tokens.token_for(cross_partnership),
    }
    bodies = {}
    for reason, token in refused.items():
        client = page_app.test_client()
        response = client.get(f"/return?token={token}")
        bodies[reason] = without_csrf(assert_refused(response, forbidden))
        # Nothing was remembered: the form's pages stay shut.
        assert_refused(client.get("/return/start"), forbidden)
    first = next(iter(bodies.values()))
    assert all(body == first for body in bodies.values()), [
        k for k, v in bodies.items() if v != first
    ]
    # And the same page for the form's pages without any link at all.
    assert without_csrf(assert_refused(page_app.test_client().get("/return/start"), forbidden)) == (
        first
    )


def test_an_expired_link_is_refused(page_client, session, trawl, forbidden):
    req = trawl.requests[0]
    path = link_path(session, req)
    row = links.current(session, req)
    with clock.frozen_at(clock.as_utc(row.expires_at) - dt.timedelta(seconds=1)):
        assert page_client.get(path).status_code == 302
    with clock.frozen_at(clock.as_utc(row.expires_at)):
        assert_refused(page_client.application.test_client().get(path), forbidden)
        # The browser that opened it before is refused too, on its next page.
        assert_refused(page_client.get("/return/start"), forbidden)


def test_revoking_the_link_shuts_a_browser_that_already_opened_it(
    page_client, session, trawl, forbidden
):
    req = trawl.requests[0]
    open_link(page_client, session, req)
    assert page_client.get("/return/start").status_code == 200
    links.revoke(session, req)
    session.commit()
    assert_refused(page_client.get("/return/start"), forbidden)
    assert_refused(page_client.get(f"/return/person/{trawl.people[0].id}"), forbidden)


def test_each_agency_sees_only_its_own_request(page_app, session, trawl):
    first, second = trawl.requests[0], trawl.requests[1]
    first_name = session.get(Agency, first.agency_id).name
    second_name = session.get(Agency, second.agency_id).name
    client = page_app.test_client()
    open_link(client, session, second)
    words = text(client.get("/return/start"))
    assert second_name in words and first_name not in words
    # Answers go to the request the link opened, never another agency's.
    post(client, f"/return/person/{trawl.people[0].id}", NO_TRACE)
    session.rollback()
    assert session.get(TrawlRequest, second.id).draft is not None
    assert session.get(TrawlRequest, first.id).draft is None


def test_another_trawls_link_opens_only_that_trawl(page_app, session, partnership, trawl):
    other = sent_trawl(session, partnership, agency_count=1)
    session.commit()
    client = page_app.test_client()
    open_link(client, session, other.requests[0])
    assert client.get(f"/return/person/{other.people[0].id}").status_code == 200
    # This trawl's people are not part of that request: not found, and not nameable.
    assert client.get(f"/return/person/{trawl.people[0].id}").status_code == 404
    body = post(client, "/return/chronology/0",
                chronology_entry(trawl.people[0].id)).get_data(as_text=True)  # fmt: skip
    assert "Select who the contact was with" in body
    session.rollback()
    assert session.get(TrawlRequest, other.requests[0].id).draft is None


def test_opening_a_second_link_switches_the_browser_to_that_request(page_app, session, trawl):
    first, second = trawl.requests[0], trawl.requests[1]
    client = page_app.test_client()
    open_link(client, session, first)
    open_link(client, session, second)
    assert session.get(Agency, second.agency_id).name in text(client.get("/return/start"))


def test_the_token_is_not_left_in_the_address(page_client, session, trawl):
    response = open_link(page_client, session, trawl.requests[0])
    assert response.status_code == 302
    assert response.headers["Location"] == "/return/start"
    assert "token" not in response.headers["Location"]
    # Visiting /return again without the token goes back to the form.
    assert page_client.get("/return").headers["Location"] == "/return/start"
