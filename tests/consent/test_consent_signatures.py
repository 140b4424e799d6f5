"""The consent form as the procedure's template has it (001 Appendix 6 and line 232): signed, with
the printed name beside the signature, naming the review panel's chair it goes to, and asking
about the suspect or perpetrator unless the officer has switched that off for the case, with a
reason. Every switch is audited."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from service.consent import documents, form_settings, responses
from service.models import (
    AuditEvent,
    Case,
    CaseChair,
    CaseConsentSetting,
    ConsentDelivery,
    ConsentRequest,
    ConsentResponse,
    Partnership,
    Role,
)
from tests.consent.factories import (
    FAMILY_EMAIL,
    PRINT_NAME,
    SIGNED_NAME,
    answer,
    ask,
    link_path,
    make_case,
    pdf_text,
    post,
)
from tests.console import make_user, post_form, sign_in

REASON = "The family member asked is the suspect's mother."


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def fresh(session):
    session.rollback()
    session.expire_all()
    return session


@pytest.fixture
def case(session, partnership) -> Case:
    case = make_case(session, partnership)
    session.commit()
    return case


def letter_words(session, request_id: int) -> str:
    """The printed consent letter's words, on one line (the request read as the console does)."""
    req = session.get(ConsentRequest, request_id)
    partnership = session.get(Partnership, req.partnership_id)
    url = "https://dhr.exampleshire.gov.uk/consent/K7P2QX9M4T"
    return " ".join(
        pdf_text(
            documents.render_letter_pdf(
                req,
                partnership=partnership,
                url=url,
                chair=form_settings.chair_name(session, req.case_id),
            )
        ).split()  # fmt: skip
    )


def switch_url(case: Case) -> str:
    return f"/console/cases/{case.id}/consent/suspect-question"


def request_by_email(client, case: Case, name: str) -> int:
    response = post_form(client, f"/console/cases/{case.id}/consent/new", {
        "name": name, "relationship_to_victim": "Sister", "delivery": "email",
        "email": FAMILY_EMAIL,
    })  # fmt: skip
    assert response.status_code == 302, text(response)
    consent_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return consent_id


# --- the suspect question: asked by default, switched off for a case with a reason ----------------


def test_the_suspect_question_is_asked_by_default_and_the_officer_switches_it_off_with_a_reason(
    signed_in, session, case
):
    tracker = f"/console/cases/{case.id}/consent"
    page = text(signed_in.get(tracker))
    assert "The consent form asks about the victim and about the suspect or perpetrator" in page
    first = request_by_email(signed_in, case, "Ada Asked")
    assert fresh(session).get(ConsentRequest, first).ask_about_suspect is True

    # No reason: refused, with the GOV.UK error summary, and nothing changes.
    refused = post_form(signed_in, switch_url(case), {"ask": "no", "reason": "  "})
    assert refused.status_code == 400
    body = text(refused)
    assert "There is a problem" in body
    assert "Enter why the form should not ask about the suspect or perpetrator" in body
    assert fresh(session).get(CaseConsentSetting, case.id) is None
    nothing = post_form(signed_in, switch_url(case), {})
    assert nothing.status_code == 400
    assert "Select whether the form asks about the suspect or perpetrator" in text(nothing)

    done = post_form(signed_in, switch_url(case), {"ask": "no", "reason": REASON})
    assert done.status_code == 302 and done.headers["Location"] == tracker
    setting = fresh(session).get(CaseConsentSetting, case.id)
    assert (setting.ask_about_suspect, setting.reason) == (False, REASON)
    page = text(signed_in.get(tracker))
    assert "Requests from now on ask only about the victim" in page
    assert f"asks only about the victim, not the suspect or perpetrator. Reason: {REASON}" in page
    (event,) = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "consent.suspect_question_off")
    ).all()
    assert event.case_id == case.id and event.object_id == str(case.id)
    assert event.actor.startswith("user:") and event.detail["reason_given"] is True
    assert REASON not in str(event.detail)  # kept on the case, not in the trail

    # Requests made from now on ask only about the victim; the one made before keeps both.
    second = request_by_email(signed_in, case, "Bea Later")
    assert fresh(session).get(ConsentRequest, second).ask_about_suspect is False
    assert session.get(ConsentRequest, first).ask_about_suspect is True
    form_page = text(signed_in.get(f"/console/cases/{case.id}/consent/new"))
    assert "asks only about the victim" in form_page

    # And on again: audited, and the next request asks about both.
    again = post_form(signed_in, switch_url(case), {"ask": "yes", "reason": ""})
    assert again.status_code == 302
    assert fresh(session).get(CaseConsentSetting, case.id).ask_about_suspect is True
    third = request_by_email(signed_in, case, "Cal Third")
    assert fresh(session).get(ConsentRequest, third).ask_about_suspect is True
    switched = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("consent.suspect_question_%"))
        .order_by(AuditEvent.id)
    ).all()
    assert switched == ["consent.suspect_question_off", "consent.suspect_question_on"]


