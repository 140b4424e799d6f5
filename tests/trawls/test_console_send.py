"""The officer sends a trawl from the console: agencies (the standard list ticked, agencies
without a secure address flagged), people (adding a child), the scoping period, a note, a
preview of the email, then one email per agency, each with its own working link."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from service.models import (
    Agency,
    AuditEvent,
    CasePerson,
    Message,
    PersonRole,
    Role,
    Trawl,
    TrawlRequest,
    TrawlStatus,
)
from service.trawls import links
from tests.console import make_user, post_form, sign_in, token_of
from tests.delivered import delivered_text
from tests.trawls.factories import make_case

POLICE = "Exampleshire Police"
PROBATION = "Probation Service (Exampleshire)"
RECOVERY = "Exampleshire Recovery Partnership (drug and alcohol service)"  # not secure
AMBULANCE = "Example Region Ambulance Service NHS Trust"  # secure, not on the standard list


def fresh(session):
    session.rollback()
    session.expire_all()
    return session


def agency_id(session, partnership, name: str) -> int:
    return session.scalar(
        select(Agency.id).where(Agency.partnership_id == partnership.id, Agency.name == name)
    )


def checkbox(html: str, name: str, value: int | str) -> str:
    """The <input> of one checkbox."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"[^>]*>', html)
    assert match, f"no {name} checkbox for {value}"
    return match.group(0)


def start_trawl(client, case) -> int:
    tracker = f"/console/cases/{case.id}/trawls"
    response = post_form(client, f"/console/cases/{case.id}/trawls/new", {}, page=tracker)
    assert response.status_code == 302
    match = re.search(r"/console/trawls/(\d+)/agencies$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_officer_sends_a_trawl_and_each_agency_gets_one_email_with_its_own_link(
    signed_in, session, partnership
):
    case = make_case(session, partnership)
    session.commit()
    html = signed_in.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert f"/console/cases/{case.id}/trawls" in html
    html = signed_in.get(f"/console/cases/{case.id}/trawls").get_data(as_text=True)
    assert "No trawl has been sent for this case yet" in html

    trawl_id = start_trawl(signed_in, case)
    base = f"/console/trawls/{trawl_id}"

    # Agencies: the standard list is ticked; the agency without a secure address is flagged.
    police, probation, recovery, ambulance = (
        agency_id(session, partnership, n) for n in (POLICE, PROBATION, RECOVERY, AMBULANCE)
    )
    html = signed_in.get(f"{base}/agencies").get_data(as_text=True)
    assert "checked" in checkbox(html, "agencies", police)
    assert "checked" not in checkbox(html, "agencies", ambulance)
    assert "checked" not in checkbox(html, "agencies", recovery)
    flagged = html[html.index(f'value="{recovery}"') :][:800]
    assert "No secure address" in flagged and "cannot be sent the link" in flagged
    assert "No secure address" not in html[html.index(f'value="{police}"') :][:300]

    response = post_form(
        signed_in, f"{base}/agencies", {"agencies": [str(police), str(probation), str(recovery)]}
    )
    assert response.headers["Location"].endswith(f"{base}/people")

    # People: everyone on the case starts ticked; the officer adds the victim's son.
    html = signed_in.get(f"{base}/people").get_data(as_text=True)
    for person in case.people:
        assert "checked" in checkbox(html, "people", person.id)
    assert "Alice Example" in html and "Daughter" in html
    response = post_form(
        signed_in,
        f"{base}/people/add",
        {"name": "Dylan Example", "relationship_to_victim": "Son",
         "date_of_birth-day": "4", "date_of_birth-month": "6", "date_of_birth-year": "2009",
         "address": "2 Quay Street, Exampletown"},
    )  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{base}/people")
    son = fresh(session).scalar(select(CasePerson).where(CasePerson.name == "Dylan Example"))
    assert son.case_id == case.id and son.role is PersonRole.OTHER
    assert son.relationship_to_victim == "Son" and str(son.date_of_birth) == "2009-06-04"
    html = signed_in.get(f"{base}/people").get_data(as_text=True)
    assert "checked" in checkbox(html, "people", son.id) and "Son" in html
    everyone = [str(p.id) for p in case.people] + [str(son.id)]
    response = post_form(signed_in, f"{base}/people", {"people": everyone})
    assert response.headers["Location"].endswith(f"{base}/scope")

    # The scoping period starts as the referral decision's: 5 years before the death.
    html = signed_in.get(f"{base}/scope").get_data(as_text=True)
    assert 'name="scope_from-year" type="text" value="2021"' in html or (
        'value="2021"' in html and 'name="scope_from-year"' in html
    )
    response = post_form(
        signed_in,
        f"{base}/scope",
        {"scope_from-day": "1", "scope_from-month": "3", "scope_from-year": "2021",
         "scope_to-day": "1", "scope_to-month": "9", "scope_to-year": "2026"},
    )  # fmt: skip
    assert response.headers["Location"].endswith(f"{base}/note")
    response = post_form(signed_in, f"{base}/note", {"note": "Please include GP records."})
    assert response.headers["Location"].endswith(f"{base}/check")

    # Check: the agencies, the people, the flagged agency and the email itself.
    html = signed_in.get(f"{base}/check").get_data(as_text=True)
    assert "Dylan Example" in html and "1 March 2021 to 1 September 2026" in html
    insecure = html[html.index('id="insecure-agencies"') :]
    insecure = insecure[: insecure.index("</ul>")]
    assert "Exampleshire Recovery Partnership" in insecure and POLICE not in insecure
    preview = html[html.index('id="email-preview"') :]
    preview = preview[: preview.index("</pre>")]
    assert f"Dear {POLICE}" in preview
    assert "from 1 March 2021 to 1 September 2026" in preview
    assert "Please include GP records." in preview
    assert "token=" not in preview and "own link" in preview
    assert "OFFICIAL-SENSITIVE: Request to search your records" in html
    assert "Send the trawl to 3 agencies" in html

    response = post_form(signed_in, f"{base}/send", {}, page=f"{base}/check")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/console/cases/{case.id}/trawls")
    html = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Trawl sent to 3 agencies" in html
    assert "1 of them has no secure email address" in html
    for name in (POLICE, PROBATION, "Exampleshire Recovery Partnership"):
        assert name in html
    assert html.count("Awaiting") == 3

    s = fresh(session)
    trawl = s.get(Trawl, trawl_id)
    assert trawl.status is TrawlStatus.SENT and trawl.note == "Please include GP records."
    assert [p.name for p in trawl.people][-1] == "Dylan Example"
    requests = {r.agency_id: r for r in trawl.requests}
    assert set(requests) == {police, probation, recovery}
    assert requests[recovery].link_withheld and not requests[police].link_withheld
    sent = s.scalars(select(Message).where(Message.purpose == "trawl.request")).all()
    assert len(sent) == 3
    by_recipient = {m.recipient: m for m in sent}
    for agency, address in (
        (police, "public.protection@example.police.uk"),
        (probation, "safeguarding@exampleshire-probation.gov.uk"),
    ):
        body = delivered_text(by_recipient[address])
        assert "Please include GP records." in body
        link = re.search(r"https://\S+/return\?token=\S+", body).group(0)
        assert links.check(s, token_of(link)).id == requests[agency].id
    notice = by_recipient["safeguarding@exampleshire-recovery.org.uk"]
    assert notice.policy == "notice" and "token=" not in notice.body_text
    assert "Dylan Example" not in notice.body_text
    assert s.scalar(
        select(AuditEvent).where(AuditEvent.action == "trawl.sent", AuditEvent.case_id == case.id)
    )
    # Sent: its draft pages now lead to the tracker.
    assert signed_in.get(f"{base}/agencies").status_code == 302


