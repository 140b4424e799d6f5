"""The console in a real Chromium: an officer sets up their account from the printed link and
signs in with nothing but the keyboard, and every console page passes axe-core's WCAG 2.2 A and
AA checks."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from redis import Redis
from sqlalchemy import select

from mail import outbox
from service import clock, db, partnerships
from service.auth import accounts, totp
from service.models import (
    Case,
    CaseChair,
    InsecureRecipientAction,
    Message,
    Partnership,
    Referral,
    ReferralStatus,
    Role,
)
from tests.console import token_of
from tests.e2e.after_decision import after_decision_pages
from tests.e2e.bounce_pages import bounce_form_page, bounce_pages
from tests.e2e.conftest import AXE_URL
from tests.e2e.imr_written_pages import imr_written_pages
from tests.e2e.initial_request_pages import initial_request_pages
from tests.e2e.report_stage_pages import report_stage_pages
from tests.e2e.request_bounce_pages import request_bounce_form_page, request_bounce_pages
from tests.e2e.retention_pages import retention_pages
from tests.e2e.test_accessibility import WCAG, describe
from tests.factories import DYFFRYN, EXAMPLE
from tests.referrals.factories import complete_answers

pytestmark = pytest.mark.e2e

PASSWORD = "walnut orbit lantern quietly"


@pytest.fixture(scope="module")
def console_data(live_server, redis_url):
    """The example partnership's agencies, a case, a submitted referral, and an outbox with a
    failed and a held message, in the live server's database."""
    Redis.from_url(redis_url).flushdb()  # rate-limit counters from other tests
    with db.transaction() as s:
        p = partnerships.load(s, EXAMPLE, actor="test").partnership
        p.insecure_recipient_action = InsecureRecipientAction.HOLD
        case = Case(partnership_id=p.id, reference="DHR-2026-001")
        s.add(case)
        failed, *_ = outbox.queue_message(
            s, partnership=p, purpose="mail.test", reference="TEST-1",
            to=["gone@exampleshire.gov.uk"],
        )  # fmt: skip
        s.flush()
        outbox.claim(s, failed.id, clock.now())
        s.refresh(failed)
        outbox.mark_failed_attempt(s, failed, failed.claimed_at, "550 no such user", permanent=True)
        outbox.queue_message(
            s, partnership=p, purpose="mail.test", reference="TEST-2",
            to=["safeguarding@exampleshire-recovery.org.uk"],
        )  # fmt: skip
        chair, _ = accounts.create_user(
            s, p, email="chair@exampleshire.gov.uk", role=Role.CHAIR, actor="test"
        )
        s.flush()
        s.add(CaseChair(case_id=case.id, user_id=chair.id))
        referral = Referral(
            partnership_id=p.id, status=ReferralStatus.SUBMITTED, reference="ABCDEFGHJK",
            answers=complete_answers(), submitted_at=clock.now() - timedelta(days=40),
            decision_due_at=clock.now() - timedelta(days=10),
        )  # fmt: skip
        s.add(referral)
        trawl, draft = _trawls(s, p, case)
        imr = _imrs(s, p, case)
        consent = _consent(s, case)
        meeting = _panel(s, p, case)
        feedback_draft = _feedback(s, case)
    return {
        "partnership": p,
        "case": case,
        "chair": chair,
        "referral": referral,
        "trawl": trawl,
        "draft": draft,
        "imr": imr,
        "consent": consent,
        "meeting": meeting,
        "feedback": feedback_draft,
    }


