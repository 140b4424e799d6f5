"""The console's Users pages: the list, inviting, disabling, re-enabling and new set-up links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service import clock
from service.models import AuditEvent, ConsoleSession, Message, Role, User, UserStatus
from tests.console import make_user, post_form, sign_in
from tests.delivered import delivered_text


def fresh(session):
    session.rollback()
    session.expire_all()
    return session


def events(session, action, **where):
    query = select(AuditEvent).where(AuditEvent.action == action)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return list(fresh(session).scalars(query))


# --- the list --------------------------------------------------------------------------------


def test_users_list_shows_the_partnerships_users_with_their_status(
    signed_in, session, partnership, officer, other
):
    chair = make_user(session, partnership, Role.CHAIR, email="chris.chair@exampleshire.gov.uk")
    chair.name = "Chris Chair"
    chair.locked_until = clock.now() + timedelta(minutes=10)
    viewer = make_user(session, partnership, Role.VIEWER, email="vic.viewer@exampleshire.gov.uk")
    viewer.status = UserStatus.DISABLED
    outsider = make_user(session, other, Role.OFFICER, email="oscar@otherton.gov.uk")
    session.commit()

    html = signed_in.get("/console/users").get_data(as_text=True)

    assert "Invite a user" in html
    assert "Chris Chair" in html and "chris.chair@exampleshire.gov.uk" in html
    assert "Locked" in html and "Disabled" in html and "Active" in html
    assert "Chair" in html and "Viewer" in html and "Officer" in html
    assert f"/console/users/{viewer.id}" in html
    assert "oscar@otherton.gov.uk" not in html
    assert f"/console/users/{outsider.id}" not in html


def test_another_partnerships_user_is_not_found(signed_in, session, other):
    outsider = make_user(session, other, Role.OFFICER, email="oscar2@otherton.gov.uk")
    assert signed_in.get(f"/console/users/{outsider.id}").status_code == 404
    response = post_form(
        signed_in, f"/console/users/{outsider.id}/disable", {}, page="/console/users"
    )
    assert response.status_code == 404
    assert fresh(session).get(User, outsider.id).status is UserStatus.ACTIVE


@pytest.mark.parametrize("role", [Role.CHAIR, Role.VIEWER])
def test_chairs_and_viewers_cannot_see_or_manage_users(page_client, session, partnership, role):
    user = make_user(session, partnership, role)
    target = make_user(session, partnership, Role.VIEWER)
    sign_in(page_client, user)
    assert page_client.get("/console/users").status_code == 403
    assert page_client.get("/console/users/invite").status_code == 403
    assert page_client.get(f"/console/users/{target.id}").status_code == 403
    response = post_form(page_client, f"/console/users/{target.id}/disable", {}, page="/console/")
    assert response.status_code == 403
    assert fresh(session).get(User, target.id).status is UserStatus.ACTIVE


# --- inviting --------------------------------------------------------------------------------


def test_inviting_a_user_creates_them_and_emails_a_set_up_link(
    signed_in, session, partnership, officer
):
    response = post_form(
        signed_in,
        "/console/users/invite",
        {"email": "new.chair@exampleshire.gov.uk", "name": "New Chair", "role": "chair"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console/users")
    listing = signed_in.get("/console/users").get_data(as_text=True)
    assert "Invitation sent to new.chair@exampleshire.gov.uk" in listing
    assert "Invited" in listing

    user = fresh(session).scalar(select(User).where(User.email == "new.chair@exampleshire.gov.uk"))
    assert user is not None
    assert user.partnership_id == partnership.id
    assert user.role is Role.CHAIR and user.status is UserStatus.INVITED
    assert user.name == "New Chair"
    messages = session.scalars(
        select(Message).where(Message.recipient == user.email, Message.purpose == "account.setup")
    ).all()
    assert len(messages) == 1
    assert "/account/set-up?token=" in delivered_text(messages[0])
    created = events(session, "user.created", object_id=str(user.id))
    assert len(created) == 1
    assert created[0].actor == f"user:{officer.id}"
    assert created[0].partnership_id == partnership.id
    assert created[0].detail == {"role": "chair"}


def test_the_invite_page_explains_the_roles(signed_in):
    html = signed_in.get("/console/users/invite").get_data(as_text=True)
    assert "Everything in the partnership" in html
    assert "Reads the cases they are assigned to" in html
    assert "Reads everything, changes nothing" in html


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("someone@gmail.com", "secure domains"),
        ("not-an-address", "correct format"),
        ("", "Enter their email address"),
    ],
)
def test_an_address_that_cannot_be_invited_is_an_error_on_the_email_field(
    signed_in, session, email, message
):
    before = fresh(session).scalar(select(func.count()).select_from(User))
    response = post_form(
        signed_in, "/console/users/invite", {"email": email, "name": "", "role": "viewer"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert 'href="#email"' in html
    assert message in html
    assert fresh(session).scalar(select(func.count()).select_from(User)) == before
    assert not fresh(session).scalars(select(Message)).all()


def test_inviting_an_existing_address_is_refused(signed_in, session, partnership):
    existing = make_user(session, partnership, Role.VIEWER, email="vera@exampleshire.gov.uk")
    response = post_form(
        signed_in,
        "/console/users/invite",
        {"email": existing.email, "name": "", "role": "officer"},
    )
    html = response.get_data(as_text=True)
    assert "There is already an account with this email address" in html
    assert 'href="#email"' in html
    assert fresh(session).scalar(select(func.count()).select_from(User)) == 2
    assert not session.scalars(select(Message)).all()


def test_a_role_must_be_chosen(signed_in, session):
    response = post_form(
        signed_in, "/console/users/invite", {"email": "x@exampleshire.gov.uk", "role": "admin"}
    )
    html = response.get_data(as_text=True)
    assert "Select what they can do" in html
    assert 'href="#role"' in html
    assert fresh(session).scalar(select(User).where(User.email == "x@exampleshire.gov.uk")) is None


# --- disabling and re-enabling --------------------------------------------------------------


def test_disabling_a_user_ends_their_sessions(page_app, signed_in, session, partnership):
    target = make_user(session, partnership, Role.VIEWER)
    theirs = page_app.test_client()
    sign_in(theirs, target)
    assert theirs.get("/console/").status_code == 200

    page = f"/console/users/{target.id}"
    assert "Disable" in signed_in.get(page).get_data(as_text=True)
    response = post_form(signed_in, f"/console/users/{target.id}/disable", {}, page=page)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page)
    assert "has been disabled" in signed_in.get(page).get_data(as_text=True)

    assert fresh(session).get(User, target.id).status is UserStatus.DISABLED
    assert len(events(session, "user.disabled", object_id=str(target.id))) == 1
    response = theirs.get("/console/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_re_enabling_a_user(signed_in, session, partnership, officer):
    target = make_user(session, partnership, Role.VIEWER)
    target.status = UserStatus.DISABLED
    session.commit()
    page = f"/console/users/{target.id}"
    html = signed_in.get(page).get_data(as_text=True)
    assert "Re-enable" in html and "Send a new set-up link" not in html

    response = post_form(signed_in, f"/console/users/{target.id}/enable", {}, page=page)
    assert response.status_code == 302
    assert fresh(session).get(User, target.id).status is UserStatus.ACTIVE
    enabled = events(session, "user.enabled", object_id=str(target.id))
    assert [e.actor for e in enabled] == [f"user:{officer.id}"]


def test_you_cannot_disable_yourself(signed_in, session, officer):
    page = f"/console/users/{officer.id}"
    html = signed_in.get(page).get_data(as_text=True)
    assert "You cannot disable your own account" in html
    assert f"/console/users/{officer.id}/disable" not in html

    # Even when the button is forged, nothing happens and the page says why.
    response = post_form(signed_in, f"/console/users/{officer.id}/disable", {}, page=page)
    assert response.status_code == 302
    html = signed_in.get(page).get_data(as_text=True)
    assert "You cannot disable your own account" in html
    assert "Important" in html
    assert fresh(session).get(User, officer.id).status is UserStatus.ACTIVE
    assert not events(session, "user.disabled")
    assert signed_in.get("/console/").status_code == 200


# --- new set-up links ------------------------------------------------------------------------


def test_a_new_set_up_link_for_an_invited_user(signed_in, session, partnership):
    post_form(
        signed_in,
        "/console/users/invite",
        {"email": "late@exampleshire.gov.uk", "role": "viewer"},
    )
    user = fresh(session).scalar(select(User).where(User.email == "late@exampleshire.gov.uk"))
    page = f"/console/users/{user.id}"
    html = signed_in.get(page).get_data(as_text=True)
    assert "Send a new set-up link" in html

    response = post_form(signed_in, f"/console/users/{user.id}/setup-link", {}, page=page)
    assert response.status_code == 302
    assert "A new set-up link has been sent" in signed_in.get(page).get_data(as_text=True)
    messages = fresh(session).scalars(
        select(Message).where(Message.recipient == user.email, Message.purpose == "account.setup")
    )
    assert len(messages.all()) == 2
    assert len(events(session, "user.setup_link_issued", object_id=str(user.id))) == 2


def test_a_new_set_up_link_for_a_user_who_lost_their_app(page_app, signed_in, session, partnership):
    target = make_user(session, partnership, Role.CHAIR)
    theirs = page_app.test_client()
    sign_in(theirs, target)
    page = f"/console/users/{target.id}"
    html = signed_in.get(page).get_data(as_text=True)
    assert "replaces their password and their authenticator app" in html

    response = post_form(signed_in, f"/console/users/{target.id}/setup-link", {}, page=page)
    assert response.status_code == 302
    user = fresh(session).get(User, target.id)
    assert user.status is UserStatus.INVITED
    assert user.password_hash is None and user.totp_secret is None
    assert session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.recipient == user.email, Message.purpose == "account.setup")
    )
    assert theirs.get("/console/").status_code == 302


def test_a_disabled_user_gets_no_set_up_link(signed_in, session, partnership):
    target = make_user(session, partnership, Role.VIEWER)
    target.status = UserStatus.DISABLED
    session.commit()
    page = f"/console/users/{target.id}"
    response = post_form(signed_in, f"/console/users/{target.id}/setup-link", {}, page=page)
    assert response.status_code == 302
    assert "Re-enable the account before sending a set-up link" in signed_in.get(page).get_data(
        as_text=True
    )
    assert not fresh(session).scalars(select(Message)).all()


def test_the_invite_schema_has_the_forms_fields(page_app):
    from forms.user import InviteUserForm, InviteUserSchema

    with page_app.test_request_context():
        form_fields = {name for name in InviteUserForm()._fields if name != "csrf_token"}
    assert form_fields == set(InviteUserSchema().fields) == {"email", "name", "role"}
    data = InviteUserSchema().load({"email": "a@b.gov.uk", "name": None, "role": "chair"})
    assert data == {"email": "a@b.gov.uk", "name": None, "role": "chair"}


# --- invitations stay inside the partnership ---------------------------------------------------


def test_an_officer_cannot_invite_an_address_on_another_partnerships_domain(
    page_app, session, partnership, other
):
    otherton_officer = make_user(session, other, Role.OFFICER, email="owen@otherton.gov.uk")
    client = page_app.test_client()
    assert sign_in(client, otherton_officer).status_code == 302
    response = post_form(
        client,
        "/console/users/invite",
        {"email": "someone@exampleshire.gov.uk", "name": "", "role": "viewer"},
    )
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert "Enter an email address on one of the partnership&#39;s secure domains" in html
    assert "(otherton.gov.uk)" in html
    assert (
        fresh(session).scalar(
            select(func.count())
            .select_from(User)
            .where(User.email == "someone@exampleshire.gov.uk")
        )
        == 0
    )


def _invite(client, email: str):
    return post_form(client, "/console/users/invite", {"email": email, "name": "", "role": "chair"})


def test_an_address_with_an_account_elsewhere_is_invited_like_any_other(
    signed_in, session, partnership, other
):
    # Both partnerships work with the same NHS trust.
    other.secure_domains = ["otherton.gov.uk", "nhs.net"]
    theirs = make_user(session, other, Role.CHAIR, email="nadia.nurse@nhs.net")

    shared = _invite(signed_in, "Nadia.Nurse@nhs.net")
    shared_page = signed_in.get("/console/users").get_data(as_text=True)
    fresh_one = _invite(signed_in, "nobody.yet@nhs.net")
    fresh_page = signed_in.get("/console/users").get_data(as_text=True)

    # The same answer as for an address nobody has used: nothing says Otherton has her.
    assert shared.status_code == fresh_one.status_code == 302
    assert shared.headers["Location"] == fresh_one.headers["Location"]
    assert "Invitation sent to nadia.nurse@nhs.net" in shared_page
    assert "Invitation sent to nobody.yet@nhs.net" in fresh_page
    ours = fresh(session).scalar(
        select(User).where(
            User.email == "nadia.nurse@nhs.net", User.partnership_id == partnership.id
        )
    )
    assert ours is not None and ours.id != theirs.id and ours.status is UserStatus.INVITED
    # Otherton's account is untouched, and still signs in.
    assert fresh(session).get(User, theirs.id).status is UserStatus.ACTIVE


SECOND_PASSWORD = "a different long phrase for here"


def test_someone_with_an_account_in_each_partnership_signs_in_to_each_by_its_password(
    page_app, session, partnership, other
):
    from service.auth import accounts
    from tests.console import token_of

    other.secure_domains = ["nhs.net"]
    session.commit()
    in_other_id = make_user(session, other, Role.CHAIR, email="nadia.nurse@nhs.net").id
    here, link = accounts.create_user(
        session, partnership, email="nadia.nurse@nhs.net", role=Role.CHAIR, actor="test"
    )
    # The password picks the account, so the second account needs a different one.
    with pytest.raises(accounts.AccountRefused, match="different from the one for your other"):
        accounts.setup_password(session, token_of(link), "correct horse battery staple")
    session.rollback()
    here = make_user(
        session, partnership, Role.CHAIR, email="nadia.nurse@nhs.net", password=SECOND_PASSWORD
    )

    assert sign_in(page_app.test_client(), here, password=SECOND_PASSWORD).status_code == 302
    in_other = session.get(User, in_other_id)
    assert sign_in(page_app.test_client(), in_other).status_code == 302
    signed_in_as = fresh(session).scalars(
        select(ConsoleSession.user_id).order_by(ConsoleSession.created_at, ConsoleSession.user_id)
    )
    assert sorted(signed_in_as) == sorted([here.id, in_other.id])
