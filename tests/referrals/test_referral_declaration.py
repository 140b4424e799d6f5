"""The referral's declaration (the protocol's Appendix A): the referrer and the safeguarding lead
each sign with their typed full name and the date, on the check page, before it is sent. Bad
input gets the GOV.UK error summary and sends nothing; the signatures are stored with the
referral and shown to the officer and in the PDF the partnership receives."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pypdf
import pytest
from sqlalchemy import select

from service import clock
from service.models import Message, MessageAttachment, Referral, ReferralStatus
from tests.referrals.factories import complete_answers
from tests.referrals.filling import SIGNED, declaration, fill_referral, post

#: While the referral is signed: a Thursday in December 2026.
SIGNING_AT = dt.datetime(2026, 12, 10, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def signing_time():
    with clock.frozen_at(SIGNING_AT) as moment:
        yield moment


def text(response) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split()))


def referrals(session) -> list[Referral]:
    session.rollback()
    return session.scalars(select(Referral).order_by(Referral.id)).all()


def pdf_words(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_declaration_is_signed_stored_and_shown_to_the_officer_and_in_the_pdf(
    page_client, page_app, signed_in, session, partnership
):
    browser = page_app.test_client()
    fill_referral(browser, complete_answers())
    check = browser.get("/refer/check").get_data(as_text=True)
    assert "Signature of referrer" in check and "Signature of safeguarding lead" in check
    # The referrer's date starts as today's; the lead's is theirs to give.
    assert re.search(r'id="referrer_signed_on-day"[^>]*value="10"', check)
    assert re.search(r'id="lead_signed_on-day"[^>]*value=""', check)

    lead_day = dt.date(2026, 12, 8)
    sent = post(browser, "/refer/check", declaration(lead_signed_on=lead_day))
    assert sent.headers["Location"] == "/refer/confirmation"
    (referral,) = referrals(session)
    assert referral.status is ReferralStatus.SUBMITTED
    assert {k: referral.answers[k] for k in (
        "referrer_signature", "referrer_signed_on", "lead_signature", "lead_signed_on")} == {
        "referrer_signature": SIGNED["referrer_signature"], "referrer_signed_on": "2026-12-10",
        "lead_signature": SIGNED["lead_signature"], "lead_signed_on": "2026-12-08",
    }  # fmt: skip

    # In the PDF the partnership's referral inbox receives, and the referrer's copy.
    (message,) = session.scalars(select(Message).where(Message.purpose == "referral.submitted"))
    (attached,) = session.scalars(
        select(MessageAttachment).where(MessageAttachment.message_id == message.id)
    )
    for data in (attached.data, browser.get("/refer/confirmation/referral.pdf").data):
        words = pdf_words(data)
        assert "Declaration" in words
        assert f"Signature of referrer {SIGNED['referrer_signature']}" in words
        assert "Date signed by the referrer 10 December 2026" in words
        assert f"Signature of safeguarding lead {SIGNED['lead_signature']}" in words
        assert "Date signed by the safeguarding lead 8 December 2026" in words

    # On the officer's view of the referral.
    page = text(signed_in.get(f"/console/referrals/{referral.id}"))
    assert (
        f"Declaration Signature of referrer {SIGNED['referrer_signature']} "
        "Date signed by the referrer 10 December 2026 "
        f"Signature of safeguarding lead {SIGNED['lead_signature']} "
        "Date signed by the safeguarding lead 8 December 2026"
    ) in page


@pytest.mark.parametrize(
    ("change", "messages"),
    [
        ({"referrer_signature": "", "lead_signature": "  "},
         ["Enter your full name as your signature",
          "Enter the safeguarding lead's full name as their signature"]),
        ({"referrer_signature": "x" * 201}, ["The signature must be 200 characters or fewer"]),
        ({"referrer_signed_on-day": "", "referrer_signed_on-month": "",
          "referrer_signed_on-year": ""}, ["Enter the date you signed"]),
        ({"lead_signed_on-day": "", "lead_signed_on-month": "", "lead_signed_on-year": ""},
         ["Enter the date the safeguarding lead signed"]),
        ({"referrer_signed_on-day": "11"},
         ["The date signed by the referrer must be today or in the past"]),
        ({"lead_signed_on-day": "31", "lead_signed_on-month": "2", "lead_signed_on-year": "2026"},
         ["The date signed by the safeguarding lead must be a real date"]),
        ({"lead_signed_on-month": ""},
         ["The date signed by the safeguarding lead must include a month"]),
    ],
)  # fmt: skip
def test_a_missing_or_wrong_signature_is_named_and_nothing_is_sent(
    page_client, session, partnership, change, messages
):
    fill_referral(page_client, complete_answers())
    response = post(page_client, "/refer/check", {**declaration(), **change})
    assert response.status_code == 200
    body = text(response)
    assert "There is a problem" in body
    assert response.get_data(as_text=True).count("govuk-error-summary__list") == 1
    assert "<title>Error: " in response.get_data(as_text=True)
    for message in messages:
        assert body.count(message) == 2, message  # in the summary and on the field
    (referral,) = referrals(session)
    assert referral.status is ReferralStatus.DRAFT
    assert "referrer_signature" not in referral.answers
    assert session.scalars(select(Message)).all() == []
    # What was typed is kept.
    posted = {**declaration(), **change}
    for name in ("referrer_signature", "lead_signature"):
        value = posted[name].strip()
        if value:
            assert f'value="{value}"' in response.get_data(as_text=True), name


def test_a_referral_sent_before_the_declaration_was_asked_says_so(
    signed_in, make_referral, partnership
):
    referral = make_referral(partnership)
    page = text(signed_in.get(f"/console/referrals/{referral.id}"))
    assert "sent before the form asked for the referrer’s and the safeguarding lead’s" in page