def _trawls(s, p, case):
    """A trawl of the case sent to three agencies (one without a secure address), with a
    return, an amendment and a request for more time; and a draft of the next trawl."""
    from service.models import Agency, CasePerson, TrawlRequest
    from service.trawls import extensions, returns, sending
    from tests.trawls.factories import PEOPLE

    case.date_of_death, case.trawl_years = date(2026, 9, 1), 5
    case.people = [CasePerson(position=i, **person) for i, person in enumerate(PEOPLE)]
    s.flush()
    names = ("police", "probation", "drug-alcohol-service")
    agencies = s.scalars(select(Agency).where(Agency.partnership_id == p.id, Agency.key.in_(names)))
    trawl = sending.start(s, case, created_by=None)
    trawl.agency_ids = [a.id for a in agencies]
    trawl.note = "Please include any GP records."
    sent = {r.agency.key: r for r in sending.send(s, trawl, actor="test")}
    police, probation = sent["police"], sent["probation"]
    person = str(trawl.people[0].id)
    answers = {
        "people": {person: {"involvement": "yes", "nature": "A welfare visit"}},
        "systems_checked": "Niche RMS",
        "chronology": [
            {
                "date": "2026-03-14",
                "time": "23:10",
                "source": "Case record",
                "professional": None,
                "contact_with": person,
                "event": "Welfare visit at home.",
                "outcome": None,
            }
        ],
        "completed_by": {"name": "Pat Lead", "role": "Safeguarding lead"},
    }
    returns.submit(s, police, answers, involvement=True)
    amended = {**answers, "systems_checked": "Niche RMS, PNC"}
    returns.submit(
        s, police, amended, involvement=True,
        changes=[{"field": "Systems", "before": "Niche RMS", "after": "Niche RMS, PNC"}],
    )  # fmt: skip
    probation = s.get(TrawlRequest, probation.id)
    extensions.request(
        s, probation, new_date=probation.due_date + timedelta(days=7), reason="Staff absence"
    )
    draft = sending.start(s, case, created_by=None)
    s.flush()
    return trawl, draft


def _imrs(s, p, case):
    """IMRs asked of two agencies: the police sent theirs (criteria answered No and Partially
    among them), probation has not yet."""
    from service.imrs import submission
    from tests.imrs.factories import ready_draft, requested_imr

    now = clock.now()
    police = requested_imr(s, p, case=case, at=now - timedelta(days=1),
                           due=now.date() + timedelta(days=13))  # fmt: skip
    requested_imr(s, p, case=case, agency_key="probation", at=now - timedelta(days=1),
                  due=now.date() + timedelta(days=13))  # fmt: skip
    ready_draft(s, police, signed_on=now.date().isoformat())
    submission.submit(s, police, is_final=False)
    s.flush()
    return police


def _consent(s, case):
    """A family member asked for consent by letter, who gave it and then withdrew it."""
    from service.consent import requests as consent_requests
    from service.consent import responses as consent_responses
    from service.models import ConsentDelivery

    new = consent_requests.NewRequest(
        name="Sam Relative", relationship_to_victim="Sister", delivery=ConsentDelivery.LETTER,
        email=None, ask_about_suspect=True,
    )  # fmt: skip
    request = consent_requests.create(s, case, new, created_by=None, actor="test")
    for withdraw in (False, True):
        consent_responses.record(
            s, request, victim_information=True, suspect_information=False, withdraw=withdraw,
            signed_name="Samantha Relative", signed_on=clock.now().date(),
        )  # fmt: skip
    s.flush()
    return request


def _panel(s, p, case):
    """The case's panel: two members, a meeting whose papers have gone (one of them late), and
    the agencies' representatives to choose from."""
    from service.panels import meetings, members, papers
    from tests.uploads.files import pdf

    people = [
        members.add(s, case, name=name, email=email, agency=None, role="Panel member",
                    actor="test")
        for name, email in (("Morgan Police", "panel.police@example.police.uk"),
                            ("Nia Health", "panel.health@nhs.net"))
    ]  # fmt: skip
    day = clock.now().date() + timedelta(days=3)
    meeting, _ = meetings.schedule(
        s, case,
        meetings.Details(date=day, start=datetime.min.time().replace(hour=10),
                         duration_minutes=120, location="Room 4, County Hall",
                         joining_details="https://meet.example.gov.uk/j/1", note=None),
        [m.id for m in people], created_by=None, actor="test",
    )  # fmt: skip
    papers.add_paper(s, meeting, title="Agenda", filename="agenda.pdf", data=pdf("Agenda"),
                     uploaded_by=None, actor="test")  # fmt: skip
    s.flush()
    from service.panels import dispatch

    assert dispatch.claim_dispatch(s, meeting, clock.now())
    s.refresh(meeting)
    dispatch.send_papers(s, meeting, clock.now())
    papers.add_paper(s, meeting, title="Draft overview report", filename="draft.pdf",
                     data=pdf("Draft"), uploaded_by=None, actor="test")  # fmt: skip
    s.flush()
    return meeting


