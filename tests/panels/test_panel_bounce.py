"""A panel member whose papers bounced: the panel page says so ("Email bounced on DATE"), and
"Send again to a corrected address" sends the same email (papers and invitation) to the secure
address the officer enters, which becomes the member's; an insecure or malformed one is refused
with the error summary. Audited."""

from __future__ import annotations

import datetime as dt
import html
import re

from sqlalchemy import select

from mail import outbox
from mail.bounces import record
from service import clock, db
from service.models import (
    AuditEvent,
    Message,
    MessageBounce,
    MessageStatus,
    PanelDelivery,
    PanelMember,
)
from service.panels import members, messages
from tests.console import post_form
from tests.mail import bounce_fixtures as fx
from tests.panels.factories import MEMBERS, scheduled_meeting, upload
from tests.trawls.factories import make_case
from workers import sweep as sweep_mod

CORRECTED = "morgan.police@example.police.uk"


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def papers_sent_and_one_bounced(session, partnership):
    meeting = scheduled_meeting(session, partnership, at=clock.now(),
                                day=clock.now().date() + dt.timedelta(days=30))  # fmt: skip
    session.commit()
    upload(session, meeting, clock.now())
    at = meeting.dispatch_at
    with clock.frozen_at(at):
        assert sweep_mod.run(at).checks["panel papers dispatched"] == 1
    session.rollback()
    sent = session.scalars(
        select(Message).where(Message.purpose == messages.PAPERS.name).order_by(Message.recipient)
    ).all()
    assert len(sent) == 2
    now = clock.now()
    for message in sent:
        assert outbox.claim(session, message.id, now)
        assert outbox.mark_sent(session, message.id, now, "250 accepted")
    session.commit()
    (bouncing,) = [m for m in sent if m.recipient == MEMBERS[0][1]]
    with db.transaction() as s:
        raw = fx.exchange_online_ndr(bouncing.message_id_header, bouncing.recipient)
        assert record.ingest(s, raw, source="file").result == record.BOUNCED
    member = session.scalars(select(PanelMember).where(PanelMember.email == MEMBERS[0][1])).one()
    return meeting, member, bouncing


def test_a_bounced_member_is_shown_and_sent_again_to_a_corrected_address(
    signed_in, session, partnership
):
    meeting, member, bouncing = papers_sent_and_one_bounced(session, partnership)
    panel_page = f"/console/cases/{meeting.case_id}/panel"
    again = f"/console/panel-members/{member.id}/send-again"

    page = signed_in.get(panel_page)
    assert f"Email bounced on {clock.long_date(clock.now())}" in text(page)
    assert text(page).count("Email bounced") == 1  # only the member whose email bounced
    assert f'href="{again}"' in page.get_data(as_text=True)
    form = signed_in.get(again)
    assert form.status_code == 200 and bouncing.subject in text(form)

    for bad, says in [
        ("morgan@gmail.com", "Enter a secure email address"),
        ("not an address", "Enter an email address in the correct format"),
        (MEMBERS[1][1], "already on the panel"),
        (MEMBERS[0][1], "Enter a different address"),
    ]:
        refused = post_form(signed_in, again, {"email": bad}, page=again)
        assert refused.status_code == 400, bad
        assert "govuk-error-summary" in refused.get_data(as_text=True) and says in text(refused)
    session.rollback()
    assert session.get(PanelMember, member.id).email == MEMBERS[0][1]

    done = post_form(signed_in, again, {"email": CORRECTED}, page=again)
    assert done.status_code == 302 and done.headers["Location"] == panel_page
    assert "1 email sent again" in text(signed_in.get(panel_page))

    session.rollback()
    session.expire_all()
    assert session.get(PanelMember, member.id).email == CORRECTED
    papers = session.scalars(
        select(Message).where(Message.purpose == messages.PAPERS.name).order_by(Message.created_at)
    ).all()
    (resent,) = [m for m in papers if m.recipient == CORRECTED]
    assert resent.status is MessageStatus.QUEUED and resent.subject == bouncing.subject
    assert resent.body_text == bouncing.body_text
    assert [a.sha256 for a in resent.attachments] == [a.sha256 for a in bouncing.attachments]
    assert resent.attachments  # the papers and the invitation go again
    delivered = session.scalars(
        select(PanelDelivery).where(PanelDelivery.member_id == member.id).order_by(PanelDelivery.id)
    ).all()
    assert [d.message_id for d in delivered] == [bouncing.id, resent.id]
    assert delivered[0].paper_ids == delivered[1].paper_ids
    assert all(b.dealt_with_at is not None for b in session.scalars(select(MessageBounce)))
    actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert {"message.sent_again", "panel.member_address_corrected"} <= set(actions)

    assert "Email bounced" not in text(signed_in.get(panel_page))
    assert signed_in.get(again).status_code == 302  # nothing left to send again


def test_another_partnerships_member_cannot_be_sent_again(signed_in, session, other):
    case = make_case(session, other)
    member = members.add(session, case, name="Olu Other", email="olu@otherton.gov.uk",
                         agency=None, role=None, actor="test")  # fmt: skip
    session.commit()
    assert signed_in.get(f"/console/panel-members/{member.id}/send-again").status_code == 404
    assert signed_in.post(f"/console/panel-members/{member.id}/send-again").status_code in (
        400,
        404,
    )
