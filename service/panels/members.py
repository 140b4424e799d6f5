"""Who is on a case's panel.

Panel members receive the meeting papers and drafts for comment, which carry case content, so
a member must have an address the partnership's secure-recipient policy accepts: the same check
the trawl makes of an agency's addresses. Removing a member keeps the row (their deliveries
stay) and takes them off the meetings whose papers have not gone yet; adding them again brings
the row back.

Where the partnership offers Welsh and English, each member's emails are in the language they
chose, or else their agency's (``language_of``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mail import policy, routing
from service import audit, clock
from service.models import (
    Agency,
    Case,
    MeetingStatus,
    PanelInvitation,
    PanelMeeting,
    PanelMember,
    Partnership,
)

EMAIL_INVALID = "Enter an email address in the correct format, like name@example.gov.uk"
LANGUAGE_REQUIRED = "Select the language of the emails to the member"


class MemberRefused(ValueError):
    """Why the member cannot be added; safe to show. ``field`` is the form field it is about."""

    def __init__(self, message: str, field: str = "email") -> None:
        super().__init__(message)
        self.field = field


def insecure_message(partnership: Partnership, address: str) -> str:
    return (
        f"Enter a secure email address: {policy.mask(address)} is not on the partnership’s "
        "secure domains, and panel members are sent case papers"
    )


def secure_address(partnership: Partnership, address: str) -> str:
    """The address, normalised, if the policy lets it receive case content; else MemberRefused."""
    try:
        normal = policy.normalise(address)
    except policy.InvalidAddress:
        raise MemberRefused(EMAIL_INVALID) from None
    if not policy.is_secure(partnership, normal):
        raise MemberRefused(insecure_message(partnership, normal))
    return normal


def current(session: Session, case_id: int) -> list[PanelMember]:
    """The case's panel now, by name."""
    return list(
        session.scalars(
            select(PanelMember)
            .where(PanelMember.case_id == case_id, PanelMember.removed_at.is_(None))
            .order_by(PanelMember.name, PanelMember.id)
        )
    )


def _record(
    session: Session,
    member: PanelMember,
    action: str,
    actor: str,
    client_address: str | None,
    **detail: object,
) -> None:
    audit.record(
        session, action, actor=actor, partnership_id=member.partnership_id,
        object_type="panel_member", object_id=member.id, case_id=member.case_id,
        client_address=client_address, **detail,
    )  # fmt: skip


def language_of(partnership: Partnership, member: PanelMember) -> str:
    """The language the member's emails are written in: their own choice, else their agency's
    (an agency's representative), else the partnership's first; only ever one it offers."""
    if member.language is None and member.agency is not None:
        return routing.agency_language(partnership, member.agency)
    return routing.offered_language(partnership, member.language)


def change_language(
    session: Session,
    member: PanelMember,
    language: str,
    *,
    actor: str,
    client_address: str | None = None,
) -> bool:
    """Write the member's emails in ``language`` from now on (one the partnership offers).
    Whether anything changed."""
    partnership = session.get(Partnership, member.partnership_id)
    if language not in (partnership.languages or ()):
        raise MemberRefused(LANGUAGE_REQUIRED, "language")
    before = language_of(partnership, member)
    member.language = language
    if before == language:
        return False
    _record(session, member, "panel.member_language_changed", actor, client_address,
            language=language)  # fmt: skip
    return True


def representative_address(partnership: Partnership, agency: Agency) -> str | None:
    """The agency's first secure address: where its panel representative is reached."""
    for address in agency.secure_addresses or ():
        try:
            return secure_address(partnership, address)
        except MemberRefused:
            continue
    return None


def add(
    session: Session,
    case: Case,
    *,
    name: str,
    email: str,
    agency: Agency | None,
    role: str | None,
    actor: str,
    client_address: str | None = None,
    language: str | None = None,
) -> PanelMember:
    """Put someone on the case's panel. Raises MemberRefused, adding nothing.

    ``language``: of their emails, where the partnership offers more than one; None, their
    agency's (or the partnership's first)."""
    partnership = session.get(Partnership, case.partnership_id)
    address = secure_address(partnership, email)
    if language is not None and language not in (partnership.languages or ()):
        raise MemberRefused(LANGUAGE_REQUIRED, "language")
    if agency is not None and agency.partnership_id != case.partnership_id:
        raise MemberRefused("Select an agency from the list", "agency")
    existing = session.scalar(
        select(PanelMember).where(
            PanelMember.case_id == case.id,
            PanelMember.email.in_({address, email.strip()}),
        )
    )
    if existing is not None and existing.removed_at is None:
        raise MemberRefused("Someone with this email address is already on the panel")
    if existing is not None:
        member = existing
        member.removed_at = None
        member.added_at = clock.now()
    else:
        member = PanelMember(partnership_id=case.partnership_id, case_id=case.id, email=address)
        session.add(member)
    member.name = name.strip()
    member.role = (role or "").strip() or None
    member.agency_id = agency.id if agency is not None else None
    member.language = language
    session.flush()
    _record(session, member, "panel.member_added", actor, client_address,
            agency_id=member.agency_id)  # fmt: skip
    return member


def remove(
    session: Session, member: PanelMember, *, actor: str, client_address: str | None = None
) -> int:
    """Take the member off the panel, and off each meeting whose papers have not gone yet
    (the meetings after that are theirs to keep: they have the papers). The meetings left."""
    now = clock.now()
    member.removed_at = now
    invitations = session.scalars(
        select(PanelInvitation)
        .join(PanelMeeting, PanelMeeting.id == PanelInvitation.meeting_id)
        .where(
            PanelInvitation.member_id == member.id,
            PanelInvitation.removed_at.is_(None),
            PanelMeeting.status == MeetingStatus.SCHEDULED,
            PanelMeeting.dispatched_at.is_(None),
        )
    ).all()
    for invitation in invitations:
        invitation.removed_at = now
    _record(session, member, "panel.member_removed", actor, client_address,
            meetings_left=len(invitations))  # fmt: skip
    return len(invitations)
