"""Submitting a referral: the reference, the PDF to the referral inbox, the acknowledgements,
the decision date and the audit, all in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from typing import Any

import pypdf
import pytest
from sqlalchemy import func, select

from forms.referral import SECTIONS, problems
from service import clock, db, runtime
from service.models import AuditEvent, Message, MessageStatus, Referral, ReferralStatus
from service.referrals import submission
from service.referrals.submission import AlreadySubmitted, NotReady, new_reference, submit
from tests.jobs import queued_message_ids, run_worker_burst
from tests.referrals.factories import complete_answers, draft_referral

INBOX = "dhr@exampleshire.gov.uk"
REFERRER = "robin.referrer@exampleshire.gov.uk"
LEAD = "lee.leadperson@exampleshire.gov.uk"
SUBMITTED_AT = dt.datetime(2026, 11, 20, 14, 5, tzinfo=dt.UTC)


def answer_values(answers: dict[str, Any]) -> set[str]:
    """Every free-text answer (names, addresses, phones, emails, dates, details), and each line
    of a multi-line one: none of them may appear in an email's subject or body."""
    values: set[str] = set()

    def add(value: Any) -> None:
        if isinstance(value, str) and value not in ("yes", "no", "not_known", "known", "believed"):
            values.add(value)
            values.update(line.strip() for line in value.splitlines() if line.strip())

    for key, value in answers.items():
        if isinstance(value, list):
            for item in value:
                for item_value in item.values():
                    add(item_value)
        elif not key.endswith("_any"):
            add(value)
    return values


def leaked(text: str | None, answers: dict[str, Any]) -> list[str]:
    """The answer values found in ``text`` (as whole words; HTML entities decoded)."""
    plain = html.unescape(text or "")
    return sorted(
        v for v in answer_values(answers) if re.search(rf"(?<!\w){re.escape(v)}(?!\w)", plain)
    )


def messages(session, purpose: str | None = None) -> list[Message]:
    session.expire_all()
    query = select(Message).order_by(Message.recipient)
    if purpose:
        query = query.where(Message.purpose == purpose)
    return list(session.scalars(query))


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def submitted(session, partnership) -> Iterator[Referral]:
    """A complete referral, submitted at SUBMITTED_AT and committed."""
    referral = draft_referral(session, partnership)
    with clock.frozen_at(SUBMITTED_AT):
        submit(session, referral, client_address="203.0.113.9")
    session.commit()
    yield referral


def test_the_factory_answers_are_a_complete_valid_referral():
    assert problems(complete_answers()) == {}
    answers = complete_answers()
    assert len(answers["victim_household"]) == 2
    assert len(answers["suspect_household"]) == 1
    assert len(answers["other_agencies"]) == 2
    # A fresh copy every time: changing one does not change the next.
    answers["victim_household"].clear()
    assert len(complete_answers()["victim_household"]) == 2


def test_submitting_sets_the_reference_status_and_dates(submitted):
    assert submitted.status is ReferralStatus.SUBMITTED
    assert re.fullmatch(r"[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}", submitted.reference)
    assert clock.as_utc(submitted.submitted_at) == SUBMITTED_AT
    assert clock.as_utc(submitted.decision_due_at) == SUBMITTED_AT + dt.timedelta(days=30)
    assert submitted.expires_at is None
    assert submitted.acknowledgement_withheld is False


def test_the_decision_is_due_after_the_partnerships_decision_days(session, partnership):
    partnership.decision_days = 21
    referral = draft_referral(session, partnership)
    with clock.frozen_at(SUBMITTED_AT):
        submit(session, referral)
    session.commit()
    assert clock.as_utc(referral.decision_due_at) == SUBMITTED_AT + dt.timedelta(days=21)


def test_the_referral_inbox_gets_one_message_with_the_pdf_and_no_names(
    session, settings, submitted
):
    (message,) = messages(session, "referral.submitted")
    ref = submitted.reference
    assert message.recipient == INBOX
    assert message.status is MessageStatus.QUEUED
    assert message.subject == f"OFFICIAL-SENSITIVE: New DHR referral [{ref}]"
    assert message.reference == ref
    answers = submitted.answers
    assert leaked(message.subject, answers) == []
    assert leaked(message.body_text, answers) == []
    assert leaked(message.body_html, answers) == []
    link = f"{settings.SERVICE_URL}/console/referrals/{submitted.id}"
    assert link in message.body_text
    assert f'href="{link}"' in message.body_html
    assert ref in message.body_text
    assert "attached" in message.body_text
    assert "20 December 2026" in message.body_text  # the decision is due 30 days on
    (attachment,) = message.attachments
    assert attachment.filename == f"referral-{ref}.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.data.startswith(b"%PDF-")
    assert message.id in queued_message_ids()  # handed to the queue once committed


