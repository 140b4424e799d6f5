"""Where each answer goes: every consent given, declined or withdrawn reaches exactly the DHR
officer's inbox, the partnership's chair inbox and the case's own chairs, each with the signed
form attached; subjects carry the case reference and never a name; an address outside the
secure-domain allowlist gets no content. One run goes through a real SMTP server."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from service import clock, runtime
from service.consent import responses
from service.models import (
    Case,
    CaseChair,
    ConsentRequest,
    ConsentStatus,
    Message,
    MessageStatus,
    Role,
    UserStatus,
)
from tests.consent.factories import (
    FAMILY_EMAIL,
    FAMILY_NAME,
    PEOPLE,
    SIGNED_NAME,
    VICTIM,
    answer,
    ask,
    link_path,
    pdf_text,
)
from tests.console import make_user
from tests.jobs import run_worker_burst

OFFICER_INBOX = "dhr.officer@exampleshire.gov.uk"
CHAIR_INBOX = "independent.chair@exampleshire.cjsm.net"
CASE_CHAIR = "case.chair@exampleshire.gov.uk"
ANSWERED_AT = dt.datetime(2026, 12, 9, 11, 0, tzinfo=dt.UTC)
NAMES = [VICTIM, FAMILY_NAME, SIGNED_NAME, *[p["name"] for p in PEOPLE]]


@pytest.fixture(autouse=True)
def answering_time():
    with clock.frozen_at(ANSWERED_AT) as moment:
        yield moment


@pytest.fixture
def request_(session, partnership) -> ConsentRequest:
    """A request on a case with one assigned chair (and a disabled one, who gets nothing)."""
    chair = make_user(session, partnership, Role.CHAIR, email=CASE_CHAIR)
    gone = make_user(session, partnership, Role.CHAIR, email="gone.chair@exampleshire.gov.uk")
    gone.status = UserStatus.DISABLED
    req = ask(session, partnership)
    session.add_all([CaseChair(case_id=req.case_id, user_id=chair.id),
                     CaseChair(case_id=req.case_id, user_id=gone.id)])  # fmt: skip
    session.commit()
    return req


def answers_sent(session, purpose: str) -> list[Message]:
    session.rollback()
    return list(
        session.scalars(
            select(Message).where(Message.purpose == purpose).order_by(Message.recipient)
        )
    )


def assert_routed(session, req: ConsentRequest, purpose: str, title: str) -> list[Message]:
    sent = answers_sent(session, purpose)
    reference = session.get(Case, req.case_id).reference
    assert sorted(m.recipient for m in sent) == sorted([OFFICER_INBOX, CHAIR_INBOX, CASE_CHAIR])
    for message in sent:
        assert message.policy == "secure" and message.sensitive is True
        assert message.subject == f"OFFICIAL-SENSITIVE: {title} [{reference}]"
        for name in NAMES:
            assert name not in message.subject
            assert name not in message.body_text and name not in (message.body_html or "")
        (attachment,) = message.attachments
        assert attachment.content_type == "application/pdf"
        words = pdf_text(attachment.data)
        assert SIGNED_NAME in words and VICTIM in words and reference in words
    return sent


def test_consent_given_reaches_exactly_the_chairs_and_the_dhr_officer(
    page_client, session, request_
):
    page_client.get(link_path(session, request_))
    answer(page_client, victim="yes", suspect="no")
    sent = assert_routed(session, request_, "consent.response", "Family consent form received")
    assert sent[0].attachments[0].filename.startswith("consent-form-EXA-DHR-2026-")
    assert "Answer: partial consent" in sent[0].body_text
    assert "Information about the suspect or perpetrator: consent not given" in sent[0].body_text
    # Nothing of the answer goes to the family's own address.
    family = answers_sent(session, "consent.request")
    assert [m.recipient for m in family] == [FAMILY_EMAIL]


def test_consent_declined_reaches_the_same_people(page_client, session, request_):
    page_client.get(link_path(session, request_))
    answer(page_client, victim="no", suspect="no")
    sent = assert_routed(session, request_, "consent.response", "Family consent form received")
    assert "Answer: consent not given" in sent[0].body_text


def test_a_withdrawal_reaches_the_same_people(session, request_):
    today = clock.now().date()
    responses.record(session, request_, victim_information=True, suspect_information=True,
                     signed_name=SIGNED_NAME, signed_on=today)  # fmt: skip
    responses.record(session, request_, withdraw=True, signed_name=SIGNED_NAME, signed_on=today)
    session.commit()
    sent = assert_routed(session, request_, "consent.withdrawal", "Family consent withdrawn")
    assert sent[0].attachments[0].filename.startswith("withdrawal-EXA-DHR-2026-")
    assert "Withdrawal of consent" in pdf_text(sent[0].attachments[0].data)
    assert session.get(ConsentRequest, request_.id).status is ConsentStatus.WITHDRAWN


def test_an_insecure_chair_address_gets_no_content(session, partnership, request_):
    # Console users must have secure addresses; an inbox set in the partnership's file may not.
    partnership.inboxes = {**partnership.inboxes, "chair": ["chair@example.com"]}
    session.commit()
    responses.record(session, request_, victim_information=True, suspect_information=True,
                     signed_name=SIGNED_NAME, signed_on=clock.now().date())  # fmt: skip
    session.commit()
    sent = answers_sent(session, "consent.response")
    (notice,) = [m for m in sent if m.recipient == "chair@example.com"]
    assert notice.policy == "notice" and notice.attachments == []
    assert "Family consent" not in notice.subject
    assert SIGNED_NAME not in notice.body_text
    assert sorted(m.recipient for m in sent if m.policy == "secure") == [CASE_CHAIR, OFFICER_INBOX]


def test_the_answer_is_kept_when_nobody_is_configured_to_get_it(session, partnership):
    partnership.inboxes = {}
    req = ask(session, partnership)
    session.commit()
    responses.record(session, req, victim_information=False, suspect_information=False,
                     signed_name=SIGNED_NAME, signed_on=clock.now().date())  # fmt: skip
    session.commit()
    assert answers_sent(session, "consent.response") == []
    assert session.get(ConsentRequest, req.id).status is ConsentStatus.DECLINED


def test_delivered_through_smtp_with_the_signed_form(
    page_client, session, settings, request_, mail_server
):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    page_client.get(link_path(session, request_))
    answer(page_client, victim="yes", suspect="yes")

    run_worker_burst()

    reference = session.get(Case, request_.case_id).reference
    got = {}
    for received in mail_server.messages:
        for address in received.rcpt_tos:
            got.setdefault(address, []).append(received.message)
    assert sorted(got) == sorted([FAMILY_EMAIL, OFFICER_INBOX, CHAIR_INBOX, CASE_CHAIR])
    for address in (OFFICER_INBOX, CHAIR_INBOX, CASE_CHAIR):
        (message,) = got[address]
        title = "Family consent form received"
        assert message["Subject"] == f"OFFICIAL-SENSITIVE: {title} [{reference}]"
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename().endswith(".pdf")
        words = pdf_text(attachment.get_content())
        assert SIGNED_NAME in words and "Consent given" in words
        body = message.get_body(("plain",)).get_content()
        for name in NAMES:
            assert name not in body
    (family,) = got[FAMILY_EMAIL]
    assert list(family.iter_attachments()) == []
    body = family.get_body(("plain",)).get_content()
    assert "/consent/" in body and VICTIM not in body and reference not in body
    session.rollback()
    assert {m.status for m in session.scalars(select(Message))} == {MessageStatus.SENT}
