"""Building the MIME message from an outbox row."""

from __future__ import annotations

import datetime as dt
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