def test_the_pdf_holds_every_section_and_answer(session, submitted):
    (message,) = messages(session, "referral.submitted")
    data = message.attachments[0].data
    text = flat(pdf_text(data))
    answers = submitted.answers

    assert "Referral for a Domestic Homicide Review" in text
    assert "Exampleshire Community Safety Partnership" in text
    assert submitted.reference in text
    assert "20 November 2026 at 2:05pm" in text  # the submission time in the UK (GMT)
    for section in SECTIONS:
        assert flat(section.heading) in text
    assert answers["deceased_name"] in text
    assert "17 May 1980" in text
    for person in [*answers["victim_household"], *answers["suspect_household"]]:
        assert person["name"] in text
    for agency in answers["other_agencies"]:
        assert agency["agency"] in text
        assert flat(agency["reason"]) in text
    for item in ("Person 1", "Person 2", "Agency 1", "Agency 2"):
        assert item in text
    assert "Did anyone else live at the victim's address? Yes" in text
    assert "Are other agencies known to have been involved? Yes" in text
    assert answers["suspect_name"] in text
    assert flat(answers["summary"]) in text

    # The criteria guidance, clearly guidance.
    assert "Criteria guidance" in text
    assert "Guidance only: the decision is made by the partnership" in text
    assert "Age at death 46" in text
    assert "Yes, they appear to" in text
    assert "The deceased was 46 at the date of death." in text

    # Marked on every page, and numbered.
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert pages > 1
    for number, page in enumerate(reader.pages, start=1):
        page_text = page.extract_text()
        assert page_text.count("OFFICIAL-SENSITIVE") == 2  # top and bottom
        assert f"Page {number} of {pages}" in page_text
    assert reader.metadata.title == f"Referral for a Domestic Homicide Review {submitted.reference}"


def test_the_pdf_says_when_the_answers_do_not_appear_to_meet_the_criteria(session, partnership):
    answers = complete_answers(criteria_related="no", deceased_dob="2012-01-01")
    referral = draft_referral(session, partnership, answers)
    submit(session, referral)
    (message,) = messages(session, "referral.submitted")
    text = flat(pdf_text(message.attachments[0].data))
    assert "Age at death 14" in text
    assert "No, they do not appear to" in text
    assert "The referrer answered no to each of the relationship criteria." in text
    assert "Guidance only: the decision is made by the partnership" in text


def test_each_secure_address_gets_one_acknowledgement_without_personal_data(session, submitted):
    acks = messages(session, "referral.acknowledgement")
    assert [m.recipient for m in acks] == sorted([REFERRER, LEAD])
    ref = submitted.reference
    for ack in acks:
        assert ack.subject == f"OFFICIAL-SENSITIVE: DHR referral received [{ref}]"
        assert ack.attachments == []
        assert ref in ack.body_text and ref in ack.body_html
        assert "has received a referral" in ack.body_text
        assert "DHR sub-group" in ack.body_text
        assert "about a month" in ack.body_text
        assert "dhr@exampleshire.gov.uk" in ack.body_text
        assert "01632 960 000" in ack.body_text
        for part in (ack.subject, ack.body_text, ack.body_html):
            assert leaked(part, submitted.answers) == []


def test_the_same_address_for_referrer_and_lead_gets_one_acknowledgement(session, partnership):
    answers = complete_answers(
        referrer_email="Safeguarding.Team@Exampleshire.GOV.UK",
        lead_email="Safeguarding.Team@exampleshire.gov.uk ",
    )
    referral = draft_referral(session, partnership, answers)
    submit(session, referral)
    session.commit()
    (ack,) = messages(session, "referral.acknowledgement")
    assert ack.recipient == "Safeguarding.Team@exampleshire.gov.uk"
    assert referral.acknowledgement_withheld is False


def test_a_referrer_address_that_is_not_secure_gets_no_acknowledgement(session, partnership):
    answers = complete_answers(referrer_email="robin.referrer@gmail.com")
    referral = draft_referral(session, partnership, answers)
    submit(session, referral, client_address="203.0.113.9")
    session.commit()

    assert referral.status is ReferralStatus.SUBMITTED
    assert referral.acknowledgement_withheld is True
    (ack,) = messages(session, "referral.acknowledgement")
    assert ack.recipient == LEAD
    assert [m.recipient for m in messages(session)] == [INBOX, LEAD]  # nothing to gmail.com
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "referral.submitted"))
    assert event.detail["acknowledgement_withheld"] is True


def test_no_secure_address_at_all_means_no_acknowledgement(session, partnership):
    answers = complete_answers(
        referrer_email="robin.referrer@gmail.com", lead_email="lee.leadperson@example.com"
    )
    referral = draft_referral(session, partnership, answers)
    submit(session, referral)
    session.commit()
    assert referral.status is ReferralStatus.SUBMITTED
    assert referral.acknowledgement_withheld is True
    assert messages(session, "referral.acknowledgement") == []
    assert [m.recipient for m in messages(session)] == [INBOX]


