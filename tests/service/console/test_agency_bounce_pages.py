"""The console's pages about an agency address that bounced: "bounced on DATE" against the
address on the agency's pages, the trawl's check page warning before it is used again, and the
page that sends the bounced requests again once the address is corrected."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from service import clock
from service.models import Agency, Role, TrawlRequest
from service.trawls import messages, sending
from tests.console import make_user, post_form, sign_in
from tests.requests.bouncing import bounce, mark_all_sent
from tests.requests.bouncing import messages as outbox
from tests.trawls.factories import make_case, sent_trawl

LIST = "/console/agencies"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def bounced(session, partnership):
    """A trawl sent now to one agency, whose only address bounced."""
    now = clock.now()
    trawl = sent_trawl(session, partnership, agency_count=1, at=now)
    session.commit()
    (request,) = trawl.requests
    agency = request.agency
    mark_all_sent(session, now)
    (email,) = outbox(session, messages.REQUEST.name, agency.secure_addresses[0])
    bounce(email, now)
    session.rollback()
    return {
        "agency": session.get(Agency, agency.id),
        "request": session.get(TrawlRequest, request.id),
        "address": agency.secure_addresses[0],
        "today": clock.long_date(now),
    }


def test_the_agency_list_and_page_say_when_an_address_bounced(signed_in, bounced):
    agency, address, today = bounced["agency"], bounced["address"], bounced["today"]
    listing = text_of(signed_in.get(LIST))
    (item,) = [li for li in re.findall(r"<li>(.*?)</li>", listing, re.S) if address in li]
    assert f"Bounced on {today}" in item
    assert listing.count("Bounced on") == 1  # the other agencies' addresses never bounced

    page = text_of(signed_in.get(f"/console/agencies/{agency.id}/edit"))
    assert "govuk-warning-text" in page
    assert f"{address}</span>: bounced on {today}" in page


def test_the_trawls_check_page_warns_before_sending_to_an_address_that_bounced(
    signed_in, session, partnership, bounced
):
    agency = bounced["agency"]
    case = make_case(session, partnership)
    draft = sending.start(session, case, created_by=None)
    others = session.scalars(
        select(Agency.id).where(Agency.partnership_id == partnership.id, Agency.id != agency.id)
    ).first()
    draft.agency_ids = [agency.id, others]
    session.commit()

    page = text_of(signed_in.get(f"/console/trawls/{draft.id}/check"))

    assert "Addresses that bounced before" in page
    warning = page.split('id="bounced-agencies"')[1].split("</ul>")[0]
    assert agency.name in warning and bounced["address"] in warning
    assert f"bounced on {bounced['today']}" in warning
    assert session.get(Agency, others).name not in warning
    # Without that agency there is no warning.
    draft.agency_ids = [others]
    session.commit()
    assert "Addresses that bounced before" not in text_of(
        signed_in.get(f"/console/trawls/{draft.id}/check")
    )


def test_correcting_the_address_asks_whether_the_due_date_restarts(signed_in, session, bounced):
    agency, request = bounced["agency"], bounced["request"]
    confirm = f"/console/agencies/{agency.id}/send-again"
    # Nothing to send before the address is corrected.
    assert "No request to" in text_of(signed_in.get(confirm))

    new_address = f"corrected@{bounced['address'].split('@')[1]}"
    saved = post_form(signed_in, f"/console/agencies/{agency.id}/edit", {
        "name": agency.name, "secure_addresses": new_address, "escalation_contact": "",
    })  # fmt: skip
    assert saved.status_code == 302
    assert urlsplit(saved.headers["Location"]).path == confirm

    page = text_of(signed_in.get(confirm))
    assert "Should the due date restart?" in page
    assert new_address in page and f"/console/trawl-requests/{request.id}" in page
    refused = post_form(signed_in, confirm, {"restart": "sometime"})
    assert refused.status_code == 400
    problem = text_of(refused)
    assert "There is a problem" in problem and 'href="#restart"' in problem
    assert "Select whether the due date restarts" in problem
    assert outbox(session, messages.REQUEST.name, new_address) == []

    done = post_form(signed_in, confirm, {"restart": "keep"})
    assert done.status_code == 302 and urlsplit(done.headers["Location"]).path == LIST
    assert "1 request sent again to" in text_of(signed_in.get(LIST))
    (resent,) = outbox(session, messages.REQUEST.name, new_address)
    assert resent.recipient == new_address
    session.rollback()
    assert session.get(TrawlRequest, request.id).due_date == request.due_date


def test_only_officers_send_requests_again(page_client, session, partnership, bounced):
    viewer = make_user(session, partnership, Role.VIEWER, email="vic.viewer@exampleshire.gov.uk")
    assert sign_in(page_client, viewer).status_code == 302
    response = page_client.get(f"/console/agencies/{bounced['agency'].id}/send-again")
    assert response.status_code == 403
