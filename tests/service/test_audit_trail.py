"""Every event the audit trail must hold, from one officer's morning: signing in, looking at a
case and a message, the messages sent and released, every change, an export, signing out — each
with who, when, what, which object and the client address."""

from __future__ import annotations

from sqlalchemy import select

from mail import outbox
from service import clock
from service.models import (
    Agency,
    AuditEvent,
    Case,
    InsecureRecipientAction,
    Message,
    MessageStatus,
    Role,
    User,
)
from tests.console import PASSWORD, make_user, post_form, sign_in
from tests.jobs import run_worker_burst


def test_each_event_writes_its_audit_row(page_client, session, partnership):
    officer = make_user(session, partnership, Role.OFFICER)
    chair = make_user(session, partnership, Role.CHAIR)
    case = Case(partnership_id=partnership.id, reference="DHR-2026-001")
    session.add(case)
    partnership.insecure_recipient_action = InsecureRecipientAction.HOLD
    session.commit()
    me = f"user:{officer.id}"
    expected: list[tuple[str, str, str | None, str | None]] = []  # action, actor, type, id

    # Someone else fails to sign in five times: failures and the lockout.
    for _ in range(5):
        post_form(page_client, "/sign-in", {"email": chair.email, "password": "not " + PASSWORD})
    expected += [("sign_in.failed", f"user:{chair.id}", "user", str(chair.id))] * 5
    expected += [("account.locked", f"user:{chair.id}", "user", str(chair.id))]

    sign_in(page_client, officer)
    expected.append(("sign_in", me, "user", str(officer.id)))

    page_client.get(f"/console/cases/{case.id}")
    expected.append(("case.viewed", me, "case", str(case.id)))

    (sent,) = outbox.queue_message(
        session, partnership=partnership, purpose="mail.test", reference="TEST-1",
        to=["someone@exampleshire.gov.uk"],
    )  # fmt: skip
    (held,) = outbox.queue_message(
        session, partnership=partnership, purpose="mail.test", reference="TEST-2",
        to=["safeguarding@exampleshire-recovery.org.uk"],
    )  # fmt: skip
    session.commit()
    run_worker_burst()
    expected.append(("message.sent", "system", "message", sent.id))

    page_client.get(f"/console/outbox/{sent.id}")
    expected.append(("message.viewed", me, "message", sent.id))
    post_form(
        page_client,
        f"/console/outbox/{held.id}/release",
        {},
        page=f"/console/outbox/{held.id}/release",
    )
    expected.append(("message.released", me, "message", held.id))

    session.rollback()
    failed = session.get(Message, sent.id)
    failed.status = MessageStatus.FAILED
    session.commit()
    post_form(
        page_client, f"/console/outbox/{sent.id}/retry", {}, page=f"/console/outbox/{sent.id}"
    )
    expected.append(("message.retried", me, "message", sent.id))

    post_form(
        page_client,
        "/console/agencies/new",
        {"name": "Exampleshire Hospice", "secure_addresses": "dhr@hospice.exampleshire.gov.uk"},
    )
    session.rollback()  # the test's own snapshot must see what the requests wrote
    agency = session.scalar(select(Agency).where(Agency.name == "Exampleshire Hospice"))
    expected.append(("agency.created", me, "agency", str(agency.id)))
    post_form(
        page_client,
        f"/console/agencies/{agency.id}/edit",
        {"name": "Exampleshire Hospice", "secure_addresses": "safe@hospice.exampleshire.gov.uk",
         "on_standard_trawl_list": "y"},
    )  # fmt: skip
    expected.append(("agency.updated", me, "agency", str(agency.id)))

    post_form(
        page_client,
        "/console/users/invite",
        {"email": "new.viewer@exampleshire.gov.uk", "name": "New Viewer", "role": "viewer"},
    )
    session.rollback()
    invited = session.scalar(select(User).where(User.email == "new.viewer@exampleshire.gov.uk"))
    expected.append(("user.created", me, "user", str(invited.id)))
    user_page = f"/console/users/{invited.id}"
    post_form(page_client, f"{user_page}/disable", {}, page=user_page)
    expected.append(("user.disabled", me, "user", str(invited.id)))
    post_form(page_client, f"{user_page}/enable", {}, page=user_page)
    expected.append(("user.enabled", me, "user", str(invited.id)))

    session.rollback()
    chair_row = session.get(User, chair.id)
    chair_row.locked_until = None
    session.commit()
    post_form(
        page_client, f"/console/cases/{case.id}/chairs", {"user_id": str(chair.id)},
        page=f"/console/cases/{case.id}",
    )  # fmt: skip
    expected.append(("case.chair_assigned", me, "case", str(case.id)))

    assert page_client.get("/console/audit.csv").status_code == 200
    expected.append(("audit.exported", me, None, None))

    post_form(page_client, "/sign-out", {}, page="/console/")
    expected.append(("sign_out", me, "user", str(officer.id)))

    session.rollback()
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    found = [(r.action, r.actor, r.object_type, r.object_id) for r in rows]
    position = 0
    for event in expected:
        assert event in found[position:], f"no audit row {event} after row {position}"
        position = found.index(event, position) + 1
    signed_in_at = found.index(("sign_in", me, "user", str(officer.id)))
    for row in rows:
        assert row.at <= clock.now()
        assert row.partnership_id == partnership.id, row.action
    for row in rows[signed_in_at:]:
        if row.actor == me:
            assert row.client_address == "127.0.0.1", row.action
    views = [r for r in rows if r.action == "case.viewed"]
    assert views[0].case_id == case.id