def _feedback(s, case):
    """A draft sent to the case's panel for comment: one member has answered with comments."""
    from service.panels import feedback, feedback_answers
    from tests.uploads.files import pdf

    members = feedback.current_members(s, case.id)
    draft = feedback.send(
        s, case, title="Draft overview report, version 1", filename="draft.pdf", data=pdf(),
        note="Sections 4 and 5 are new.", deadline=clock.now().date() + timedelta(days=14),
        member_ids=[m.id for m in members], created_by=None, actor="test",
    )  # fmt: skip
    feedback_answers.answer(s, draft.recipients[0].id, no_comments=False, name="Morgan Police",
                    comments="Paragraph 4.2 needs the date of the last GP visit.")  # fmt: skip
    s.flush()
    return draft


#: How many presses of Tab the page's tab order puts between the focused element and the first
#: one after it that matches: GOV.UK pages use no positive tabindex, so the order is the
#: document's, a radio group taking one stop. 0 when it cannot tell.
_TAB_STOPS = """pred => {
  const all = [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')];
  const seen = new Set();
  const stops = all.filter(el => {
    if (el.disabled || el.tabIndex < 0 || !el.getClientRects().length) return false;
    if (el.type === 'radio') {
      if (seen.has(el.name)) return false;
      seen.add(el.name);
    }
    return true;
  });
  const active = document.activeElement;
  const here = stops.indexOf(active);
  if (here < 0 && active && active !== document.body) return 0;
  const there = stops.findIndex((el, i) => i > here && pred(el));
  return there < 0 ? 0 : there - here;
}"""


