"""What a case's consent form asks and whom it names: whether it asks about the suspect or
perpetrator too, and the review panel's chair the signed form goes to (001 Appendix 6: "Please
sign and return to [the review panel chair]").

The form asks about both the victim and the suspect or perpetrator by default (the procedure
asks for consent "for both the victim and the perpetrator/suspect", 001 line 232). The officer
can switch the suspect question off for a case, with a reason, and on again; each change is
audited. A change applies to the requests made after it: a request keeps what it asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import audit, clock
from service.models import Case, CaseChair, CaseConsentSetting, User, UserStatus

REASON_MAX = 2000


class SettingRefused(ValueError):
    """The change cannot be made as asked; the reason is safe to show."""


@dataclass(frozen=True)
class SuspectQuestion:
    asked: bool
    reason: str | None  # why it was switched off, while it is off
    changed_at: datetime | None  # None: the default, never changed


def setting(session: Session, case_id: int) -> SuspectQuestion:
    row = session.get(CaseConsentSetting, case_id)
    if row is None:
        return SuspectQuestion(True, None, None)
    return SuspectQuestion(
        row.ask_about_suspect, None if row.ask_about_suspect else row.reason, row.changed_at
    )


def asked(session: Session, case_id: int) -> bool:
    """Whether a request made on the case now asks about the suspect or perpetrator."""
    return setting(session, case_id).asked


def change(
    session: Session,
    case: Case,
    *,
    ask_about_suspect: bool,
    reason: str | None,
    user_id: int | None,
    actor: str,
    client_address: str | None = None,
) -> bool:
    """Switch the question on or off for the case (off needs a reason), or give a new reason
    for keeping it off; False if nothing changed. Audited; the reason is kept on the setting,
    not in the audit trail (it may name people, and the trail outlives the case's personal
    data)."""
    reason = (reason or "").strip() or None
    if not ask_about_suspect and reason is None:
        raise SettingRefused("Enter why the form should not ask about the suspect or perpetrator")
    if reason is not None and len(reason) > REASON_MAX:
        raise SettingRefused(f"The reason must be {REASON_MAX} characters or fewer")
    row = session.scalar(
        select(CaseConsentSetting).where(CaseConsentSetting.case_id == case.id).with_for_update()
    )
    if row is None:
        if ask_about_suspect:
            return False  # asked already: the default
        row = CaseConsentSetting(case_id=case.id)
        session.add(row)
    elif row.ask_about_suspect == ask_about_suspect and (ask_about_suspect or row.reason == reason):
        return False  # as it is already (a new reason for keeping it off is a change)
    row.ask_about_suspect = ask_about_suspect
    row.reason = None if ask_about_suspect else reason
    row.changed_by = user_id
    row.changed_at = clock.now()
    session.flush()
    audit.record(
        session,
        "consent.suspect_question_on" if ask_about_suspect else "consent.suspect_question_off",
        actor=actor,
        partnership_id=case.partnership_id,
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        client_address=client_address,
        reason_given=reason is not None,
    )
    return True


def chair_name(session: Session, case_id: int) -> str | None:
    """The review panel's chair the consent form names (the case's chairs, if appointed):
    "Pat Chair", or "Pat Chair and Lee Chair"; None before one is appointed."""
    names = session.scalars(
        select(User)
        .join(CaseChair, CaseChair.user_id == User.id)
        .where(CaseChair.case_id == case_id, User.status == UserStatus.ACTIVE)
        .order_by(CaseChair.assigned_at, CaseChair.id)
    ).all()
    labels = [u.name for u in names if u.name]
    if not labels:
        return None
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
