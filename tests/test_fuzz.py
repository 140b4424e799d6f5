"""Property-based fuzzing of every POST endpoint: whatever a browser (or anything else) sends,
the service answers with a page or a redirect, never a server error.

The endpoints are read from the app, so a new form is fuzzed the day it is added. Each request
carries a valid CSRF token and a signed-in officer's session, so the fuzzing reaches the forms'
own validation rather than stopping at the door.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms import consent as consent_forms
from forms import trawl_return
from forms.referral import SECTIONS
from mail import outbox
from service import clock
from service.models import Agency, Case, InsecureRecipientAction, Role
from service.trawls import sending
from tests.console import csrf_from, make_user, sign_in
from tests.trawls.answering import link_path
from tests.trawls.factories import sent_trawl

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _field_names() -> list[str]:
    names = {"email", "password", "confirm", "code", "name", "role", "user_id", "answer",
             "add_another", "secure_addresses", "escalation_contact", "on_standard_trawl_list",
             "meets_criteria", "relevant_people", "trawl_years", "recommendation", "action",
             "status", "page", "agencies", "people", "note", "decision", "refusal_reason",
             "address", "relationship_to_victim"}  # fmt: skip
    # Send to sub-group (forms/summary.py; "change" comes back from its check page).
    names |= {"recipients", "other_addresses", "change"}
    for section in SECTIONS:
        questions = [q for p in section.pages for q in p.questions]
        if section.group:
            questions += section.group.questions
        for q in questions:
            names.add(q.name)
            if q.details:
                names.add(q.details)
            if q.kind == "date":
                names |= {f"{q.name}-day", f"{q.name}-month", f"{q.name}-year"}
    for prefix in ("date_received", "date_considered", "date_notified_chair",
                   "date_notified_home_office", "from", "to", "scope_from", "scope_to",
                   "date_of_birth", "start", "end"):  # fmt: skip
        names |= {f"{prefix}-day", f"{prefix}-month", f"{prefix}-year"}
    names |= set(trawl_return.field_names())
    from forms import imr as imr_forms

    names |= set(imr_forms.field_names())
    from forms import panel as panel_forms

    names |= set(panel_forms.field_names())
    names |= set(consent_forms.field_names())
    from forms import referral_declaration

    names |= set(referral_declaration.field_names())
    from forms import feedback as feedback_forms

    names |= set(feedback_forms.field_names())
    from forms import imr_report

    # The IMR written in the service, the officer's columns, terms and the action plan.
    names |= set(imr_report.field_names())
    names |= {"way", "scope", "agency_id", "status", "progress", "evidence", "terms",
              "management_comment", "panel_notes"}  # fmt: skip
    return sorted(names)


FIELDS = _field_names()
VALUES = st.one_of(
    st.sampled_from(["", "yes", "no", "not_known", "known", "y", "0", "-1", "31", "2", "1980",
                     "99999999999999999999", "officer", "chair", "viewer", "a@b.gov.uk",
                     "x@gmail.com", "01632 960 000", "\x00", "' OR 1=1 --", "<script>",
                     "no_trace", "high", "later", "add", "replace", "17:00", "14/03/2025"]),
    st.text(max_size=60),
    # Over-long answers, cheaply: the size is what matters.
    st.integers(min_value=199, max_value=12000).map(lambda n: "a b\n" * (n // 4)),
)  # fmt: skip
FORMS = st.dictionaries(
    keys=st.one_of(st.sampled_from(FIELDS), st.text(max_size=12)), values=VALUES, max_size=12
)


@pytest.fixture
def world(page_app, page_client, session, partnership):
    """Objects for the URLs' ids to name: a case, an agency, users, a held message, and a trawl
    whose first agency's link the client has opened (so the return form's pages answer)."""
    partnership.insecure_recipient_action = InsecureRecipientAction.HOLD
    case = Case(partnership_id=partnership.id, reference="DHR-2026-001")
    session.add(case)
    chair = make_user(session, partnership, Role.CHAIR)
    (held,) = outbox.queue_message(
        session, partnership=partnership, purpose="mail.test", reference="TEST-1",
        to=["safeguarding@exampleshire-recovery.org.uk"],
    )  # fmt: skip
    session.commit()
    agency = session.query(Agency).first()
    ids = {
        "case_id": [case.id, 0, 999999],
        "agency_id": [agency.id, 0],
        "user_id": [chair.id, 0],
        "message_id": [held.id, "nonsense"],
        "referral_id": [1, 0],
        "slug": ["victim-household", "agencies", "referrer", "nonsense", "check"],
        "index": [0, 1, 49, 50],
        "bounce_id": [0, 999999],
        "notification_id": [0, 999999],
        "report_message_id": [0, 999999],
        "kind": ["review", "no_review", "nonsense"],
    }
    trawl = sent_trawl(session, partnership, agency_count=2, at=clock.now() - timedelta(days=1))
    other = sent_trawl(session, partnership, agency_count=1, at=clock.now() - timedelta(days=1))
    session.commit()
    ids["person_id"] = [trawl.people[0].id, other.people[0].id, 0]
    ids["trawl_id"] = [trawl.id, 0]
    ids["request_id"] = [trawl.requests[1].id, 0]
    assert page_client.get(link_path(session, trawl.requests[0])).status_code == 302
    try:
        from service.models import Referral, ReferralStatus
        from tests.referrals.factories import complete_answers

        referral = Referral(
            partnership_id=partnership.id, status=ReferralStatus.SUBMITTED,
            reference="ABCDEFGHJK", answers=complete_answers(),
        )  # fmt: skip
        session.add(referral)
        session.commit()
        ids["referral_id"] = [referral.id, 0]
    except ImportError:
        pass
    # The officer's unsent trawl pages take a draft too.
    draft = sending.start(session, session.get(Case, ids["case_id"][0]), created_by=None)
    session.commit()
    ids["trawl_id"] = [draft.id, *ids.get("trawl_id", [trawl.id, 0])]
    ids.setdefault("request_id", [trawl.requests[1].id, 0])
    # A family member's consent request, its link opened by the client too (the consent
    # form's pages answer).
    from tests.consent.factories import ask
    from tests.consent.factories import link_path as consent_link

    consent = ask(session, partnership, case=session.get(Case, ids["case_id"][0]))
    session.commit()
    ids["consent_id"] = [consent.id, 0]
    path = consent_link(session, consent)
    session.commit()  # end the read: the view writes next
    assert page_client.get(path).status_code == 302
    # An agency's IMR request, its link opened by the client too (the IMR form's pages answer).
    from tests.imrs.factories import requested_imr
    from tests.imrs.filling import link_path as imr_link

    imr = requested_imr(
        session, partnership, case=session.get(Case, ids["case_id"][0]), at=clock.now(),
        due=clock.now().date() + timedelta(days=30),
    )  # fmt: skip
    session.commit()
    ids["imr_id"] = [imr.id, 0]
    ids["part"] = [1, 3, 0, 4]
    ids["partnership"] = [partnership.slug, "nowhere"]
    path = imr_link(session, imr)
    session.commit()  # end the read: the view writes next
    assert page_client.get(path).status_code == 302
    # A panel member, a meeting with them invited and a paper (the panel pages).
    from service.panels import meetings
    from tests.panels.factories import details as meeting_details
    from tests.panels.factories import panel, upload

    _case, members = panel(session, partnership)
    meeting, _ = meetings.schedule(
        session, _case, meeting_details(clock.now().date() + timedelta(days=40)),
        [m.id for m in members], created_by=None, actor="test",
    )  # fmt: skip
    session.commit()
    paper = upload(session, meeting, clock.now())
    ids["member_id"] = [members[0].id, 0]
    ids["meeting_id"] = [meeting.id, 0]
    ids["paper_id"] = [paper.id, 0]
    # A draft sent to the panel for comment, one member's link opened by the client too (the
    # answer pages answer); the panel's case takes the "send a draft" form too.
    from service.panels import feedback
    from tests.feedback.factories import link_path as feedback_link
    from tests.uploads.files import pdf

    draft = feedback.send(
        session, _case, title="Draft report", filename="d.pdf", data=pdf(), note=None,
        deadline=clock.now().date() + timedelta(days=14), member_ids=[m.id for m in members],
        created_by=None, actor="test",
    )  # fmt: skip
    session.commit()
    ids["case_id"].append(_case.id)
    ids["feedback_id"] = [draft.id, 0]
    ids["recipient_id"] = [draft.recipients[0].id, draft.recipients[-1].id, 0]
    path = feedback_link(session, draft.recipients[0])
    session.commit()  # end the read: the view writes next
    assert page_client.get(path).status_code == 302
    # An action in the case's action plan (the officer's pages), and the keys of the IMR
    # report's sections and of the merged chronology's rows.
    from service.actions import plan
    from service.models import Partnership

    action = plan.add(
        session, ids["case_id"][0], session.get(Partnership, partnership.id),
        {"scope": "multi", "recommendation": "Fuzz.", "lead_officer": "Head of service"},
        created_by=None, actor="test",
    )  # fmt: skip
    session.commit()
    ids["action_id"] = [action.id, 0]
    ids["key"] = ["cover", "analysis", "nonsense", "1-2026-03-14-0123456789abcdef"]
    return ids


def post_rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint != "static"),
        key=lambda r: r.rule,
    )

    from tests.conftest import TEST_SECRET  # noqa: F401


@pytest.mark.parametrize("signed_in_as_officer", [True, False], ids=["officer", "public"])
def test_no_post_endpoint_answers_with_a_server_error(
    page_app, page_client, session, partnership, world, signed_in_as_officer
):
    officer = make_user(session, partnership, Role.OFFICER)
    if signed_in_as_officer:
        assert sign_in(page_client, officer).status_code == 302
    rules = [r for r in post_rules(page_app) if r.rule != "/sign-out"]
    assert len(rules) >= 20
    start = "/console/" if signed_in_as_officer else "/sign-in"
    token = csrf_from(page_client.get(start).get_data(as_text=True))

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )
    @given(data=st.data())
    def fuzz(rule, data):
        args = {}
        for name in rule.arguments:
            assert name in world, f"{rule.rule}: the fuzz test needs example ids for {name!r}"
            args[name] = data.draw(st.sampled_from(world[name]), label=name)
        url = rule.build(args, append_unknown=False)[1]
        form = data.draw(FORMS, label="form")
        form["csrf_token"] = token
        response = page_client.post(url, data=form, headers={"Referer": "https://localhost/"})
        assert response.status_code < 500, (url, form, response.get_data(as_text=True)[:500])

    for rule in rules:
        fuzz(rule)