def test_the_family_member_is_not_asked_about_the_suspect_once_it_is_switched_off(
    signed_in, page_app, session, partnership, case
):
    assert (
        post_form(signed_in, switch_url(case), {"ask": "no", "reason": REASON}).status_code == 302
    )
    consent_id = request_by_email(signed_in, case, "Ada Asked")
    req = fresh(session).get(ConsentRequest, consent_id)
    family = page_app.test_client()
    family.get(link_path(session, req))
    assert "suspect_information" not in family.get("/consent/choices").get_data(as_text=True)
    assert "suspect or perpetrator" not in text(family.get("/consent/start"))
    answer(family, victim="yes", suspect=None)
    (row,) = fresh(session).get(ConsentRequest, consent_id).responses
    assert (row.victim_information, row.suspect_information) == (True, None)


def test_only_those_who_ask_for_consent_switch_it_and_never_on_another_partnerships_case(
    page_app, session, partnership, other, case
):
    viewer = make_user(session, partnership, Role.VIEWER, email="viewer@exampleshire.gov.uk")
    session.commit()
    client = page_app.test_client()
    sign_in(client, viewer)
    assert client.get(switch_url(case)).status_code == 403
    assert "Change what the consent form asks" not in text(
        client.get(f"/console/cases/{case.id}/consent")
    )

    elsewhere = make_case(session, other)
    officer = make_user(session, partnership, Role.OFFICER, email="second@exampleshire.gov.uk")
    session.commit()
    client = page_app.test_client()
    sign_in(client, officer)
    assert client.get(switch_url(elsewhere)).status_code == 404
    refused = client.post(switch_url(elsewhere), data={"ask": "no", "reason": REASON})
    assert refused.status_code in (400, 404)
    assert fresh(session).get(CaseConsentSetting, elsewhere.id) is None


def test_the_setting_changes_once_and_a_new_reason_is_a_change(session, partnership, case):
    case = session.get(Case, case.id)
    kw = dict(user_id=None, actor="test")
    assert form_settings.change(session, case, ask_about_suspect=True, reason=None, **kw) is False
    with pytest.raises(form_settings.SettingRefused):
        form_settings.change(session, case, ask_about_suspect=False, reason=" ", **kw)
    assert form_settings.change(session, case, ask_about_suspect=False, reason=REASON, **kw)
    assert not form_settings.change(session, case, ask_about_suspect=False, reason=REASON, **kw)
    assert form_settings.change(session, case, ask_about_suspect=False, reason="Other", **kw)
    assert form_settings.setting(session, case.id).reason == "Other"
    assert form_settings.asked(session, case.id) is False


# --- the printed name and the chair named on the form -----------------------------------------


def test_the_form_names_the_cases_chair_and_keeps_the_print_name_beside_the_signature(
    page_app, session, partnership, case
):
    chair = make_user(session, partnership, Role.CHAIR, email="pat.chair@exampleshire.gov.uk",
                      name="Pat Chair")  # fmt: skip
    session.add(CaseChair(case_id=case.id, user_id=chair.id))
    req = ask(session, partnership, case=session.get(Case, case.id))
    session.commit()
    request_id = req.id
    family = page_app.test_client()
    family.get(link_path(session, req))
    post(family, "/consent/choices", {"victim_information": "yes", "suspect_information": "yes"})
    sign = text(family.get("/consent/sign"))
    assert "Signature" in sign and "Print name" in sign
    assert "Your form goes to the review panel’s chair, Pat Chair, and the DHR officer" in sign

    assert answer(family, signed_name="S Relative", print_name=PRINT_NAME).status_code == 302
    (row,) = (
        fresh(session)
        .scalars(select(ConsentResponse).where(ConsentResponse.request_id == req.id))
        .all()
    )
    assert (row.signed_name, row.print_name, row.chair_name) == (
        "S Relative", PRINT_NAME, "Pat Chair"
    )  # fmt: skip
    assert "We have sent your form to the review panel’s chair, Pat Chair," in text(
        family.get("/consent/sent")
    )
    words = " ".join(pdf_text(responses.review_copy(session, req, row).data).split())
    assert "Signed S Relative" in words and f"Print name {PRINT_NAME}" in words
    assert "The review panel's chair, Pat Chair, and the DHR officer" in words
    # The printed letter names the same chair.
    assert "Your answer goes to the review panel's chair, Pat Chair, and to the DHR officer" in (
        letter_words(session, request_id)
    )


def test_before_a_chair_is_appointed_the_form_names_the_role(page_app, session, partnership):
    req = ask(session, partnership, delivery=ConsentDelivery.LETTER, email=None)
    session.commit()
    letter = letter_words(session, req.id)
    assert "Your answer goes to the review panel's chair and to the DHR officer" in letter
    assert "The chair, who leads the review, is still to be appointed." in letter
    family = page_app.test_client()
    family.get(link_path(session, req))
    post(family, "/consent/choices", {"victim_information": "yes", "suspect_information": "no"})
    assert "Your form goes to the review panel’s chair and the DHR officer" in text(
        family.get("/consent/sign")
    )
    answer(family, victim="yes", suspect="no")
    (row,) = fresh(session).get(ConsentRequest, req.id).responses
    assert row.chair_name is None and row.signed_name == SIGNED_NAME
