"""Partnerships are isolated: for every console route and every role, nothing of another
partnership can be seen or changed — by URL, by an id in a form field, or by an export.

The routes are read from the app itself, so a new console route is covered the day it is added
(and a route with an id this test does not know makes it fail until it does).
"""

from __future__ import annotations

import pytest
from sqlalchemy import or_, select

from service import clock
from service.models import (
    AccessToken,
    Agency,
    AuditEvent,
    Case,
    CaseChair,
    CasePerson,
    ConsentRequest,
    ConsentResponse,
    ConsoleSession,
    Message,
    Nation,
    Partnership,
    Referral,
    ReferralStatus,
    Role,
    ScanStatus,
    StoredFile,
    Trawl,
    TrawlExtension,
    TrawlRequest,
    TrawlReturn,
    User,
)
from tests.console import csrf_from, make_user, sign_in

MARKERS = ["Otherton", "otherton.gov.uk", "OTH-2026-999", "OTH-MSG-1", "OTHREF9999"]
# B's trawl carries "Otherton" in its person, note, return and request for more time.


@pytest.fixture
def two_partnerships(session, partnership):
    """Partnership A (the example) and B (Otherton), each with a user, an agency, a case and
    a message."""
    other = Partnership(
        slug="otherton",
        name="Otherton Community Safety Partnership",
        nation=Nation.ENGLAND,
        secure_domains=["otherton.gov.uk"],
        inboxes={"dhr_officer": ["dhr@otherton.gov.uk"]},
    )
    session.add(other)
    session.flush()
    b_user = make_user(session, other, Role.CHAIR, email="b.chair@otherton.gov.uk")
    b_agency = Agency(
        partnership_id=other.id,
        key="otherton-police",
        name="Otherton Police",
        secure_addresses=["dhr@otherton.gov.uk"],
    )
    b_case = Case(partnership_id=other.id, reference="OTH-2026-999")
    session.add_all([b_agency, b_case])
    session.flush()
    session.add(CaseChair(case_id=b_case.id, user_id=b_user.id))
    from mail import outbox

    (b_message,) = outbox.queue_message(
        session, partnership=other, purpose="mail.test", reference="OTH-MSG-1",
        to=["dhr@otherton.gov.uk"],
    )  # fmt: skip
    b_referral = Referral(
        partnership_id=other.id, status=ReferralStatus.SUBMITTED, reference="OTHREF9999",
        answers={"deceased_name": "Otherton Person", "suspect_name": "Otherton Suspect"},
        submitted_at=clock.now(), decision_due_at=clock.now(),
    )  # fmt: skip
    session.add(b_referral)
    b_trawl, b_request = _b_trawl(session, b_case, b_agency)
    b_consent, b_response = _b_consent(session, b_case)
    b_imr = _b_imr(session, b_case, b_agency)
    b_member, b_meeting, b_paper = _b_panel(session, b_case, b_agency)
    b_draft = _b_feedback(session, b_case, b_member)
    b_action = _b_action_plan(session, b_case, other)
    b_bounce = _b_bounce(session, b_message)
    b_notification = _b_notification(session, other, b_referral, b_case)
    b_file = StoredFile(
        id="f" * 32, partnership_id=other.id, filename="Otherton IMR.pdf",
        content_type="application/pdf", size=9, sha256="0" * 64,
        scan_status=ScanStatus.NOT_SCANNED, data=b"%PDF-1.4\n",
    )  # fmt: skip
    a_case = Case(partnership_id=partnership.id, reference="DHR-2026-001")
    session.add_all([a_case, b_file])
    session.commit()
    return {
        "a": partnership,
        "b": other,
        "a_case": a_case,
        "ids": {
            "case_id": b_case.id,
            "agency_id": b_agency.id,
            "user_id": b_user.id,
            "message_id": b_message.id,
            "referral_id": b_referral.id,
            "trawl_id": b_trawl.id,
            "request_id": b_request.id,
            "consent_id": b_consent.id,
            "response_id": b_response.id,
            "file_id": b_file.id,
            "imr_id": b_imr.id,
            "member_id": b_member.id,
            "meeting_id": b_meeting.id,
            "paper_id": b_paper.id,
            "feedback_id": b_draft.id,
            "recipient_id": b_draft.recipients[0].id,
            "action_id": b_action.id,
            "key": "nonsense",
            "bounce_id": b_bounce.id,
            "notification_id": b_notification.id,
            "report_message_id": _b_report_message(session, other, b_referral, b_case).id,
            "kind": "review",
            "version": 1,
        },
    }


