"""The action plan in Welsh: a lead officer whose agency chose Welsh gets their link and
reminders in Welsh (the marking in both languages, the dates in Welsh) and their page opens in
Welsh, with the switcher back to English; an agency that chose English gets them in English."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from service.actions import links, messages, sending
from service.models import ActionItem, Agency
from tests.actions.test_reminders import WEEK_BEFORE, plan_of, reminders
from tests.sweeping import outbox, sweep_here
from tests.trawls.answering import post, text


def in_language(session, partnership, language: str) -> ActionItem:
    (action,) = plan_of(session, partnership, actions=1)
    session.get(Agency, action.agency_id).language = language
    session.commit()
    return action


def test_a_welsh_agencys_lead_officer_gets_reminders_and_the_page_in_welsh(
    page_client, session, dyffryn
):
    action = in_language(session, dyffryn, "cy")
    sweep_here(WEEK_BEFORE)
    (sent,) = reminders(session)
    assert "SWYDDOGOL-SENSITIF" in sent.subject
    assert "Nodyn atgoffa: dyddiad targed y cynllun gweithredu" in sent.subject
    body = sent.body_text
    assert "Mae'r dyddiad targed wythnos i ffwrdd" in body
    assert "Dyddiad targed: 31 Mawrth 2027" in body
    assert "target date" not in body.lower() and "March" not in body

    parts = urlsplit(links.current_url(session, action))
    assert page_client.get(f"{parts.path}?{parts.query}").status_code == 302
    page = page_client.get("/action/update").get_data(as_text=True)
    assert '<html lang="cy"' in page
    words = text(page_client.get("/action/update"))
    assert "Diweddaru eich cam gweithredu" in words and "31 Mawrth 2027" in words
    assert "Heb ddechrau" in words and "Update your action" not in words
    refused = text(post(page_client, "/action/update", {"status": "done"}))
    assert "Rhowch y dystiolaeth bod y cam gweithredu wedi'i wneud" in refused
    saved = post(page_client, "/action/update", {"status": "done", "evidence": "Polisi newydd."})
    assert saved.status_code == 302
    done = text(page_client.get(saved.headers["Location"]))
    assert "Mae eich diweddariad wedi'i gadw" in done and "Wedi'i wneud" in done
    # The switcher keeps the visit in English once chosen.
    english = text(page_client.get("/action/update?lang=en"))
    assert "Update your action" in english and "Done" in english


def test_a_welsh_agencys_lead_officer_gets_their_link_in_welsh(session, dyffryn):
    action = in_language(session, dyffryn, "cy")
    sending.send_link(session, action, new_link=True, actor="officer:1")
    session.commit()
    (sent,) = outbox(session, messages.LINK.name)
    assert "SWYDDOGOL-SENSITIF" in sent.subject
    assert "Chi sy'n arwain cam gweithredu" in sent.body_text
    assert "Diweddaru'r cam gweithredu" in sent.body_html
    assert not re.search(r"\b(Dear|Recommendation:|Key actions:|Target date)", sent.body_text)


def test_an_english_agencys_lead_officer_gets_them_in_english(page_client, session, dyffryn):
    action = in_language(session, dyffryn, "en")
    sweep_here(WEEK_BEFORE)
    (sent,) = reminders(session)
    assert "The target date is a week away" in sent.body_text
    assert "Target date: 31 March 2027" in sent.body_text
    parts = urlsplit(links.current_url(session, action))
    page_client.get(f"{parts.path}?{parts.query}")
    page = page_client.get("/action/update").get_data(as_text=True)
    assert '<html lang="en"' in page and "Update your action" in page
