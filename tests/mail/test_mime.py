"""Building the MIME message from an outbox row."""

from __future__ import annotations

import datetime as dt
import hashlib
from email import message_from_bytes, policy

from mail import mime
from service.models import Message


def test_a_subject_of_seventy_odd_characters_is_not_folded_into_a_leading_space():
    subject = "OFFICIAL-SENSITIVE: Individual Management Review received [EXA-DHR-2026-01]"
    row = Message(
        id="m1",
        recipient="dhr.officer@exampleshire.gov.uk",
        subject=subject,
        body_text="A line.\n",
        body_html=None,
        message_id_header="<m1@dhr.example>",
        created_at=dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC),
    )
    raw = mime.build(row, "dhr-forms@exampleshire.gov.uk").mime.as_bytes()
    assert f"Subject: {subject}\r\n".encode() in raw
    assert message_from_bytes(raw, policy=policy.default)["Subject"] == subject


def test_an_attachment_keeps_the_parameters_of_its_content_type():
    from service.models import AttachmentBlob, MessageAttachment

    row = Message(
        id="m2",
        recipient="panel.member@exampleshire.gov.uk",
        subject="OFFICIAL-SENSITIVE: Panel meeting [EXA-DHR-2026-01]",
        body_text="A line.\n",
        body_html=None,
        message_id_header="<m2@dhr.example>",
        created_at=dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC),
    )

    def stored(data: bytes) -> AttachmentBlob:
        return AttachmentBlob(sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)

    row.attachments = [
        MessageAttachment(
            position=0,
            filename="meeting.ics",
            content_type="text/calendar; method=CANCEL",
            blob=stored(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
        ),
        MessageAttachment(position=1, filename="x.bin", content_type="", blob=stored(b"x")),
    ]
    raw = mime.build(row, "dhr-forms@exampleshire.gov.uk").mime.as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    ics, other = list(parsed.iter_attachments())
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "CANCEL"
    assert ics.get_content() == "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert other.get_content_type() == "application/octet-stream"
