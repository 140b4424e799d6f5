"""The language of a panel member's emails. In a partnership that offers Welsh and English it is
asked when a member is added, shown on the panel page and changed there (audited); an agency's
representative who has not chosen has their agency's. The meeting's emails (the papers, a move,
a cancellation) go in each member's language, their dates too, under the marking in both
languages. A partnership that offers only English asks nothing and shows nothing."""

from __future__ import annotations

import re

from sqlalchemy import select

from service import clock
from service.models import Agency, AuditEvent, Message, PanelMember
from service.panels import meetings, members, messages
from tests.console import make_user, post_form, sign_in
from tests.factories import BOTH_MARKINGS as BOTH
from tests.panels.factories import DISPATCH, SCHEDULED_AT, details, panel
from tests.trawls.factories import make_case
from workers import sweep as sweep_mod

QUESTION = "Language of emails to the member"
NEW_MEMBER = {"name": "Rhian Prys", "email": "rhian.prys@dyffryn-example.gov.wales",
              "agency": "", "role": "Independent chair"}  # fmt: skip


def text_of(response) -> str:
    return response.get_data(as_text=True)


def checked(page: str, value: str) -> bool:
    return bool(re.search(rf'name="language" type="radio" value="{value}" checked', page))


def invitation(message: Message) -> bytes:
    """The calendar invitation the message carries."""
    (found,) = [a for a in message.attachments if a.filename.endswith(".ics")]
    return found.data


def member_called(session, case_id: int, name: str) -> PanelMember:
    session.rollback()
    return session.scalar(
        select(PanelMember).where(PanelMember.case_id == case_id, PanelMember.name == name)
    )


def test_an_english_only_partnership_asks_nothing_and_shows_nothing(
    signed_in, session, partnership
):
    case, (member, _other) = panel(session, partnership)
    session.commit()
    new = f"/console/cases/{case.id}/panel/members/new"
    assert QUESTION not in text_of(signed_in.get(new))
    assert "Language of emails" not in text_of(signed_in.get(f"/console/cases/{case.id}/panel"))
    assert signed_in.get(f"/console/panel-members/{member.id}/language").status_code == 404
    # Sent anyway, the language is ignored: the partnership offers only English.
    assert post_form(signed_in, new, {**NEW_MEMBER, "email": "chair@example.gov.uk",
                                      "language": "cy"}).status_code == 302  # fmt: skip
    assert member_called(session, case.id, NEW_MEMBER["name"]).language is None


def test_a_bilingual_partnership_asks_shows_and_changes_the_language(page_client, session, dyffryn):
    sign_in(page_client, make_user(session, dyffryn, "officer"))
    client = page_client
    case = make_case(session, dyffryn)
    session.commit()
    new = f"/console/cases/{case.id}/panel/members/new"
    page = text_of(client.get(new))
    assert QUESTION in page
    assert re.search(r'<label class="govuk-label govuk-radios__label" lang="cy" for="language-2">'
                     r"\s*Cymraeg", page)  # fmt: skip
    assert checked(page, "en") and not checked(page, "cy")  # the first language

    # Nothing chosen: the error summary leads to the first option; nobody is added.
    page = text_of(post_form(client, new, NEW_MEMBER))
    assert "Select the language of the emails to the member" in page
    assert 'href="#language"' in page
    assert member_called(session, case.id, NEW_MEMBER["name"]) is None

    assert post_form(client, new, {**NEW_MEMBER, "language": "cy"}).status_code == 302
    added = member_called(session, case.id, NEW_MEMBER["name"])
    assert added.language == "cy"

    listing = text_of(client.get(f"/console/cases/{case.id}/panel"))
    assert "Language of emails" in listing
    assert '<span lang="cy">Cymraeg</span>' in listing
    change = f"/console/panel-members/{added.id}/language"
    assert f'href="{change}"' in listing

    # The change page starts from the member's language; a language not offered is refused.
    page = text_of(client.get(change))
    assert checked(page, "cy") and "<h1" in page and QUESTION in page
    response = post_form(client, change, {"language": "fr"})
    assert response.status_code == 400
    assert "Select the language of the emails to the member" in text_of(response)
    assert post_form(client, change, {"language": "en"}).status_code == 302
    assert member_called(session, case.id, NEW_MEMBER["name"]).language == "en"
    (event,) = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "panel.member_language_changed")
    )
    assert event.detail["language"] == "en" and event.object_id == str(added.id)
    # Saving the same language again changes nothing and records nothing more.
    assert post_form(client, change, {"language": "en"}).status_code == 302
    session.rollback()
    assert len(session.scalars(
        select(AuditEvent).where(AuditEvent.action == "panel.member_language_changed")
    ).all()) == 1  # fmt: skip


