"""Attachments are stored once: a panel dispatch to 12 members with a 10 MB paper stores the
paper once, each member's message refers to it, and each member is sent all of it."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from mail import mime
from service import clock
from service.models import AttachmentBlob, Message, MessageAttachment
from service.panels import meetings, members
from tests.panels.factories import DISPATCH, SCHEDULED_AT, details, upload
from tests.sweeping import outbox, sweep_here
from tests.trawls.factories import make_case
from tests.uploads.files import pdf

MB = 1024 * 1024
PAPER = pdf("Draft overview report", padding=10 * MB)


def test_a_dispatch_to_12_members_with_a_10_mb_paper_stores_the_paper_once(session, partnership):
    case = make_case(session, partnership)
    people = [
        members.add(session, case, name=f"Member {n}", email=f"member.{n}@example.police.uk",
                    agency=None, role=None, actor="test")
        for n in range(12)
    ]  # fmt: skip
    with clock.frozen_at(SCHEDULED_AT):
        meeting, _ = meetings.schedule(session, case, details(), [m.id for m in people],
                                       created_by=None, actor="test")  # fmt: skip
    session.commit()
    upload(session, meeting, SCHEDULED_AT, title="Draft overview report", data=PAPER)

    assert sweep_here(DISPATCH)["panel papers dispatched"] == 1
    sent = outbox(session, "panel.papers")
    assert len(sent) == 12
    sha = hashlib.sha256(PAPER).hexdigest()
    # One stored copy of the paper; each message refers to it.
    assert session.scalar(select(func.count()).select_from(AttachmentBlob)
                          .where(AttachmentBlob.sha256 == sha)) == 1  # fmt: skip
    refs = session.scalars(
        select(MessageAttachment.message_id).where(MessageAttachment.sha256 == sha)
    ).all()
    assert sorted(refs) == sorted(m.id for m in sent)
    # Everything the outbox stores for the 12 messages: one paper and 12 small invitations.
    stored = session.scalar(select(func.sum(AttachmentBlob.size)))
    assert len(PAPER) < stored < len(PAPER) + 12 * 10_000

    # Each member's email carries the whole paper.
    for message in session.scalars(
        select(Message).where(Message.id.in_([sent[0].id, sent[-1].id]))
    ):
        envelope = mime.build(message, "dhr-forms@exampleshire.gov.uk")
        files = {p.get_filename(): p.get_content() for p in envelope.mime.iter_attachments()}
        assert files["Draft overview report.pdf"] == PAPER