def _b_action_plan(session, b_case, other):
    """B's terms of reference, a note on its chronology and an action in its action plan."""
    from service.actions import plan
    from service.imrs import terms
    from service.models import ChronologyNote

    terms.set_terms(session, b_case, ["Otherton term"], actor="test")
    session.add(ChronologyNote(case_id=b_case.id, row_key="nonsense", panel_notes="Otherton"))
    action = plan.add(
        session, b_case.id, other,
        {"scope": "multi", "recommendation": "Otherton action", "lead_officer": "Otherton lead"},
        created_by=None, actor="test",
    )  # fmt: skip
    session.flush()
    return action


def _b_notification(session, other, b_referral, b_case):
    """B's draft notice to the Home Office of its decision (service.reviews)."""
    import datetime as dt

    from service.models import DecisionNotification, NotificationKind

    notification = DecisionNotification(
        partnership_id=other.id, referral_id=b_referral.id, case_id=b_case.id,
        kind=NotificationKind.HOME_OFFICE, outcome="yes", due_on=dt.date(2026, 12, 31),
        body="Otherton notice",
    )  # fmt: skip
    session.add(notification)
    session.flush()
    return notification


def _b_report_message(session, other, b_referral, b_case):
    """B's draft of the report to the Home Office for quality assurance (service.reviews)."""
    from service.models import ReportMessage, ReportMessageKind

    message = ReportMessage(
        partnership_id=other.id, referral_id=b_referral.id, case_id=b_case.id,
        kind=ReportMessageKind.QUALITY_ASSURANCE, body="Otherton report message",
    )  # fmt: skip
    session.add(message)
    session.flush()
    return message


def _b_bounce(session, b_message):
    """B's message, bounced (mail.bounces): on B's dashboard until dealt with."""
    from service.models import BounceKind, BounceReport, MessageBounce

    report = BounceReport(key="b" * 64, source="file", outcome="bounced")
    session.add(report)
    session.flush()
    bounce = MessageBounce(
        message_id=b_message.id, partnership_id=b_message.partnership_id, report_id=report.id,
        kind=BounceKind.BOUNCED, recipient=b_message.recipient, status_code="5.1.1",
        diagnostic="550 5.1.1 the Otherton mailbox is unknown",
    )  # fmt: skip
    session.add(bounce)
    session.flush()
    return bounce


def _b_trawl(session, b_case, b_agency):
    """B's trawl, sent to its agency, with a return and a request for more time waiting."""
    from service.models import PersonRole
    from service.trawls import sending

    b_case.people = [
        CasePerson(role=PersonRole.DECEASED, name="Otherton Person", address="Otherton Road")
    ]
    session.flush()
    trawl = sending.start(session, b_case, created_by=None)
    trawl.scope_from, trawl.scope_to = clock.now().date().replace(year=2020), clock.now().date()
    trawl.note = "Otherton note"
    trawl.agency_ids = [b_agency.id]
    (request,) = sending.send(session, trawl, actor="test")
    session.add_all([
        TrawlReturn(request_id=request.id, version=1, involvement=True,
                    answers={"systems_checked": "Otherton systems"}),
        TrawlExtension(request_id=request.id, requested_date=request.due_date.replace(
            year=request.due_date.year + 1), reason="Otherton reason"),
    ])  # fmt: skip
    session.flush()
    return trawl, request


def _b_consent(session, b_case):
    """B's family consent request, answered (consent given), asked by letter."""
    from service.consent import requests as consent_requests
    from service.consent import responses as consent_responses
    from service.models import ConsentDelivery

    new = consent_requests.NewRequest(
        name="Otherton Relative", relationship_to_victim="Otherton sister",
        delivery=ConsentDelivery.LETTER, email=None, ask_about_suspect=True,
    )  # fmt: skip
    request = consent_requests.create(session, b_case, new, created_by=None, actor="test")
    response = consent_responses.record(
        session, request, victim_information=True, suspect_information=True,
        signed_name="Otherton Signature", signed_on=clock.now().date(),
    )  # fmt: skip
    session.flush()
    return request, response


