"""A draft for comment in a partnership that offers Welsh and English: each member's request
and reminders are in the language of their emails (its dates too), under the marking in both
languages; the officer's notice stays English. The member's page opens in their language, the
switcher changes it for the rest of the visit, and its errors are in Welsh too."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from service import clock
from service.models import Agency, Case, Message
from service.panels import feedback_messages as messages
from service.panels import feedback_reminders, members
from tests.factories import BOTH_MARKINGS as BOTH
from tests.feedback.factories import (
    ANSWERING_AT,
    BEFORE,
    ON_DAY,
    TITLE,
    answered,
    link_path,
    sent_draft,
)
from tests.trawls.answering import post, text
from tests.trawls.factories import make_case


@pytest.fixture
def draft(session, dyffryn):
    """The draft sent to a member who chose Welsh, one who chose English, and the Welsh-speaking
    social services' representative, who has not chosen (their agency's language)."""
    case = make_case(session, dyffryn)
    social = session.scalar(
        select(Agency).where(Agency.partnership_id == dyffryn.id, Agency.language == "cy")
    )
    panel = [
        members.add(session, case, name="Rhian Prys", agency=None, role=None, actor="test",
                    email="rhian.prys@dyffryn-example.gov.wales", language="cy"),
        members.add(session, case, name="Sam Hughes", agency=None, role=None, actor="test",
                    email="sam.hughes@dyffryn-example.gov.wales", language="en"),
        members.add(session, case, name="Social services representative", agency=social,
                    role=None, email=social.secure_addresses[0], actor="test"),
    ]  # fmt: skip
    row = sent_draft(session, dyffryn, case=case, members=panel)
    session.commit()
    return row


def sent_all(session, purpose: str) -> list[Message]:
    session.rollback()
    return list(session.scalars(select(Message).where(Message.purpose == purpose)))


def sent(session, purpose: str) -> dict[str, Message]:
    """Each address's message of ``purpose`` (one each so far)."""
    found = {m.recipient: m for m in sent_all(session, purpose)}
    assert len(found) == len(sent_all(session, purpose))
    return found


def test_each_member_gets_the_request_and_reminders_in_their_own_language(session, draft):
    case = session.get(Case, draft.case_id)
    ref = f"{case.reference}/D{draft.id}"
    welsh, english, representative = (r.member.email for r in draft.recipients)
    requests = sent(session, messages.REQUEST.name)
    for address in (welsh, representative):
        message = requests[address]
        assert message.subject == f"{BOTH}: Drafft ar gyfer sylwadau [{ref}]"
        body = message.body_text
        assert body.startswith(BOTH) and "Annwyl " in body
        assert f"gofynnir i chi am eich sylwadau ar ddrafft: {TITLE}." in body
        assert "erbyn 14 Rhagfyr 2026, drwy'r ddolen hon:" in body
        assert "Mae'r drafft yn SWYDDOGOL-SENSITIF: cadwch ef ar systemau diogel." in body
        assert "Diolch am eich help gyda'r adolygiad hwn." in body
        assert "December" not in body and "Dear" not in body and "Please send" not in body
        assert '<html lang="cy">' in message.body_html
        assert f"ar ddrafft: {TITLE}." in message.body_html
        assert "<strong>Anfonwch eich sylwadau, neu rhowch wybod i ni nad oes gennych rai, " \
               "erbyn 14 Rhagfyr 2026.</strong>" in message.body_html  # fmt: skip
    message = requests[english]
    assert message.subject == f"{BOTH}: Draft for comment [{ref}]"
    assert "Dear Sam Hughes" in message.body_text and "by 14 December 2026" in message.body_text
    assert "Annwyl" not in message.body_text and '<html lang="en">' in message.body_html

    with clock.frozen_at(BEFORE):
        assert feedback_reminders.send_due_reminders(session, BEFORE) == 3
        session.commit()
    reminders = sent(session, messages.REMINDER.name)
    first = {m.id for m in reminders.values()}
    message = reminders[welsh]
    assert message.subject == f"{BOTH}: Nodyn atgoffa: sylwadau ar ddrafft [{ref}]"
    opening = (
        "Ar 30 Tachwedd 2026, anfonwyd drafft atoch i roi sylwadau arno, ar gyfer achos "
        f"Adolygiad Dynladdiad Domestig {case.reference}: {TITLE}."
    )
    assert opening in message.body_text
    assert "Nodyn i'ch atgoffa bod angen eich sylwadau" in message.body_text
    assert "erbyn 14 Rhagfyr 2026, ac nid ydym wedi cael eich ateb eto." in message.body_text
    assert re.search(r"<strong>Nodyn i'ch atgoffa .*erbyn 14 Rhagfyr 2026</strong>, ac nid",
                     message.body_html)  # fmt: skip
    assert "Rhowch eich sylwadau ar y drafft</a>" in message.body_html
    message = reminders[english]
    assert message.subject == f"{BOTH}: Reminder: comments on a draft [{ref}]"
    assert "On 30 November 2026 we sent you a draft for comment" in message.body_text

    # On the deadline day, the last reminder; the one member who answered gets none.
    answered(session, draft.recipients[2], comments=None, name="Social services")
    with clock.frozen_at(ON_DAY):
        assert feedback_reminders.send_due_reminders(session, ON_DAY) == 2
        session.commit()
    last = [m for m in sent_all(session, messages.REMINDER.name) if m.id not in first]
    by_address = {m.recipient: m for m in last}
    assert set(by_address) == {welsh, english}
    assert "Dyma'r nodyn atgoffa olaf: mae angen eich sylwadau" in by_address[welsh].body_text
    assert "This is the last reminder: your comments" in by_address[english].body_text

    # Every member has answered: the officer's notice is in English.
    for recipient in draft.recipients[:2]:
        answered(session, recipient, comments=None, name="A member")
    (notice,) = sent_all(session, messages.ALL_ANSWERED.name)
    assert notice.subject.endswith(f": Draft for comment: every member has answered [{ref}]")
    assert "Annwyl" not in notice.body_text


