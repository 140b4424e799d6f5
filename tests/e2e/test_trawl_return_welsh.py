"""The trawl-return form in Welsh, in a real Chromium, with nothing but the keyboard: the social
services of the Dyffryn Example partnership (Welsh and English), which chose Welsh for its
emails, open their link and the form speaks Welsh from the first page. They make a mistake on
the way, switch to English and back without losing an answer, look at every page of the form,
and send a "no trace" return. Every page says ``lang="cy"``, passes axe-core's checks (the
error state too) and shows no English the catalogue translates."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from redis import Redis
from sqlalchemy import select

from service import clock, db, partnerships
from service.models import Case, CasePerson, TrawlRequest, TrawlReturn
from service.trawls import links
from tests.e2e.conftest import _live_app, check_axe_is_installed, serving
from tests.e2e.test_consent_welsh import DYFFRYN, WelshFamily
from tests.e2e.test_console import heading
from tests.e2e.test_trawl_return import YES_NO_TRACE, Agency
from tests.trawls.factories import PEOPLE, sent_trawl

pytestmark = pytest.mark.e2e

REFERENCE = "DYF-DHR-2026-22"
SYSTEMS = "WCCIS, y cofnod achosion diogelu a hen gofnodion papur."
COMPLETED_BY = {
    "name": "Rhys Cofnodion",
    "role": "Arweinydd diogelu",
    "email": "rhys.cofnodion@dyffryn-example.gov.wales",
    "phone": "029 2018 0999",
}
PROBLEM = "Mae problem wedi codi"


@pytest.fixture(scope="module")
def welsh_return_server(tmp_path_factory, redis_url):
    """A Dyffryn case with two people, sent a day ago to three agencies, the social services
    (Welsh) among them."""
    check_axe_is_installed()
    Redis.from_url(redis_url).flushdb()
    app = _live_app(tmp_path_factory.mktemp("trawl-return-cy"), redis_url)
    with db.transaction() as s:
        partnership = partnerships.load(s, DYFFRYN, actor="test").partnership
        case = Case(partnership_id=partnership.id, reference=REFERENCE,
                    date_of_death=dt.date(2026, 9, 1), trawl_years=5)  # fmt: skip
        case.people = [CasePerson(position=i, **PEOPLE[i]) for i in range(2)]
        s.add(case)
        s.flush()
        trawl = sent_trawl(s, partnership, case=case, agency_count=3,
                           at=clock.now() - dt.timedelta(days=1))  # fmt: skip
        req = next(r for r in trawl.requests if r.agency.key == "social-services")
        url = urlsplit(links.current_url(s, req))
        data = {
            "request": req.id,
            "people": [p.id for p in trawl.people],
            "link": f"{url.path}?{url.query}",
            # Names and what the agency types: the same in any language.
            "names": [
                partnership.name,
                req.agency.name,
                REFERENCE,
                *COMPLETED_BY.values(),
                SYSTEMS,
                *(p.name for p in trawl.people),
                *(p.relation for p in trawl.people if p.relation),
            ],  # fmt: skip
        }
    with serving(app) as server:
        yield server, data


class WelshAgency(Agency):
    """The agency at the keyboard, every page checked whole as the Welsh consent form's are."""

    check_welsh = WelshFamily.check_welsh
    switch_to = WelshFamily.switch_to
    answer_of = WelshFamily.answer_of

    def __init__(self, page, allowed: list[str]) -> None:  # noqa: ANN001
        super().__init__(page)
        self.allowed = allowed

    def save(self, text: str = "Cadw a pharhau") -> None:
        self.press_button(text)
        assert PROBLEM not in self.page.content(), self.page.url


def test_a_welsh_agency_returns_no_trace_in_welsh_with_the_keyboard_only(
    welsh_return_server, chromium_browser
):
    server, data = welsh_return_server
    victim_id, suspect_id = data["people"]
    context = chromium_browser.new_context()
    b = WelshAgency(context.new_page(), data["names"])
    try:
        # The agency chose Welsh: the form opens in Welsh, though the partnership's first
        # language is English.
        b.page.goto(server.url + data["link"])
        assert b.page.url == server.url + "/return/start"
        assert heading(b.page) == "Chwilio eich cofnodion ar gyfer Adolygiad Dynladdiad Domestig"
        assert "Heb ddechrau eto" in b.page.locator("main").inner_text()
        b.check_welsh()

        # Saved with no answer: the GOV.UK error summary, in Welsh.
        b.open_link(f"/return/person/{victim_id}")
        b.check_welsh()
        b.press_button("Cadw a pharhau")
        assert PROBLEM in b.page.content()
        assert b.page.title().startswith("Gwall: ")
        summary = b.page.locator(".govuk-error-summary__list").inner_text()
        assert "Dewiswch ‘Ie’ os yw eich asiantaeth wedi ymwneud â'r person hwn" in summary
        b.check_welsh()
        b.choose("involvement", YES_NO_TRACE, "no_trace")
        b.save()
        b.open_link(f"/return/person/{suspect_id}")
        b.choose("involvement", YES_NO_TRACE, "no_trace")
        b.save()

        # English and back: the answers given so far are kept.
        b.open_link(f"/return/person/{victim_id}")
        b.switch_to("en")
        assert (
            b.page.locator("legend")
            .first.inner_text()
            .startswith("Has your agency had any involvement with")
        )
        assert b.answer_of("involvement") == "no_trace"
        b.switch_to("cy")
        assert b.answer_of("involvement") == "no_trace"
        b.open_link("/return/start")

        b.open_link("/return/systems")
        assert heading(b.page) == "Pa systemau cofnodion wnaethoch chi eu chwilio?"
        b.check_welsh()
        b.type_into("systems_checked", SYSTEMS)
        b.save()

        b.open_link("/return/chronology")
        assert heading(b.page) == "Cronoleg o gysylltiadau"
        b.check_welsh()
        b.open_link("/return/start")

        b.open_link("/return/your-details")
        assert heading(b.page) == "Eich manylion"
        b.check_welsh()
        for field_id, value in COMPLETED_BY.items():
            b.type_into(field_id, value)
        b.save()

        b.open_link("/return/representative")
        assert heading(b.page) == "Cynrychiolydd eich asiantaeth"
        b.check_welsh()
        b.open_link("/return/start")
        b.open_link("/return/more-time")
        assert heading(b.page) == "Gofyn am fwy o amser"
        b.check_welsh()
        b.open_link("/return/start")

        assert "Rydych wedi cwblhau pob adran." in b.page.locator("main").inner_text()
        b.check_welsh()
        b.open_link("/return/check")
        assert heading(b.page) == "Gwiriwch eich atebion cyn anfon eich ymateb"
        assert "Dim cofnod" in b.page.locator("main").inner_text()
        b.check_welsh()
        b.tick("declaration")
        b.save("Derbyn ac anfon")
        assert b.page.url == server.url + "/return/confirmation"
        assert heading(b.page).startswith("Ymateb wedi'i anfon")
        b.check_welsh()
    finally:
        context.close()

    with db.transaction() as s:
        req = s.get(TrawlRequest, data["request"])
        sent = s.scalars(select(TrawlReturn).where(TrawlReturn.request_id == req.id)).all()
        assert [r.answers["people"] for r in sent] == [
            {
                str(victim_id): {"involvement": "no_trace"},
                str(suspect_id): {"involvement": "no_trace"},
            }
        ]