def focus(page, predicate_js: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches ``predicate_js`` (a function of el).

    The presses the tab order says are needed go first without a look at each (a look costs a
    round trip to the browser); from there each press is checked, so a miscount only costs time.
    """
    ahead = page.evaluate(f"({_TAB_STOPS})({predicate_js})")
    presses = 0
    for _ in range(max(0, min(ahead, limit) - 1)):
        page.keyboard.press("Tab")
        presses += 1
    for _ in range(limit - presses):
        page.keyboard.press("Tab")
        if page.evaluate(f"(({predicate_js}))(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element matching {predicate_js}")


def focus_field(page, field_id: str) -> None:
    focus(page, f"el => el.id === {field_id!r}")


def focus_text(page, text: str) -> None:
    focus(page, f"el => (el.textContent || el.value || '').trim() === {text!r}")


def heading(page) -> str:
    return page.locator("h1").inner_text().strip()


#: A tag that reached the page as text: markup escaped by mistake (a template joining HTML
#: with an already-escaped value, for one).
MARKUP_AS_TEXT = re.compile(r"</?(?:a|span|strong|br|p|ul|li|div|h[1-6])\b[^>]*>")


def check_axe(page) -> None:
    """No axe-core violations, and no markup shown to the reader as text."""
    shown = MARKUP_AS_TEXT.search(page.locator("body").inner_text())
    assert shown is None, f"{page.url} shows markup as text: {shown.group(0)!r}"
    page.add_script_tag(url=AXE_URL)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    assert result["violations"] == [], f"{page.url}\n" + describe(result["violations"])
    assert result["passes"], "axe-core ran no checks"


def watch_for_problems(page, base_url: str) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and "/static/" in r.url or "/assets/" in r.url and r.status >= 400
            else None
        ),
    )
    return problems


def test_officer_sets_up_signs_in_and_out_with_the_keyboard_only(
    live_server, console_data, chromium_browser
):
    with db.transaction() as s:
        p = s.get(Partnership, console_data["partnership"].id)
        _, link = accounts.create_user(
            s, p, email="keyboard.officer@exampleshire.gov.uk", role=Role.OFFICER, actor="cli"
        )
    context = chromium_browser.new_context()
    page = context.new_page()
    problems = watch_for_problems(page, live_server.url)
    try:
        page.goto(f"{live_server.url}/account/set-up?token={token_of(link)}")
        assert heading(page) == "Set up your account"
        assert "?token=" not in page.url  # the token has left the address bar
        focus_text(page, "Start")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        assert heading(page) == "Choose a password"

        focus_field(page, "password")
        page.keyboard.type(PASSWORD)
        focus_field(page, "confirm")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/account/set-up/authenticator")
        assert heading(page) == "Set up your authenticator app"
        check_axe(page)
        # The QR code is drawn: a browser shows nothing for an SVG image without its xmlns.
        qr = page.locator("img[src^='data:image/svg+xml']")
        qr.wait_for()
        assert qr.evaluate("img => img.complete && img.naturalWidth") > 0

        # The test is the authenticator app: it reads the key shown as text.
        secret = re.sub(r"\s", "", page.locator("#secret-key").inner_text())
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        focus_field(page, "code")
        # A code from the previous 30 seconds is still accepted (clocks drift), and leaves the
        # current one free for signing in.
        page.keyboard.type(totp.code_at(secret, clock.now() - timedelta(seconds=30)))
        page.keyboard.press("Enter")
        page.wait_for_url("**/sign-in")
        assert "Your account is set up" in page.content()

        focus_field(page, "email")
        page.keyboard.type("keyboard.officer@exampleshire.gov.uk")
        focus_field(page, "password")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/sign-in/security-code")
        assert heading(page) == "Enter your security code"
        check_axe(page)
        focus_field(page, "code")
        page.keyboard.type(totp.code_at(secret, clock.now()))
        page.keyboard.press("Enter")
        page.wait_for_url("**/console/")
        assert heading(page) == "Dashboard"
        assert "1 message failed" in page.locator("main").inner_text()
        check_axe(page)

        focus_text(page, "Sign out")
        page.keyboard.press("Enter")
        page.wait_for_url("**/signed-out")
        assert heading(page) == "You have signed out"
        page.goto(f"{live_server.url}/console/")
        assert heading(page) == "Sign in"
        assert problems == [], problems
    finally:
        context.close()


def _signed_in_page(
    chromium_browser, live_server, console_data, role=Role.OFFICER, *, partnership_id=None,
    email=None, **kw,
):  # fmt: skip
    """Signed in as a user of the example partnership (or of ``partnership_id``, as ``email``)."""
    email = email or f"axe.{role.value}@exampleshire.gov.uk"
    with db.transaction() as s:
        p = s.get(Partnership, partnership_id or console_data["partnership"].id)
        from service.models import User

        user = s.scalar(select(User).where(User.email == email))
        if user is None:
            user, link = accounts.create_user(s, p, email=email, role=role, actor="test")
            token = token_of(link)
            accounts.setup_password(s, token, PASSWORD)
            _, secret = accounts.setup_secret(s, token)
            accounts.confirm_authenticator(
                s, token, totp.code_at(secret, clock.now() - timedelta(seconds=30))
            )
            if role is Role.CHAIR:
                s.add(CaseChair(case_id=console_data["case"].id, user_id=user.id))
        secret = user.totp_secret
        # Each sign-in needs a code not used before: start from a clean slate for the test.
        user.totp_last_step = None
    context = chromium_browser.new_context(**kw)
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Continue')")
    page.fill("#code", totp.code_at(secret, clock.now()))
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/console/")
    return context, page


def console_pages(console_data) -> list[str]:
    with db.transaction() as s:
        case_id = console_data["case"].id
        referral_id = console_data["referral"].id
        failed = s.scalar(select(Message.id).where(Message.reference == "TEST-1"))
        held = s.scalar(select(Message.id).where(Message.reference == "TEST-2"))
        from service.models import Agency, User

        agency = s.scalar(select(Agency.id).order_by(Agency.id))
        chair = console_data["chair"].id
        assert s.get(User, chair) is not None
        from service.models import TrawlRequest

        draft = console_data["draft"].id
        police, probation = s.scalars(
            select(TrawlRequest.id)
            .where(TrawlRequest.trawl_id == console_data["trawl"].id)
            .join(Agency, Agency.id == TrawlRequest.agency_id)
            .where(Agency.key.in_(("police", "probation")))
            .order_by(Agency.key)
        ).all()
    return [
        "/console/",
        "/console/referrals",
        f"/console/referrals/{referral_id}",
        f"/console/referrals/{referral_id}/decision",
        "/console/cases",
        f"/console/cases/{case_id}",
        f"/console/cases/{case_id}/audit",
        "/console/outbox",
        "/console/outbox?status=failed",
        f"/console/outbox/{failed}",
        f"/console/outbox/{held}",
        f"/console/outbox/{held}/release",
        "/console/agencies",
        "/console/agencies/new",
        f"/console/agencies/{agency}/edit",
        "/console/users",
        "/console/users/invite",
        f"/console/users/{chair}",
        "/console/audit",
        "/console/settings",
        f"/console/cases/{case_id}/trawls",
        f"/console/trawls/{draft}/agencies",
        f"/console/trawls/{draft}/people",
        f"/console/trawls/{draft}/people/add",
        f"/console/trawls/{draft}/scope",
        f"/console/trawls/{draft}/note",
        f"/console/trawls/{draft}/check",
        f"/console/trawl-requests/{police}",
        f"/console/trawl-requests/{probation}",
        f"/console/trawl-requests/{police}/revoke",
        "/console/trawl-statistics",
        f"/console/cases/{case_id}/consent",
        f"/console/cases/{case_id}/consent/new",
        f"/console/cases/{case_id}/consent/suspect-question",
        f"/console/consent/{console_data['consent'].id}",
        f"/console/cases/{case_id}/imrs",
        f"/console/cases/{case_id}/imrs/new",
        f"/console/imr-requests/{console_data['imr'].id}",
        f"/console/cases/{case_id}/panel",
        f"/console/cases/{case_id}/panel/members/new",
        f"/console/cases/{case_id}/panel/meetings/new",
        f"/console/panel-meetings/{console_data['meeting'].id}",
        f"/console/panel-meetings/{console_data['meeting'].id}/edit",
        f"/console/panel-meetings/{console_data['meeting'].id}/cancel",
        f"/console/panel-meetings/{console_data['meeting'].id}/papers/new",
        f"/console/cases/{case_id}/summary",
        f"/console/cases/{case_id}/summary/panel",
        f"/console/cases/{case_id}/summary/send",
        f"/console/cases/{case_id}/summary/sent",  # without a send: back to the summary
        f"/console/cases/{case_id}/drafts/new",
        f"/console/drafts/{console_data['feedback'].id}",
        *after_decision_pages(console_data),
        *retention_pages(console_data),
        *imr_written_pages(console_data),
        *initial_request_pages(console_data),
        *report_stage_pages(console_data),
        *bounce_pages(console_data),
        *request_bounce_pages(console_data),
    ]


#: The crawl runs in this many parts, each its own test, so each stays inside the per-test time
#: limit however many pages the console grows; together they visit every page once.
CRAWL_PARTS = 4


#: Console pages that exist only in a partnership offering more than one language: the
#: example partnership's crawl cannot open them, and
#: test_agency_and_panel_pages_of_a_partnership_offering_welsh_have_no_axe_violations does.
BILINGUAL_ONLY = {
    "/console/panel-members/<int:member_id>/language",
    "/console/consent/<int:consent_id>/language",  # a family member's language
}


def test_every_console_page_is_in_the_axe_crawl(live_server, console_data):
    pages = console_pages(console_data)
    # Every console page the app has is in the list (downloads are not pages).
    routes = {
        rule.rule
        for rule in live_server.app.url_map.iter_rules()
        if rule.rule.startswith("/console") and "GET" in rule.methods
        and not rule.rule.endswith((".csv", ".pdf", ".xlsx", ".json"))
        and rule.endpoint != "console.file_download"  # an uploaded file, served as it is
    }  # fmt: skip
    adapter = live_server.app.url_map.bind("localhost")
    covered = {adapter.match(path.split("?")[0], return_rule=True)[0].rule for path in pages}
    # Pages only a partnership offering Welsh and English has, checked with axe there.
    covered |= BILINGUAL_ONLY
    assert routes <= covered, f"add these console pages to the axe test: {routes - covered}"


@pytest.mark.parametrize("part", range(CRAWL_PARTS))
def test_every_console_page_has_no_axe_violations(
    live_server, console_data, chromium_browser, part
):
    pages = console_pages(console_data)[part::CRAWL_PARTS]
    context, page = _signed_in_page(chromium_browser, live_server, console_data)
    problems = watch_for_problems(page, live_server.url)
    try:
        for path in pages:
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            assert page.locator("h1").count() == 1, path
            check_axe(page)
        assert problems == [], problems
    finally:
        context.close()


def test_console_pages_showing_their_errors_have_no_axe_violations(
    live_server, console_data, chromium_browser
):
    context, page = _signed_in_page(chromium_browser, live_server, console_data)
    problems = watch_for_problems(page, live_server.url)
    try:
        # The pages with their error messages showing.
        referral_id = console_data["referral"].id
        for path, button in [
            ("/console/agencies/new", "Save"),
            ("/console/users/invite", "Send invitation"),
            (f"/console/referrals/{referral_id}/decision", "Save the decision"),
            (f"/console/trawls/{console_data['draft'].id}/scope", "Continue"),
            (f"/console/trawls/{console_data['draft'].id}/meeting", "Save and return"),
            (f"/console/trawls/{console_data['draft'].id}/people/add", "Add the person"),
            (f"/console/cases/{console_data['case'].id}/imrs/new", "Send the request"),
            (f"/console/cases/{console_data['case'].id}/consent/new", "Send the request"),
            (f"/console/cases/{console_data['case'].id}/consent/suspect-question", "Save"),
            (f"/console/cases/{console_data['case'].id}/panel/members/new", "Add the member"),
            (
                f"/console/cases/{console_data['case'].id}/panel/meetings/new",
                "Schedule the meeting",
            ),
            (
                f"/console/panel-meetings/{console_data['meeting'].id}/papers/new",
                "Upload the paper",
            ),
            (f"/console/cases/{console_data['case'].id}/summary/panel", "Save the recommended"),
            (f"/console/cases/{console_data['case'].id}/drafts/new", "Send the draft"),
            (f"/console/cases/{console_data['case'].id}/summary/send", "Continue"),
            (bounce_form_page(console_data), "Send again"),
            (request_bounce_form_page(console_data), "Send again"),
        ]:
            page.goto(live_server.url + path)
            if "/decision" in path:  # a decision with no number of years
                page.check("#meets_criteria")
                page.fill("#trawl_years", "")
            if path.endswith("/scope"):  # a scoping period that ends before it starts
                page.fill("#scope_to-year", "2001")
            if path.endswith("/suspect-question"):  # not asked, with no reason
                page.check("input[name=ask][value=no]")
            if path.endswith("/meeting"):  # a time for a meeting with no date
                page.fill("#meeting_time", "10am")
            if path.endswith("/summary/panel"):  # no agency recommended
                for box in page.locator("input[name=agencies]:checked").all():
                    box.uncheck()
            page.locator(f"main button:has-text('{button}')").first.click()
            page.wait_for_load_state()
            assert "There is a problem" in page.content(), path
            check_axe(page)
        # Send to sub-group: its check page, and who it went to.
        page.goto(f"{live_server.url}/console/cases/{console_data['case'].id}/summary/send")
        page.fill("#other_addresses", "sub.group@exampleshire.gov.uk")
        page.locator("main button:has-text('Continue')").first.click()
        page.wait_for_load_state()
        assert heading(page) == "Check before sending the summary"
        check_axe(page)
        page.locator("main button:has-text('Send the summary')").click()
        page.wait_for_url("**/summary/sent?event=*")
        assert heading(page) == "Summary sent"
        check_axe(page)
        assert problems == [], problems
    finally:
        context.close()


def test_the_timeout_warning_is_accessible_and_stay_signed_in_works(
    live_server, console_data, chromium_browser
):
    context, page = _signed_in_page(chromium_browser, live_server, console_data, role=Role.VIEWER)
    try:
        page.goto(live_server.url + "/console/agencies")
        # Open the warning now rather than wait 28 minutes: the same code runs, with a shorter
        # idle time on the page.
        page.evaluate(
            """async () => {
                const root = document.querySelector('[data-module="app-timeout-warning"]')
                root.dataset.idleSeconds = '121'
                const { initTimeoutWarning } = await import('/static/js/timeout-warning.mjs')
                initTimeoutWarning(root)
            }"""
        )
        dialog = page.locator("dialog.app-timeout-warning__dialog")
        dialog.wait_for(state="visible", timeout=5000)
        assert "You are about to be signed out" in dialog.inner_text()
        assert page.evaluate("document.activeElement.textContent.trim()") == "Stay signed in"
        check_axe(page)
        page.keyboard.press("Enter")
        dialog.wait_for(state="hidden", timeout=5000)
        assert heading(page) == "Agencies"
    finally:
        context.close()


def test_pages_for_signed_out_users_have_no_axe_violations(live_server, chromium_browser):
    context = chromium_browser.new_context()
    page = context.new_page()
    try:
        for path in [
            "/sign-in",
            "/account/forgot-password",
            "/account/forgot-password/sent",
            "/signed-out",
            "/session/timed-out",
            "/account/set-up?token=not-a-token",
        ]:
            page.goto(live_server.url + path)
            check_axe(page)
        page.goto(live_server.url + "/sign-in")
        page.click("button:has-text('Continue')")
        page.locator(".govuk-error-summary").wait_for()  # the page shown again, with errors
        assert "There is a problem" in page.content()
        check_axe(page)
    finally:
        context.close()


def test_console_works_without_javascript(live_server, console_data, chromium_browser):
    context, page = _signed_in_page(
        chromium_browser, live_server, console_data, role=Role.CHAIR, java_script_enabled=False
    )
    try:
        html = page.content()
        assert 'http-equiv="refresh" content="1800;url=/session/timed-out"' in html
        page.click("a:has-text('Cases')")
        assert "DHR-2026-001" in page.content()
        page.click("button:has-text('Sign out')")
        assert heading(page) == "You have signed out"
    finally:
        context.close()


def test_agency_and_panel_pages_of_a_partnership_offering_welsh_have_no_axe_violations(
    live_server, console_data, chromium_browser
):
    """Where the partnership offers Welsh and English, the agency and panel pages ask and show
    the language of each agency's and panel member's emails: the lists, adding (with its error),
    and changing one."""
    with db.transaction() as s:
        dyffryn = partnerships.load(s, DYFFRYN, actor="test").partnership
        dyffryn_id = dyffryn.id
        from service.models import Agency
        from service.panels import members
        from tests.trawls.factories import make_case

        welsh = s.scalar(
            select(Agency.id).where(Agency.partnership_id == dyffryn_id, Agency.language == "cy")
        )
        welsh_case = make_case(s, dyffryn)
        member = members.add(s, welsh_case, name="Rhian Prys", agency=None, role=None,
                             email="rhian.prys@dyffryn-example.gov.wales", language="cy",
                             actor="test")  # fmt: skip
        case_id, member_id = welsh_case.id, member.id
        # Family consent: the family member's language, asked, shown and changed.
        from service.consent import requests as consent_requests
        from service.models import ConsentDelivery

        consent_id = consent_requests.create(
            s, welsh_case, consent_requests.NewRequest(
                name="Gwen Perthynas", relationship_to_victim="Sister",
                delivery=ConsentDelivery.LETTER, email=None, ask_about_suspect=False,
                language="cy",
            ), created_by=None, actor="test",
        ).id  # fmt: skip
    context, page = _signed_in_page(
        chromium_browser, live_server, console_data, partnership_id=dyffryn_id,
        email="axe.officer@dyffryn-example.gov.wales",
    )  # fmt: skip
    problems = watch_for_problems(page, live_server.url)
    try:
        for path in (
            "/console/agencies",
            "/console/agencies/new",
            f"/console/agencies/{welsh}/edit",
            f"/console/cases/{case_id}/panel",
            f"/console/cases/{case_id}/panel/members/new",
            f"/console/panel-members/{member_id}/language",
        ):
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            assert "Language of emails" in page.content(), path
            check_axe(page)
        # Nothing chosen: the error leads to the first option.
        page.goto(live_server.url + "/console/agencies/new")
        page.evaluate(
            "document.querySelectorAll('input[name=language]').forEach(r => { r.checked = false })"
        )
        page.locator("main button:has-text('Save')").first.click()
        page.wait_for_load_state()
        assert "Select the language of the emails to the agency" in page.content()
        check_axe(page)
        # Family consent: asking the language (and its error), the request's page, changing it.
        for path in (
            f"/console/cases/{case_id}/consent/new",
            f"/console/consent/{consent_id}",
            f"/console/consent/{consent_id}/language",
        ):
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            assert "Language" in page.content(), path
            check_axe(page)
        page.goto(live_server.url + f"/console/cases/{case_id}/consent/new")
        page.locator("main button:has-text('Send the request')").click()
        page.wait_for_load_state()
        assert "Select the language to write to them in, or that it is not known" in page.content()
        check_axe(page)
        assert problems == [], problems
    finally:
        context.close()
