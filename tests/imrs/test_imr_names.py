"""The partnership's names setting on the rest of the IMR form: the guidance on the report's
pages says how to name people, and the QA form's anonymised details refuse a full name where
initials are asked and take one where real names are."""

from __future__ import annotations

import pytest

from service import clock
from service.models import ImrNames
from tests.imrs.factories import ANSWERING_AT, requested_imr
from tests.imrs.filling import ANONYMISED, open_link, post, text

INITIALS_GUIDANCE = "Doctor Smith should be Doctor S, and Joe Bloggs should read JB"
REAL_NAMES_GUIDANCE = "Use the real names of practitioners and of the people in this review"


@pytest.fixture(autouse=True)
def answering():
    with clock.frozen_at(ANSWERING_AT) as moment:
        yield moment


def opened(client, session, partnership, names: ImrNames):
    partnership.imr_names = names
    req = requested_imr(session, partnership)
    session.commit()
    open_link(client, session, req)
    post(client, "/imr/report", {"way": "write"})
    return req


def test_where_initials_are_asked_the_guidance_says_so_and_the_qa_form_refuses_a_full_name(
    page_client, session, partnership
):
    opened(page_client, session, partnership, ImrNames.INITIALS)
    for page in ("/imr/report/sections", "/imr/report/section/cover"):
        shown = text(page_client.get(page))
        assert INITIALS_GUIDANCE in shown and REAL_NAMES_GUIDANCE not in shown, page
    refused = text(post(page_client, "/imr/anonymised",
                        {**ANONYMISED, "victim_initials": "Alice Example"}))  # fmt: skip
    assert "There is a problem Enter the victim's initials only, for example J.S." in refused
    assert post(page_client, "/imr/anonymised", ANONYMISED).status_code == 302


def test_where_real_names_are_used_the_guidance_says_so_and_the_qa_form_takes_a_name(
    page_client, session, partnership
):
    opened(page_client, session, partnership, ImrNames.REAL_NAMES)
    for page in ("/imr/report/sections", "/imr/report/section/cover"):
        shown = text(page_client.get(page))
        assert REAL_NAMES_GUIDANCE in shown and INITIALS_GUIDANCE not in shown, page
    response = post(page_client, "/imr/anonymised",
                    {**ANONYMISED, "victim_initials": "Alice Example"})  # fmt: skip
    assert response.status_code == 302, text(response)[:1000]