def _b_imr(session, b_case, b_agency):
    """B's IMR request, with its terms of reference and a submitted version whose checklist
    names Otherton."""
    import datetime as dt

    from service.imrs import requesting, submission
    from tests.imrs.factories import checklist
    from tests.uploads.files import pdf

    request = requesting.send(
        session, b_case, b_agency, due_date=clock.now().date() + dt.timedelta(days=30),
        filename="Otherton terms.pdf", data=pdf("Otherton terms"), note="Otherton IMR note",
        created_by=None, actor="test",
    )  # fmt: skip
    submission.upload_document(session, request, filename="Otherton IMR.pdf", data=pdf())
    submission.save_checklist(
        session,
        request,
        checklist(
            agency="Otherton Police",
            anonymised={
                "victim_initials": "O.V.",
                "victim": "Otherton victim",
                "perpetrator_initials": "O.P.",
                "perpetrator": "OP",
            },
            signed_on=clock.now().date().isoformat(),
        ),
    )
    submission.submit(session, request, is_final=False)
    session.flush()
    return request


def _b_panel(session, b_case, b_agency):
    """B's panel: a member, a meeting with them invited, and a paper for it."""
    import datetime as dt

    from service.panels import meetings, members, papers
    from tests.uploads.files import pdf

    member = members.add(session, b_case, name="Otherton Member", email="panel@otherton.gov.uk",
                         agency=b_agency, role="Otherton role", actor="test")  # fmt: skip
    day = clock.now().date() + dt.timedelta(days=40)
    meeting, _ = meetings.schedule(
        session, b_case,
        meetings.Details(date=day, start=dt.time(10), duration_minutes=60,
                         location="Otherton Town Hall", joining_details=None, note="Otherton"),
        [member.id], created_by=None, actor="test",
    )  # fmt: skip
    paper = papers.add_paper(
        session, meeting, title="Otherton agenda", filename="a.pdf", data=pdf("Otherton agenda"),
        uploaded_by=None, actor="test",
    )  # fmt: skip
    session.flush()
    return member, meeting, paper


def _b_feedback(session, b_case, b_member):
    """B's draft for comment, sent to its member, who has answered with comments."""
    import datetime as dt

    from service.panels import feedback, feedback_answers
    from tests.uploads.files import pdf

    draft = feedback.send(
        session, b_case, title="Otherton draft", filename="d.pdf", data=pdf("Otherton draft"),
        note="Otherton note", deadline=clock.now().date() + dt.timedelta(days=14),
        member_ids=[b_member.id], created_by=None, actor="test",
    )  # fmt: skip
    feedback_answers.answer(session, draft.recipients[0].id, no_comments=False,
                    comments="Otherton comments", name="Otherton Member")  # fmt: skip
    session.flush()
    return draft


