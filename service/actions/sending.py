"""The officer sends an action's lead officer their link to update it, outside the reminders:
the working link again, or a new one (the old one then stops working). Secure addresses only,
through the outbox; audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mail import outbox, policy
from service import audit, clock
from service.actions import links, messages
from service.models import ActionItem, Agency, Case, CaseStatus, Partnership


class LinkRefused(ValueError):
    """Why the link cannot be sent; safe to show to the officer."""


def can_send(session: Session, action: ActionItem) -> bool:
    """The case is open and the lead officer has a secure address."""
    try:
        check(session, action)
    except LinkRefused:
        return False
    return True


def check(session: Session, action: ActionItem) -> None:
    case = session.get(Case, action.case_id)
    if case is None or case.status is not CaseStatus.OPEN:
        raise LinkRefused("This case is closed: the lead officer's link no longer works")
    address = action.lead_officer_email
    partnership = session.get(Partnership, action.partnership_id)
    try:
        secure = bool(address) and policy.is_secure(partnership, address)
    except policy.InvalidAddress:
        secure = False
    if not secure:
        raise LinkRefused("Add the lead officer's secure email address before sending their link")


def send_link(
    session: Session, action: ActionItem, *, new_link: bool, actor: str,
    client_address: str | None = None,
) -> None:  # fmt: skip
    """Email the lead officer their link: the working one, or a new one that replaces it (a new
    one too when there is none). ``LinkRefused`` if it cannot go."""
    check(session, action)
    url = None if new_link else links.current_url(session, action)
    if url is None:
        url = links.issue(session, action)
        new_link = True
    case = session.get(Case, action.case_id)
    agency = session.get(Agency, action.agency_id) if action.agency_id else None
    partnership = session.get(Partnership, action.partnership_id)
    language = messages.language(partnership, agency)
    outbox.queue_message(
        session, partnership=partnership, purpose=messages.LINK.name, reference=case.reference,
        to=[action.lead_officer_email], actor=actor, language=language,
        context={
            "case_reference": case.reference, "recommendation": action.recommendation,
            "key_actions": action.key_actions, "owner": agency.name if agency else None,
            "lead_officer": action.lead_officer,
            "target_date": clock.long_date(action.target_date, language),
            "link": url,
        },
    )  # fmt: skip
    audit.record(
        session, "action_plan.link_reissued" if new_link else "action_plan.link_sent",
        actor=actor, partnership_id=action.partnership_id, object_type="action_item",
        object_id=action.id, case_id=action.case_id, client_address=client_address,
    )  # fmt: skip