def test_each_member_gets_the_meeting_emails_in_their_own_language(session, dyffryn):
    case = make_case(session, dyffryn)
    social = session.scalar(
        select(Agency).where(Agency.partnership_id == dyffryn.id, Agency.language == "cy")
    )
    welsh = members.add(session, case, name="Rhian Prys", agency=None, role=None, actor="test",
                        email="rhian.prys@dyffryn-example.gov.wales", language="cy")  # fmt: skip
    english = members.add(session, case, name="Sam Hughes", agency=None, role=None, actor="test",
                          email="sam.hughes@dyffryn-example.gov.wales", language="en")  # fmt: skip
    # Their agency chose Welsh, and they have not chosen: Welsh.
    representative = members.add(
        session, case, name="Social services representative", agency=social, role=None,
        email=social.secure_addresses[0], actor="test",
    )  # fmt: skip
    assert members.language_of(dyffryn, representative) == "cy"
    with clock.frozen_at(SCHEDULED_AT):
        meeting, _plan = meetings.schedule(
            session, case, details(), [welsh.id, english.id, representative.id], created_by=None,
            actor="test",
        )  # fmt: skip
    session.commit()
    with clock.frozen_at(DISPATCH):
        assert sweep_mod.run(DISPATCH).checks["panel papers dispatched"] == 1
    with clock.frozen_at(DISPATCH):
        assert meetings.cancel(session, meeting, reason="Salwch", user_id=None, actor="test") == 3
    session.commit()

    sent = {(m.recipient, m.purpose): m for m in session.scalars(select(Message))}
    for address in (welsh.email, representative.email):
        papers = sent[address, messages.PAPERS.name]
        assert papers.subject == f"{BOTH}: Papurau ar gyfer cyfarfod y panel [{case.reference}]"
        assert papers.body_text.startswith(BOTH)
        assert "Annwyl " in papers.body_text
        assert "Dyddiad: dydd Iau 25 Mawrth 2027" in papers.body_text
        assert "Amser: 10:00 i 12:00 (amser y DU)" in papers.body_text
        assert "Here are the papers" not in papers.body_text and "March" not in papers.body_text
        assert '<html lang="cy">' in papers.body_html
        assert "<strong>dydd Iau 25 Mawrth 2027</strong>" in papers.body_html
        assert b"SUMMARY:Cyfarfod panel ADD" in invitation(papers)
        cancelled = sent[address, messages.CANCELLED.name]
        assert cancelled.subject == f"{BOTH}: Cyfarfod y panel wedi'i ganslo [{case.reference}]"
        assert "Y rheswm: Salwch" in cancelled.body_text

    papers = sent[english.email, messages.PAPERS.name]
    assert papers.subject == f"{BOTH}: Papers for the panel meeting [{case.reference}]"
    assert "Dear Sam Hughes" in papers.body_text
    assert "Date: Thursday 25 March 2027" in papers.body_text
    assert "Annwyl" not in papers.body_text and '<html lang="en">' in papers.body_html
    assert b"SUMMARY:DHR panel meeting" in invitation(papers)
    cancelled = sent[english.email, messages.CANCELLED.name]
    assert cancelled.subject == f"{BOTH}: Panel meeting cancelled [{case.reference}]"
    for message in sent.values():
        assert "Rhian" not in message.subject and "Sam" not in message.subject