def snapshot_of_b(session, data) -> list:
    """Every row that belongs to partnership B, or that points at one of B's rows."""
    session.rollback()
    b = data["b"].id
    ids = data["ids"]
    rows: list = []
    for model in (Agency, Message, User, Case, Referral, AuditEvent, Trawl, TrawlRequest,
                  AccessToken):  # fmt: skip
        for row in session.scalars(
            select(model).where(model.partnership_id == b).order_by(model.id)
        ):
            rows.append(
                (model.__name__, {c.key: getattr(row, c.key) for c in model.__table__.columns})
            )
    for row in session.scalars(
        select(CaseChair).where(
            or_(CaseChair.case_id == ids["case_id"], CaseChair.user_id == ids["user_id"])
        )
    ):
        rows.append(("CaseChair", row.case_id, row.user_id))
    for model in (TrawlReturn, TrawlExtension):
        for row in session.scalars(
            select(model).where(model.request_id == ids["request_id"]).order_by(model.id)
        ):
            rows.append(
                (model.__name__, {c.key: getattr(row, c.key) for c in model.__table__.columns})
            )
    for model, column in (
        (ConsentRequest, ConsentRequest.partnership_id == b),
        (ConsentResponse, ConsentResponse.request_id == ids["consent_id"]),
    ):
        for row in session.scalars(select(model).where(column).order_by(model.id)):
            rows.append(
                (model.__name__, {c.key: getattr(row, c.key) for c in model.__table__.columns})
            )
    from service.models import ActionItem, CaseTerm, ChronologyNote, ImrRequest, ImrSubmission

    for model, column in (
        (ImrRequest, ImrRequest.partnership_id == b),
        (ImrSubmission, ImrSubmission.request_id == ids["imr_id"]),
        (ActionItem, ActionItem.partnership_id == b),
        (CaseTerm, CaseTerm.case_id == ids["case_id"]),
        (ChronologyNote, ChronologyNote.case_id == ids["case_id"]),
    ):
        for row in session.scalars(select(model).where(column).order_by(model.id)):
            rows.append(
                (model.__name__, {c.key: getattr(row, c.key) for c in model.__table__.columns})
            )
    from service.models import PanelDelivery, PanelInvitation, PanelMeeting, PanelMember, PanelPaper

    for model, column in (
        (PanelMember, PanelMember.partnership_id == b),
        (PanelMeeting, PanelMeeting.partnership_id == b),
        (PanelInvitation, PanelInvitation.meeting_id == ids["meeting_id"]),
        (PanelPaper, PanelPaper.meeting_id == ids["meeting_id"]),
        (PanelDelivery, PanelDelivery.meeting_id == ids["meeting_id"]),
    ):
        for row in session.scalars(select(model).where(column).order_by(model.id)):
            rows.append(
                (model.__name__, {c.key: getattr(row, c.key) for c in model.__table__.columns})
            )
    from service.models import FeedbackRecipient, FeedbackRequest

    for model, column in (
        (FeedbackRequest, FeedbackRequest.partnership_id == b),
        (FeedbackRecipient, FeedbackRecipient.request_id == ids["feedback_id"]),
    ):
        for row in session.scalars(select(model).where(column).order_by(model.id)):
            rows.append(
                (model.__name__, {c.key: getattr(row, c.key) for c in model.__table__.columns})
            )
    people = session.scalars(select(CasePerson).where(CasePerson.case_id == ids["case_id"]))
    rows.append(("people", [(p.id, p.name) for p in people]))
    sessions = session.scalars(
        select(ConsoleSession).where(ConsoleSession.user_id == ids["user_id"])
    ).all()
    rows.append(("sessions", [(s.id, s.ended_at) for s in sessions]))
    return rows


def console_rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if r.rule.startswith("/console")),
        key=lambda r: r.rule,
    )


def b_url(rule, ids) -> str:
    unknown = set(rule.arguments) - set(ids)
    assert not unknown, f"{rule.rule}: add {unknown} to the isolation test's ids"
    return rule.build({k: ids[k] for k in rule.arguments}, append_unknown=False)[1]


def no_markers(body: str, where: str) -> None:
    for marker in MARKERS:
        assert marker not in body, f"{where} shows {marker!r}"


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CHAIR, Role.VIEWER])
def test_nothing_of_another_partnership_is_visible_or_changeable(
    page_app, page_client, session, two_partnerships, role
):
    data = two_partnerships
    a_user = make_user(session, data["a"], role, email=f"a.{role.value}@exampleshire.gov.uk")
    if role is Role.CHAIR:
        session.add(CaseChair(case_id=data["a_case"].id, user_id=a_user.id))
        session.commit()
    assert sign_in(page_client, a_user).status_code == 302
    before = snapshot_of_b(session, data)
    csrf = csrf_from(page_client.get("/console/").get_data(as_text=True))
    headers = {"Referer": "https://localhost/console/"}
    # Every form field a console form might take an id from, all pointing at B's objects.
    forged = {
        name: str(value)
        for key, value in data["ids"].items()
        for name in (key, key.removesuffix("_id"), "chair", "user", "agency", "agencies", "case")
    } | {"csrf_token": csrf}
    checked = 0
    for rule in console_rules(page_app):
        if rule.arguments:
            url = b_url(rule, data["ids"])
            if "GET" in rule.methods:
                response = page_client.get(url)
                assert response.status_code in (403, 404), (url, response.status_code)
                no_markers(response.get_data(as_text=True), url)
            if "POST" in rule.methods:
                response = page_client.post(url, data=forged, headers=headers)
                assert response.status_code in (403, 404), (url, response.status_code)
                no_markers(response.get_data(as_text=True), url)
        else:
            if "GET" in rule.methods:
                response = page_client.get(rule.rule)
                assert response.status_code in (200, 403), (rule.rule, response.status_code)
                no_markers(response.get_data(as_text=True), rule.rule)
                # Filters naming B's objects find nothing of B either.
                filtered = page_client.get(rule.rule, query_string=forged)
                no_markers(filtered.get_data(as_text=True), f"{rule.rule} (filtered)")
            if "POST" in rule.methods:
                response = page_client.post(rule.rule, data=forged, headers=headers)
                no_markers(response.get_data(as_text=True), rule.rule)
        checked += 1
    # A's own objects, with B's ids in the form fields: nothing of B is touched or linked.
    a_ids = {"case_id": data["a_case"].id, "user_id": a_user.id}
    for rule in console_rules(page_app):
        if "POST" in rule.methods and rule.arguments and set(rule.arguments) <= set(a_ids):
            url = rule.build({k: a_ids[k] for k in rule.arguments}, append_unknown=False)[1]
            page_client.post(url, data=forged, headers=headers)
            checked += 1
    assert checked >= 15
    assert snapshot_of_b(session, data) == before


