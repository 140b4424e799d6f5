"""The console's Cases pages: who sees which case, every view audited, assigning chairs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.models import AuditEvent, Case, CaseChair, Role, UserStatus
from tests.console import make_user, post_form, sign_in


def make_case(session, partnership, reference, *chairs):
    case = Case(partnership_id=partnership.id, reference=reference)
    session.add(case)
    session.flush()
    for chair in chairs:
        session.add(CaseChair(case_id=case.id, user_id=chair.id))
    session.commit()
    return case


def fresh(session):
    session.rollback()
    session.expire_all()
    return session


def chairs_of(session, case):
    rows = fresh(session).scalars(select(CaseChair.user_id).where(CaseChair.case_id == case.id))
    return sorted(rows)


def events(session, action, **where):
    query = select(AuditEvent).where(AuditEvent.action == action)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return list(fresh(session).scalars(query))


# --- the list --------------------------------------------------------------------------------


def test_no_cases_yet(signed_in):
    html = signed_in.get("/console/cases").get_data(as_text=True)
    assert "There are no cases yet. Cases are opened from referrals." in html


def test_officers_see_the_partnerships_cases_and_their_chairs(
    signed_in, session, partnership, other
):
    chair = make_user(session, partnership, Role.CHAIR, name="Cara Chair")
    first = make_case(session, partnership, "DHR-2026-001", chair)
    second = make_case(session, partnership, "DHR-2026-002")
    theirs = make_case(session, other, "OTH-2026-001")

    html = signed_in.get("/console/cases").get_data(as_text=True)
    assert f'href="/console/cases/{first.id}"' in html and "DHR-2026-001" in html
    assert f'href="/console/cases/{second.id}"' in html and "DHR-2026-002" in html
    assert "Cara Chair" in html and "None assigned" in html
    assert "Open" in html
    assert "OTH-2026-001" not in html
    assert signed_in.get(f"/console/cases/{theirs.id}").status_code == 404
    assert not events(session, "case.viewed", case_id=theirs.id)


def test_chairs_see_only_the_cases_assigned_to_them(page_client, session, partnership):
    chair = make_user(session, partnership, Role.CHAIR)
    mine = make_case(session, partnership, "DHR-2026-010", chair)
    not_mine = make_case(session, partnership, "DHR-2026-011")
    sign_in(page_client, chair)

    html = page_client.get("/console/cases").get_data(as_text=True)
    assert "DHR-2026-010" in html
    assert "DHR-2026-011" not in html
    assert page_client.get(f"/console/cases/{mine.id}").status_code == 200
    assert page_client.get(f"/console/cases/{not_mine.id}").status_code == 404
    assert not events(session, "case.viewed", case_id=not_mine.id)
    # A chair reads; the audit trail and the chair form are not for them.
    html = page_client.get(f"/console/cases/{mine.id}").get_data(as_text=True)
    assert "Assign a chair" not in html
    assert "Audit trail for this case" not in html
    assert page_client.get(f"/console/cases/{mine.id}/audit").status_code == 403


# --- the case page ---------------------------------------------------------------------------


def test_every_view_of_a_case_is_audited(signed_in, session, partnership, officer):
    case = make_case(session, partnership, "DHR-2026-020")
    for _ in range(2):
        html = signed_in.get(f"/console/cases/{case.id}").get_data(as_text=True)
        assert "<h1" in html and "DHR-2026-020" in html
    viewed = events(session, "case.viewed", case_id=case.id)
    assert len(viewed) == 2
    assert {(e.actor, e.object_type, e.object_id, e.partnership_id) for e in viewed} == {
        (f"user:{officer.id}", "case", str(case.id), partnership.id)
    }
    assert f"/console/cases/{case.id}/audit" in html


def test_viewers_read_cases_but_cannot_assign_chairs(page_client, session, partnership):
    viewer = make_user(session, partnership, Role.VIEWER)
    chair = make_user(session, partnership, Role.CHAIR)
    case = make_case(session, partnership, "DHR-2026-030")
    sign_in(page_client, viewer)
    page = f"/console/cases/{case.id}"
    html = page_client.get(page).get_data(as_text=True)
    assert "DHR-2026-030" in html and "Assign a chair" not in html
    response = post_form(
        page_client, f"/console/cases/{case.id}/chairs", {"user_id": str(chair.id)}, page=page
    )
    assert response.status_code == 403
    assert chairs_of(session, case) == []


# --- assigning chairs ------------------------------------------------------------------------


def test_assigning_and_removing_a_chair(signed_in, session, partnership, officer):
    chair = make_user(session, partnership, Role.CHAIR, name="Cara Chair")
    disabled = make_user(session, partnership, Role.CHAIR, name="Dan Disabled")
    disabled.status = UserStatus.DISABLED
    make_user(session, partnership, Role.VIEWER, name="Vic Viewer")
    session.commit()
    case = make_case(session, partnership, "DHR-2026-040")
    page = f"/console/cases/{case.id}"

    html = signed_in.get(page).get_data(as_text=True)
    # Only active chairs are offered.
    assert f'value="{chair.id}"' in html
    assert "Dan Disabled" not in html and "Vic Viewer" not in html

    response = post_form(
        signed_in, f"/console/cases/{case.id}/chairs", {"user_id": str(chair.id)}, page=page
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page)
    assert chairs_of(session, case) == [chair.id]
    assigned = events(session, "case.chair_assigned", case_id=case.id)
    assert len(assigned) == 1
    assert assigned[0].actor == f"user:{officer.id}"
    assert assigned[0].detail == {"user_id": chair.id}
    html = signed_in.get(page).get_data(as_text=True)
    assert "Cara Chair is now a chair of this case" in html
    assert f"/console/cases/{case.id}/chairs/{chair.id}/remove" in html
    assert 'Remove<span class="govuk-visually-hidden"> Cara Chair from this case</span>' in html

    # Assigning the same chair again is a form error, not a second row.
    response = post_form(
        signed_in, f"/console/cases/{case.id}/chairs", {"user_id": str(chair.id)}, page=page
    )
    assert response.status_code == 200
    assert "There is a problem" in response.get_data(as_text=True)
    assert chairs_of(session, case) == [chair.id]

    response = post_form(
        signed_in, f"/console/cases/{case.id}/chairs/{chair.id}/remove", {}, page=page
    )
    assert response.status_code == 302
    assert chairs_of(session, case) == []
    removed = events(session, "case.chair_removed", case_id=case.id)
    assert [e.detail for e in removed] == [{"user_id": chair.id}]
    assert "is no longer a chair of this case" in signed_in.get(page).get_data(as_text=True)


def test_a_chair_sees_a_case_once_assigned(page_app, signed_in, session, partnership):
    chair = make_user(session, partnership, Role.CHAIR)
    case = make_case(session, partnership, "DHR-2026-045")
    theirs = page_app.test_client()
    sign_in(theirs, chair)
    assert theirs.get(f"/console/cases/{case.id}").status_code == 404
    post_form(
        signed_in,
        f"/console/cases/{case.id}/chairs",
        {"user_id": str(chair.id)},
        page=f"/console/cases/{case.id}",
    )
    assert theirs.get(f"/console/cases/{case.id}").status_code == 200


@pytest.mark.parametrize("forged", ["other_partnership", "viewer", "disabled", "missing", "text"])
def test_a_forged_chair_id_is_refused(signed_in, session, partnership, other, forged):
    case = make_case(session, partnership, "DHR-2026-050")
    if forged == "other_partnership":
        user_id = str(make_user(session, other, Role.CHAIR).id)
    elif forged == "viewer":
        user_id = str(make_user(session, partnership, Role.VIEWER).id)
    elif forged == "disabled":
        user = make_user(session, partnership, Role.CHAIR)
        user.status = UserStatus.DISABLED
        session.commit()
        user_id = str(user.id)
    elif forged == "missing":
        user_id = "999999"
    else:
        user_id = "1 OR 1=1"
    page = f"/console/cases/{case.id}"
    response = post_form(
        signed_in, f"/console/cases/{case.id}/chairs", {"user_id": user_id}, page=page
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Select a chair from the list" in html
    assert 'href="#user_id"' in html
    assert chairs_of(session, case) == []
    assert not events(session, "case.chair_assigned")


def test_another_partnerships_case_cannot_be_changed(signed_in, session, partnership, other):
    their_chair = make_user(session, other, Role.CHAIR)
    theirs = make_case(session, other, "OTH-2026-002", their_chair)
    my_chair = make_user(session, partnership, Role.CHAIR)
    response = post_form(
        signed_in,
        f"/console/cases/{theirs.id}/chairs",
        {"user_id": str(my_chair.id)},
        page="/console/cases",
    )
    assert response.status_code == 404
    response = post_form(
        signed_in,
        f"/console/cases/{theirs.id}/chairs/{their_chair.id}/remove",
        {},
        page="/console/cases",
    )
    assert response.status_code == 404
    assert chairs_of(session, theirs) == [their_chair.id]