def test_incomplete_answers_are_not_ready_and_nothing_is_queued(session, partnership):
    answers = complete_answers()
    del answers["deceased_name"]
    answers["criteria_age"] = "perhaps"
    referral = draft_referral(session, partnership, answers)
    session.commit()

    with pytest.raises(NotReady) as raised:
        submit(session, referral)
    assert set(raised.value.problems) == {"deceased_name", "criteria_age"}
    session.commit()

    assert referral.status is ReferralStatus.DRAFT
    assert referral.reference is None
    assert referral.submitted_at is None
    assert session.scalar(select(func.count()).select_from(Message)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "referral.submitted")) == 0  # fmt: skip
    assert queued_message_ids() == []


def test_a_referral_is_submitted_only_once(session, submitted):
    reference = submitted.reference
    with pytest.raises(AlreadySubmitted) as raised:
        submit(session, submitted)
    assert "status" in raised.value.problems
    session.commit()
    assert submitted.reference == reference
    assert len(messages(session, "referral.submitted")) == 1


def test_a_stale_copy_of_the_draft_cannot_submit_it_again(session, partnership):
    """Two requests with the same draft (a double click): the second, holding the draft as it
    read it before the first committed, finds no draft to submit."""
    referral = draft_referral(session, partnership)
    session.commit()
    other = db.Sessions.session_factory(expire_on_commit=False)
    try:
        stale = other.get(Referral, referral.id)
        other.commit()  # its read snapshot ends; the object keeps what it read
        submit(session, referral)
        session.commit()

        other.connection(execution_options={db.WRITE_OPTION: True})  # as db.transaction()
        assert stale.status is ReferralStatus.DRAFT
        with pytest.raises(AlreadySubmitted):
            submit(other, stale)
        other.rollback()
    finally:
        other.close()
    assert len(messages(session, "referral.submitted")) == 1
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "referral.submitted")) == 1  # fmt: skip


def test_nothing_is_sent_if_the_callers_transaction_rolls_back(session, partnership):
    referral = draft_referral(session, partnership)
    session.commit()
    submit(session, referral)
    session.rollback()
    assert session.get(Referral, referral.id).status is ReferralStatus.DRAFT
    assert session.scalar(select(func.count()).select_from(Message)) == 0
    assert queued_message_ids() == []


def test_the_submission_is_audited_with_identifiers_only(session, submitted):
    (event,) = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral.submitted")
    ).all()
    assert event.actor == "public"
    assert event.partnership_id == submitted.partnership_id
    assert event.object_type == "referral"
    assert event.object_id == str(submitted.id)
    assert event.client_address == "203.0.113.9"
    assert event.detail == {
        "reference": submitted.reference,
        "acknowledgement_withheld": False,
    }
    assert clock.as_utc(event.at) == SUBMITTED_AT


def test_references_use_the_alphabet_without_look_alikes(session, partnership):
    references = {new_reference(session) for _ in range(500)}
    assert len(references) == 500
    for reference in references:
        assert len(reference) == 10
        assert set(reference) <= set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        assert not set(reference) & set("01OIL")


def test_a_reference_already_used_is_never_given_again(session, partnership, monkeypatch):
    """The random source is scripted (the code under test is not): it first offers a
    reference a referral already has, and new_reference must draw again."""
    used = draft_referral(session, partnership)
    used.reference = "ABCDEFGH23"
    session.flush()
    script = iter("ABCDEFGH23" + "ZZZZZZZZ99")

    class Scripted:
        @staticmethod
        def choice(alphabet: str) -> str:
            assert alphabet == submission.REFERENCE_ALPHABET
            return next(script)

    monkeypatch.setattr(submission, "secrets", Scripted)
    assert new_reference(session) == "ZZZZZZZZ99"


def test_delivered_through_smtp_with_the_pdf(session, settings, partnership, mail_server):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    referral = draft_referral(session, partnership)
    submit(session, referral)
    session.commit()

    run_worker_burst()

    ref = referral.reference
    got = {r.rcpt_tos[0]: r.message for r in mail_server.messages}
    assert sorted(got) == sorted([INBOX, REFERRER, LEAD])
    inbox = got[INBOX]
    assert inbox["Subject"] == f"OFFICIAL-SENSITIVE: New DHR referral [{ref}]"
    (attachment,) = list(inbox.iter_attachments())
    assert attachment.get_filename() == f"referral-{ref}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert "Alex Example" in pdf_text(attachment.get_content())
    assert "Alex Example" not in inbox.get_body(("plain",)).get_content()
    for address in (REFERRER, LEAD):
        ack = got[address]
        assert ack["Subject"] == f"OFFICIAL-SENSITIVE: DHR referral received [{ref}]"
        assert list(ack.iter_attachments()) == []
        body = ack.get_body(("plain",)).get_content()
        assert ref in body
        assert leaked(body, referral.answers) == []
    assert {m.status for m in messages(session)} == {MessageStatus.SENT}
