"""Delivering a request to its agency: the link and the request email, for every kind.

The email goes to the agency's addresses through the outbox; the secure-recipient policy
decides what each address gets, so an agency without a secure address gets the partnership's
content-free notice instead of the link. An agency with no usable address at all gets nothing:
the request is marked ``link_withheld`` and the console shows it until the officer adds an
address and sends again.

Each message queued is recorded as one of the request's deliveries (``service.requests.bounces``),
so a bounce of it is known to be this request's. ``to`` sends to only some of the agency's
addresses: a corrected one, after the request bounced (``service.requests.resending``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from mail import outbox, policy, routing
from service.models import Agency, Case, Partnership
from service.requests import bounces
from service.requests.kinds import RequestKind

log = logging.getLogger(__name__)


def has_secure_address(partnership: Partnership, agency: Agency) -> bool:
    """True if at least one of the agency's addresses may receive case content."""
    for address in agency.secure_addresses or ():
        try:
            if policy.is_secure(partnership, policy.normalise(address)):
                return True
        except policy.InvalidAddress:
            continue
    return False


def deliver_request(
    kind: RequestKind,
    session: Session,
    request: Any,
    *,
    partnership: Partnership,
    case: Case,
    actor: str,
    new_link: bool = True,
    to: Iterable[str] | None = None,
    **options: Any,
) -> None:
    """Queue the request email to the agency (only to its addresses in ``to``, if given): with a
    new link, or resending its current one. ``options`` go to the kind's ``letter``."""
    agency = kind.recipient(session, request)
    addressed = agency if to is None else bounces.only(agency, to)
    url = (
        kind.links.issue(session, request) if new_link else kind.links.current_url(session, request)
    )
    if url is None:
        url = kind.links.issue(session, request)
    letter = kind.letter(session, request, case, agency, url, **options)
    try:
        queued = outbox.queue_message(
            session,
            partnership=partnership,
            purpose=(letter.purpose or kind.request).name,
            reference=case.reference,
            agency=addressed,
            context=letter.context,
            attachments=letter.attachments,
            actor=actor,
        )
    except (routing.RoutingError, outbox.MessageRefused):
        # Nothing is sent: the console shows the link as withheld until the officer adds an
        # address and sends again.
        log.warning(
            f"{kind.name} request not sent: the agency has no usable address",
            extra={kind.log_key: request.id, "agency_id": agency.id},
        )
        request.link_withheld = True
        return
    bounces.record(session, kind, request, queued)
