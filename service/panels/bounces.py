"""Panel members whose email bounced, and sending it again to a corrected address.

A member's emails are the meeting emails (``PanelDelivery``) and the drafts sent for comment
and their reminders (to the member's address, with the draft's reference). One that bounced
and has not been sent again is shown on the panel page ("Email bounced on DATE"); correcting the
member's address (a secure one, as for any member) sends each such email again to it with the
same content and links (``mail.bounces.resend``), records the new meeting emails as the
member's deliveries, and is audited.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mail.bounces import resend
from service import audit
from service.models import Case, Message, PanelDelivery, PanelMember, Partnership
from service.panels import feedback_messages, members
from service.panels.members import MemberRefused

_FEEDBACK = (feedback_messages.REQUEST.name, feedback_messages.REMINDER.name)
NOTHING_WAITING = "No email to this member is waiting to be sent again"


def _message_ids(session: Session, case: Case, member: PanelMember) -> list[str]:
    delivered = select(PanelDelivery.message_id).where(
        PanelDelivery.member_id == member.id, PanelDelivery.message_id.is_not(None)
    )
    return list(
        session.scalars(
            select(Message.id).where(
                Message.partnership_id == member.partnership_id,
                func.lower(Message.recipient) == member.email.lower(),
                or_(
                    Message.id.in_(delivered),
                    Message.purpose.in_(_FEEDBACK) & Message.reference.like(f"{case.reference}/D%"),
                ),
            )
        )
    )


def waiting(session: Session, case: Case, member: PanelMember) -> list[resend.Bounced]:
    """The member's emails that bounced and have not been sent again, oldest first."""
    found = resend.bounced(session, _message_ids(session, case, member))
    return sorted(
        (b for b in found.values() if b.resent is None), key=lambda b: (b.bounced_at, b.message.id)
    )


def bounced_members(
    session: Session, case: Case, listed: list[PanelMember]
) -> dict[int, resend.Bounced]:
    """For the panel page: each listed member's latest bounce still waiting, by member id."""
    found = {}
    for member in listed:
        if items := waiting(session, case, member):
            found[member.id] = items[-1]
    return found


def correct_address(
    session: Session,
    case: Case,
    member: PanelMember,
    raw: str,
    *,
    actor: str,
    client_address: str | None = None,
) -> list[Message]:
    """Change the member's address and send each bounced email again to it. MemberRefused
    (with nothing changed) for an address that is malformed, not secure, the same, or taken."""
    partnership = session.get(Partnership, member.partnership_id)
    address = members.secure_address(partnership, raw)
    if address.casefold() == member.email.casefold():
        raise MemberRefused(resend.SAME)
    taken = session.scalar(
        select(PanelMember.id).where(
            PanelMember.case_id == member.case_id,
            func.lower(PanelMember.email) == address.lower(),
            PanelMember.id != member.id,
        )
    )
    if taken is not None:
        raise MemberRefused("Someone with this email address is already on the panel")
    bounced = waiting(session, case, member)
    if not bounced:
        raise MemberRefused(NOTHING_WAITING)
    old_domain = member.email.rsplit("@", 1)[-1]
    member.email = address
    sent = []
    for item in bounced:
        try:
            copy = resend.send_again(
                session,
                item.message,
                address,
                actor=actor,
                client_address=client_address,
                case_id=case.id,
                secure_only=True,
            )
        except resend.Refused as exc:
            raise MemberRefused(str(exc)) from None
        delivery = session.scalar(
            select(PanelDelivery).where(PanelDelivery.message_id == item.message.id)
        )
        if delivery is not None:
            session.add(
                PanelDelivery(
                    meeting_id=delivery.meeting_id,
                    member_id=member.id,
                    kind=delivery.kind,
                    message_id=copy.id,
                    paper_ids=list(delivery.paper_ids or []),
                )
            )
        sent.append(copy)
    audit.record(
        session,
        "panel.member_address_corrected",
        actor=actor,
        partnership_id=member.partnership_id,
        object_type="panel_member",
        object_id=member.id,
        case_id=case.id,
        client_address=client_address,
        old_domain=old_domain,
        sent_again=[m.id for m in sent],
    )
    return sent
