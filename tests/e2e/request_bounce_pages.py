"""The console's pages about an agency request whose email bounced, for the browser tests: a
case of its own with an IMR request to an agency of its own, whose email bounced (sent through
the outbox, then a DSN about it read as ``dhr mail ingest`` reads one), and the agency given a
second address since, so the page that sends the request again has it to send. Made once in the
live server's database through the service's own code."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mail import outbox
from mail.bounces import record
from service import clock, db
from service.imrs import messages
from service.models import Agency, Case, ImrRequest, Message, Partnership
from tests.imrs.factories import requested_imr
from tests.mail import bounce_fixtures as fx

REFERENCE = "DHR-2026-091"
AGENCY_KEY = "fire-and-rescue"
OLD, NEW = "safeguarding@exampleshire-fire.gov.uk", "safeguarding.team@exampleshire-fire.gov.uk"


def _made(s, partnership: Partnership) -> tuple[Case, Agency]:
    case = Case(partnership_id=partnership.id, reference=REFERENCE)
    agency = Agency(
        partnership_id=partnership.id, key=AGENCY_KEY, name="Exampleshire Fire and Rescue Service",
        secure_addresses=[OLD],
    )  # fmt: skip
    s.add_all([case, agency])
    s.flush()
    now = clock.now()
    requested_imr(s, partnership, case=case, agency_key=AGENCY_KEY, at=now - timedelta(days=1),
                  due=now.date() + timedelta(days=13))  # fmt: skip
    (email,) = s.scalars(
        select(Message).where(
            Message.reference == REFERENCE, Message.purpose == messages.REQUEST.name
        )
    ).all()
    assert outbox.claim(s, email.id, now)
    assert outbox.mark_sent(s, email.id, now, "250 accepted")
    s.flush()
    raw = fx.rfc3464_dsn(email.message_id_header, email.recipient)
    assert record.ingest(s, raw, source="file").result == record.BOUNCED
    agency.secure_addresses = [OLD, NEW]
    return case, agency


def request_bounce_pages(console_data) -> list[str]:  # noqa: ANN001
    with db.transaction() as s:
        partnership = s.get(Partnership, console_data["case"].partnership_id)
        case = s.scalar(select(Case).where(Case.reference == REFERENCE))
        agency = s.scalar(
            select(Agency).where(Agency.partnership_id == partnership.id, Agency.key == AGENCY_KEY)
        )
        if case is None:
            case, agency = _made(s, partnership)
        imr = s.scalar(select(ImrRequest.id).where(ImrRequest.case_id == case.id))
        case_id, agency_id = case.id, agency.id
    return [
        f"/console/cases/{case_id}/imrs",
        f"/console/imr-requests/{imr}",
        f"/console/agencies/{agency_id}/edit",
        f"/console/agencies/{agency_id}/send-again",
    ]


def request_bounce_form_page(console_data) -> str:  # noqa: ANN001
    """The page that sends the agency's bounced request again, for its error state."""
    return request_bounce_pages(console_data)[-1]