def test_the_scoping_period_must_be_given_and_in_order_and_answers_are_kept(
    signed_in, session, partnership
):
    case = make_case(session, partnership)
    session.commit()
    base = f"/console/trawls/{start_trawl(signed_in, case)}"
    response = post_form(
        signed_in,
        f"{base}/scope",
        {"scope_from-day": "1", "scope_from-month": "9", "scope_from-year": "2027",
         "scope_to-day": "1", "scope_to-month": "9", "scope_to-year": "2026"},
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html
    assert "The start of the scoping period must be the same as or before its end" in html
    assert 'href="#scope_from-day"' in html
    assert 'value="2027"' in html  # the answers are kept
    assert "<title>Error:" in html or "Error:" in html

    response = post_form(
        signed_in,
        f"{base}/scope",
        {"scope_from-day": "", "scope_from-month": "", "scope_from-year": "",
         "scope_to-day": "31", "scope_to-month": "2", "scope_to-year": "2026"},
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert "Enter the start of the scoping period" in html
    assert "The end of the scoping period must be a real date" in html
    s = fresh(session)
    trawl = s.scalar(select(Trawl).where(Trawl.case_id == case.id))
    assert str(trawl.scope_from) == "2021-09-01"  # unchanged


def test_a_person_needs_a_name_and_a_relationship(signed_in, session, partnership):
    case = make_case(session, partnership)
    session.commit()
    base = f"/console/trawls/{start_trawl(signed_in, case)}"
    response = post_form(
        signed_in, f"{base}/people/add",
        {"name": "", "relationship_to_victim": "", "date_of_birth-day": "40",
         "date_of_birth-month": "1", "date_of_birth-year": "2010", "address": "3 Mill Lane"},
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert "Enter the person&#39;s full name" in html or "Enter the person's full name" in html
    assert "Enter how the person is related to the victim" in html
    assert "The date of birth must be a real date" in html
    assert "3 Mill Lane" in html
    assert len(fresh(session).scalars(select(CasePerson)).all()) == 3


def test_choosing_no_agency_or_another_partnerships_agency_is_refused(
    signed_in, session, partnership, other
):
    case = make_case(session, partnership)
    theirs = Agency(partnership_id=other.id, key="o", name="Otherton Police",
                    secure_addresses=["dhr@otherton.gov.uk"])  # fmt: skip
    session.add(theirs)
    session.commit()
    trawl_id = start_trawl(signed_in, case)
    base = f"/console/trawls/{trawl_id}"
    for chosen in ([], [str(theirs.id)], ["nonsense"]):
        response = post_form(signed_in, f"{base}/agencies", {"agencies": chosen})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Select at least one agency" in html
        assert "Otherton" not in html
    assert theirs.id not in fresh(session).get(Trawl, trawl_id).agency_ids


def test_a_new_agency_is_added_on_the_spot_and_comes_back_ticked(signed_in, session, partnership):
    case = make_case(session, partnership)
    session.commit()
    base = f"/console/trawls/{start_trawl(signed_in, case)}"
    html = signed_in.get(f"{base}/agencies").get_data(as_text=True)
    add = re.search(r'href="(/console/agencies/new\?next=[^"]+)"', html).group(1)
    add = add.replace("&amp;", "&")
    response = post_form(
        signed_in, add,
        {"name": "Exampleshire Schools Safeguarding",
         "secure_addresses": "schools.safeguarding@exampleshire.gov.uk"},
    )  # fmt: skip
    assert response.status_code == 302
    back = response.headers["Location"]
    assert back.startswith(f"{base}/agencies?added=")
    new = agency_id(session, partnership, "Exampleshire Schools Safeguarding")
    html = signed_in.get(back).get_data(as_text=True)
    assert "checked" in checkbox(html, "agencies", new)

    # Only a path in the console is followed back.
    for i, target in enumerate(("https://evil.example/", "//evil.example/x", "/account/sign-in",
                                "/console/../sign-out", "/console//evil.example")):  # fmt: skip
        response = post_form(
            signed_in, f"/console/agencies/new?{urlencode({'next': target})}",
            {"name": f"Agency {i}", "secure_addresses": "x@exampleshire.gov.uk"},
        )  # fmt: skip
        assert response.headers["Location"].endswith("/console/agencies"), target


def test_the_check_page_says_what_is_missing_and_offers_no_send_button(
    signed_in, session, partnership
):
    case = make_case(session, partnership)
    case.people = []
    case.trawl_years = None
    session.commit()
    base = f"/console/trawls/{start_trawl(signed_in, case)}"
    html = signed_in.get(f"{base}/check").get_data(as_text=True)
    assert "There is a problem" in html
    assert "Select at least one person for agencies to search for" in html
    assert "Enter the scoping period" in html
    assert "Send the trawl" not in html
    response = post_form(signed_in, f"{base}/send", {}, page=f"{base}/check")
    assert response.status_code == 400
    assert not fresh(session).scalars(select(TrawlRequest)).all()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CHAIR])
def test_viewers_and_chairs_cannot_start_or_change_a_trawl(
    page_client, session, partnership, officer, role
):
    from service.models import CaseChair
    from service.trawls import sending

    case = make_case(session, partnership)
    draft = sending.start(session, case, created_by=officer.id)
    user = make_user(session, partnership, role)
    if role is Role.CHAIR:
        session.add(CaseChair(case_id=case.id, user_id=user.id))
    session.commit()
    sign_in(page_client, user)
    html = page_client.get(f"/console/cases/{case.id}/trawls").get_data(as_text=True)
    assert "Start a trawl" not in html and "Continue the trawl" not in html
    tracker = f"/console/cases/{case.id}/trawls"
    response = post_form(page_client, f"/console/cases/{case.id}/trawls/new", {}, page=tracker)
    assert response.status_code == 403
    for page in ("agencies", "people", "people/add", "scope", "note", "check"):
        assert page_client.get(f"/console/trawls/{draft.id}/{page}").status_code == 403
    response = post_form(page_client, f"/console/trawls/{draft.id}/send", {}, page=tracker)
    assert response.status_code == 403
    assert fresh(session).get(Trawl, draft.id).status is TrawlStatus.DRAFT