def test_a_user_of_another_partnership_cannot_be_made_a_chair_here(
    page_client, session, two_partnerships
):
    data = two_partnerships
    officer = make_user(session, data["a"], Role.OFFICER, email="a.officer@exampleshire.gov.uk")
    sign_in(page_client, officer)
    case_id = data["a_case"].id
    html = page_client.get(f"/console/cases/{case_id}").get_data(as_text=True)
    no_markers(html, "case page")
    page_client.post(
        f"/console/cases/{case_id}/chairs",
        data={"user_id": data["ids"]["user_id"], "chair": data["ids"]["user_id"],
              "csrf_token": csrf_from(html)},
        headers={"Referer": f"https://localhost/console/cases/{case_id}"},
    )  # fmt: skip
    session.rollback()
    assert session.scalars(select(CaseChair).where(CaseChair.case_id == case_id)).all() == []


def test_sending_a_summary_offers_and_shows_nothing_of_another_partnership(
    page_client, session, two_partnerships
):
    """A's officer sending A's summary is offered none of B's contacts, cannot tick B's panel
    member, and B's sends are not shown on A's confirmation page."""
    from service.models import Message, PanelMember
    from service.summaries import delivery

    data = two_partnerships
    b_case = session.get(Case, data["ids"]["case_id"])
    session.add(
        PanelMember(partnership_id=data["b"].id, case_id=b_case.id, name="Otherton Member",
                    email="member@otherton.gov.uk", role="Otherton role")
    )  # fmt: skip
    b_sent = delivery.send_to_sub_group(
        session, b_case, data["b"], ["member@otherton.gov.uk"], note="Otherton note",
        actor="test",
    )  # fmt: skip
    session.commit()
    officer = make_user(session, data["a"], Role.OFFICER, email="a.officer@exampleshire.gov.uk")
    sign_in(page_client, officer)
    page = f"/console/cases/{data['a_case'].id}/summary/send"
    html = page_client.get(page).get_data(as_text=True)
    no_markers(html, "send to sub-group page")
    response = page_client.post(
        page,
        data={"recipients": ["member@otherton.gov.uk", "dhr@otherton.gov.uk"],
              "csrf_token": csrf_from(html)},
        headers={"Referer": f"https://localhost{page}"},
    )  # fmt: skip
    assert response.status_code == 400
    assert delivery.NOT_OFFERED in response.get_data(as_text=True)
    sent = page_client.get(
        f"/console/cases/{data['a_case'].id}/summary/sent?event={b_sent.event_id}"
    )
    assert sent.status_code == 302
    no_markers(page_client.get(sent.headers["Location"]).get_data(as_text=True), "summary")
    session.rollback()
    assert session.scalar(
        select(Message.id).where(Message.purpose == delivery.SUB_GROUP.name,
                                 Message.partnership_id == data["a"].id)
    ) is None  # fmt: skip