def test_the_welsh_members_page_opens_in_welsh_and_the_switcher_keeps_english(
    page_client, session, draft
):
    welsh = draft.recipients[0]
    with clock.frozen_at(ANSWERING_AT):
        assert page_client.get(link_path(session, welsh)).status_code == 302
        session.commit()
        start = page_client.get("/comments/start")
        body = start.get_data(as_text=True)
        assert '<html lang="cy"' in body
        page = text(start)
        assert "Rhoi sylwadau ar ddrafft" in page and "Anfonwch eich sylwadau erbyn" in page
        assert "14 Rhagfyr 2026" in page and "Lawrlwytho'r drafft" in page
        assert "Send your comments by" not in page and "December" not in page
        assert 'href="/comments/start?lang=en"' in body

        # English, chosen with the switcher, stays for the rest of the visit.
        english = page_client.get("/comments/start?lang=en")
        assert '<html lang="en"' in english.get_data(as_text=True)
        assert "Send your comments by" in text(english) and "14 December 2026" in text(english)
        answer = page_client.get("/comments/answer")
        assert '<html lang="en"' in answer.get_data(as_text=True)
        assert "Do you have comments on the draft?" in text(answer)

        # Back in Welsh: the errors, their summary and the title's prefix are Welsh too.
        assert '<html lang="cy"' in page_client.get("/comments/answer?lang=cy").get_data(
            as_text=True
        )
        response = post(page_client, "/comments/answer", {"answer": "comments", "name": ""})
        assert response.status_code == 400
        body = response.get_data(as_text=True)
        assert '<html lang="cy"' in body and "<title>Gwall: Eich ateb ar y drafft" in body
        assert "Mae problem wedi codi" in body
        assert "Rhowch eich sylwadau ar y drafft" in body and "Rhowch eich enw" in body
        assert 'href="#comments"' in body and 'href="#name"' in body
        assert "There is a problem" not in body and "Enter your name" not in body

        response = post(
            page_client, "/comments/answer", {"answer": "no_comments", "name": "Rhian Prys"}
        )
        assert response.status_code == 302
        confirmation = text(page_client.get("/comments/confirmation"))
        assert "Mae eich ateb wedi'i anfon" in confirmation
        assert f"eich ateb nad oes gennych sylwadau ar “{TITLE}”" in confirmation


def test_the_english_members_page_opens_in_english_the_representatives_in_their_agencys(
    page_client, session, draft
):
    _welsh, english, representative = draft.recipients
    with clock.frozen_at(ANSWERING_AT):
        page_client.get(link_path(session, english))
        session.commit()
        start = page_client.get("/comments/start")
        assert '<html lang="en"' in start.get_data(as_text=True)
        assert "Send your comments by" in text(start) and "Cymraeg" in text(start)

        page_client.get(link_path(session, representative))
        session.commit()
        start = page_client.get("/comments/start")
        assert '<html lang="cy"' in start.get_data(as_text=True)
        assert "Anfonwch eich sylwadau erbyn" in text(start)
