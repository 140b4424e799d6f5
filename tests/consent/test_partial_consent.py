"""A family member who gives consent about the victim but declines it about the suspect (or the
other way round) has given partial consent, and everything says exactly that: the confirmation
page, the email to the review, the signed form, and the console's tracker. Nothing tells them,
or the review, that services may share all the information they hold."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from sqlalchemy import select

from service import clock
from service.models import Case, ConsentRequest, ConsentStatus, Message
from tests.consent.factories import VICTIM, answer, ask, link_path, pdf_text

ANSWERED_AT = dt.datetime(2026, 12, 9, 11, 0, tzinfo=dt.UTC)
#: What the confirmation said to everyone who gave any consent, whatever they had declined.
UNCONDITIONAL = "Services can now share the information they hold with the professionals"
SUSPECT_DECLINED = "Consent not given to share information about the suspect or perpetrator"


@pytest.fixture(autouse=True)
def answering_time():
    with clock.frozen_at(ANSWERED_AT) as moment:
        yield moment


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.fixture
def partial(page_client, session, partnership) -> ConsentRequest:
    """Yes about the victim, no about the suspect, sent from the family member's browser."""
    req = ask(session, partnership)
    session.commit()
    page_client.get(link_path(session, req))
    sent = answer(page_client, victim="yes", suspect="no")
    assert sent.headers["Location"] == "/consent/sent"
    session.rollback()
    return session.get(ConsentRequest, req.id)


def test_the_confirmation_says_what_was_agreed_and_what_was_not(page_client, partial):
    assert partial.status is ConsentStatus.GIVEN  # it can still be withdrawn
    page = text(page_client.get("/consent/sent"))
    assert "You have given consent for some of the information, not all of it" in page
    assert f"Consent given to share information about {VICTIM}" in page
    assert SUSPECT_DECLINED in page
    assert UNCONDITIONAL not in page
    assert (
        f"Services can now share the information they hold about {VICTIM} with the "
        "professionals carrying out the review" in page
    )
    assert "You have not given consent for information about the suspect or perpetrator" in page
    start = text(page_client.get("/consent/start"))
    assert (
        f"You gave consent for information about {VICTIM}, but not about the suspect or "
        "perpetrator, on 9 December 2026" in start
    )


def test_full_consent_says_it_covers_both(page_client, session, partnership):
    req = ask(session, partnership)
    session.commit()
    page_client.get(link_path(session, req))
    answer(page_client, victim="yes", suspect="yes")
    page = text(page_client.get("/consent/sent"))
    assert "Consent given" in page and "not all of it" not in page
    assert (
        f"Services can now share the information they hold about {VICTIM} and about the "
        "suspect or perpetrator" in page
    )


def test_the_signed_form_says_partial_consent_and_each_choice(page_client, session, partial):
    words = pdf_text(page_client.get("/consent/your-form.pdf").data)
    assert "Partial consent" in words
    assert f"Consent given to share information about {VICTIM}" in words
    assert SUSPECT_DECLINED in words
    # The copy the review received, too.
    session.rollback()
    (message, *_) = session.scalars(
        select(Message).where(Message.purpose == "consent.response").order_by(Message.id)
    ).all()
    review = pdf_text(message.attachments[0].data)
    assert "Partial consent" in review and SUSPECT_DECLINED in review


def test_the_review_is_told_it_is_partial_without_names_in_the_subject(session, partial):
    sent = session.scalars(select(Message).where(Message.purpose == "consent.response")).all()
    reference = session.get(Case, partial.case_id).reference
    assert sent
    for message in sent:
        assert message.subject == f"OFFICIAL-SENSITIVE: Family consent form received [{reference}]"
        assert "Answer: partial consent" in message.body_text
        assert "Information about the victim: consent given" in message.body_text
        assert "Information about the suspect or perpetrator: consent not given" in (
            message.body_text
        )
        assert "covers only the information marked" in message.body_text
        assert "partial consent" in message.body_html
        assert VICTIM not in message.body_text


def test_the_tracker_shows_partial_consent(signed_in, session, partial):
    tracker = text(signed_in.get(f"/console/cases/{partial.case_id}/consent"))
    assert "Partial consent" in tracker and "Victim: yes. Suspect: no" in tracker
    page = text(signed_in.get(f"/console/consent/{partial.id}"))
    assert "Status Partial consent" in page
    assert "Consent given to share information about the victim" in page
    assert SUSPECT_DECLINED in page


def test_the_collated_summary_says_partial_consent_and_what_was_agreed(signed_in, session, partial):
    from service.summaries import build, documents

    summary = build.build(session, session.get(Case, partial.case_id))
    [line] = summary.consent
    assert line.status_text == "Partial consent"
    assert SUSPECT_DECLINED in line.agreed
    page = text(signed_in.get(f"/console/cases/{partial.case_id}/summary"))
    assert "Partial consent" in page and SUSPECT_DECLINED in page
    assert "Given" not in page.split("Family consent", 1)[1].split("Individual Management", 1)[0]
    # The PDF is laid out from the same partial.
    pdf_html = documents.summary_html(session, session.get(Case, partial.case_id), summary)
    assert "Partial consent" in pdf_html and SUSPECT_DECLINED in pdf_html
