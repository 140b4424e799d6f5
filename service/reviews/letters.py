"""Letters to the family after the decision, as PDFs in the consent letter's layout (both extend
``templates/pdf/_letter.html``): for the police family liaison officer to hand over or the
officer to post, or emailed to a family member at the address they gave.

- the decision to hold a review (004 paragraphs 30-31): the support on offer, that the chair
  will be in touch after the first panel meeting, and the partnership's advocacy services;
- the decision not to hold one (paragraph 32): released only once the officer has recorded the
  Home Office's reply and the family liaison officer's agreement to the timing;
- the chair's introduction (paragraph 36), drafted for the chair after the first panel meeting.

A letter names nobody but its addressee (the person who died is "your sister", as the referral
gives the relationship), so like the consent request it may go to the family's own address.
Each download or email is recorded on the case with its date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mail import outbox, routing
from mail.sizing import Attachment
from service import audit, clock, pdf
from service.models import (
    Case,
    ConsentRequest,
    FamilyLetter,
    LetterKind,
    MeetingStatus,
    PanelMeeting,
    Partnership,
    Referral,
    ReviewProgress,
)
from service.reviews import notifications, timescales

EMAIL = routing.purpose(
    "family.letter",
    title="A letter about the Domestic Homicide Review",
    template="family_letter",
    audience="direct",
    sensitive=False,  # the email and its letter name nobody but the addressee
)
TITLES = {
    LetterKind.REVIEW: "The decision to hold a Domestic Homicide Review",
    LetterKind.NO_REVIEW: "The decision not to hold a Domestic Homicide Review",
    LetterKind.CHAIR_INTRODUCTION: "An introduction from the chair of the review",
}


class LetterRefused(ValueError):
    """The letter cannot be made or sent yet; the reason is safe to show."""


@dataclass(frozen=True)
class Addressee:
    key: str  # "household-0", "consent-12": how a form names them
    name: str
    relationship: str | None  # theirs to the person who died, as on file
    email: str | None  # only an address they gave


def family_of(session: Session, referral: Referral) -> list[Addressee]:
    """The family members on file: those the referral names at the victim's address, and those
    asked for consent on the case."""
    found = []
    for i, item in enumerate((referral.answers or {}).get("victim_household") or []):
        name = (item.get("name") or "").strip()
        if name:
            found.append(Addressee(f"household-{i}", name, item.get("relationship"),
                                   (item.get("email") or "").strip() or None))  # fmt: skip
    if referral.case_id is not None:
        for req in session.scalars(
            select(ConsentRequest)
            .where(ConsentRequest.case_id == referral.case_id)
            .order_by(ConsentRequest.id)
        ):
            found.append(Addressee(f"consent-{req.id}", req.name, req.relationship_to_victim,
                                   req.email))  # fmt: skip
    return found


def addressee(session: Session, referral: Referral, key: str | None) -> Addressee:
    for person in family_of(session, referral):
        if person.key == key:
            return person
    raise LetterRefused("Select who the letter is to")


def first_meeting(session: Session, case_id: int | None) -> dt.datetime | None:
    if case_id is None:
        return None
    return clock.as_utc(
        session.scalar(
            select(func.min(PanelMeeting.starts_at)).where(
                PanelMeeting.case_id == case_id,
                PanelMeeting.status == MeetingStatus.SCHEDULED,
                PanelMeeting.starts_at <= clock.now(),
            )
        )
    )


def kinds_for(session: Session, referral: Referral, progress: ReviewProgress | None) -> dict:
    """Each letter the decision calls for: None when it can be made now, or why not yet."""
    if progress is None:
        return {}
    if progress.outcome == "no":
        waiting = None
        if progress.home_office_replied_on is None or progress.flo_agreed_on is None:
            waiting = (
                "Record the Home Office's reply and the family liaison officer's agreement to "
                "the timing first"
            )
        return {LetterKind.NO_REVIEW: waiting}
    meeting = first_meeting(session, referral.case_id)
    return {
        LetterKind.REVIEW: None,
        LetterKind.CHAIR_INTRODUCTION: (
            None if meeting else "The chair writes after the first panel meeting"
        ),
    }


def render_html(session: Session, referral: Referral, kind: LetterKind, person: Addressee) -> str:
    partnership = session.get(Partnership, referral.partnership_id)
    progress = timescales.progress_of(session, referral.id)
    refused = kinds_for(session, referral, progress)
    if kind not in refused:
        raise LetterRefused("This decision does not call for that letter")
    if refused[kind]:
        raise LetterRefused(refused[kind])
    relationship = (person.relationship or "").strip().lower()
    meeting = first_meeting(session, referral.case_id)
    return pdf.render_html(
        f"pdf/family_{kind.value}.html",
        partnership=partnership,
        addressee=person.name,
        today=clock.long_date(clock.now()),
        title=TITLES[kind],
        loved_one=f"your {relationship}" if relationship else "your loved one",
        advocacy=partnership.advocacy_services or [],
        chair=notifications.chair_of(session, referral.case_id),
        first_meeting=clock.long_date(meeting) if meeting else None,
    )


def filename(kind: LetterKind) -> str:
    return f"letter-{kind.value.replace('_', '-')}.pdf"


def _record(
    session: Session, referral: Referral, kind: LetterKind, person: Addressee, how: str,
    *, actor: str, client_address: str | None,
) -> FamilyLetter:  # fmt: skip
    row = session.scalar(
        select(FamilyLetter).where(
            FamilyLetter.referral_id == referral.id,
            FamilyLetter.kind == kind,
            FamilyLetter.addressee == person.name,
        )
    )
    if row is None:
        row = FamilyLetter(partnership_id=referral.partnership_id, referral_id=referral.id,
                           case_id=referral.case_id, kind=kind, addressee=person.name,
                           email=person.email, deliveries=[])  # fmt: skip
        session.add(row)
    now = clock.now()
    entry = {
        "how": how,
        "at": now.isoformat(),
        "on": clock.london_date(now).isoformat(),
        "by": actor,
    }
    row.deliveries = [*(row.deliveries or []), entry]
    session.flush()
    audit.record(
        session,
        f"family_letter.{how}",
        actor=actor,
        partnership_id=referral.partnership_id,
        object_type="family_letter",
        object_id=row.id,
        case_id=referral.case_id,
        client_address=client_address,
        kind=kind.value,
    )
    return row


def download(
    session: Session, referral: Referral, kind: LetterKind, key: str | None,
    *, actor: str, client_address: str | None = None,
) -> bytes:  # fmt: skip
    """The letter as a PDF, recorded as printed (for the family liaison officer or the post)."""
    person = addressee(session, referral, key)
    data = pdf.write_pdf(render_html(session, referral, kind, person))
    _record(session, referral, kind, person, "printed", actor=actor, client_address=client_address)
    return data


def email(
    session: Session, referral: Referral, kind: LetterKind, key: str | None,
    *, actor: str, client_address: str | None = None,
) -> None:  # fmt: skip
    """Email the letter to the address the family member gave, and only to that."""
    person = addressee(session, referral, key)
    if not person.email:
        raise LetterRefused(
            f"{person.name} has not given an email address: print the letter instead"
        )
    partnership = session.get(Partnership, referral.partnership_id)
    data = pdf.write_pdf(render_html(session, referral, kind, person))
    case = session.get(Case, referral.case_id) if referral.case_id else None
    outbox.queue_message(
        session,
        partnership=partnership,
        purpose=EMAIL.name,
        reference=case.reference if case else referral.reference,
        context={"addressee": person.name, "title": TITLES[kind]},
        to=[person.email],
        attachments=[Attachment(filename(kind), "application/pdf", data)],
        actor=actor,
    )
    _record(session, referral, kind, person, "emailed", actor=actor, client_address=client_address)


def record_home_office_reply(
    session: Session, progress: ReviewProgress, *, replied_on: dt.date | None,
    flo_agreed_on: dt.date | None, actor: str, client_address: str | None = None,
) -> None:  # fmt: skip
    """Before the "no review" letter: the day the Home Office replied, and the day the family
    liaison officer agreed the timing (paragraph 32)."""
    if progress.outcome != "no":
        raise LetterRefused("Only a decision not to hold a review waits for the Home Office")
    if replied_on is None:
        raise LetterRefused("Enter the date the Home Office replied")
    if replied_on < progress.decided_on:
        raise LetterRefused("The Home Office cannot have replied before the decision")
    progress.home_office_replied_on, progress.flo_agreed_on = replied_on, flo_agreed_on
    audit.record(
        session,
        "review.home_office_replied",
        actor=actor,
        partnership_id=progress.partnership_id,
        object_type="referral",
        object_id=progress.referral_id,
        case_id=progress.case_id,
        client_address=client_address,
        replied_on=replied_on.isoformat(),
        flo_agreed=flo_agreed_on is not None,
    )


def sent_letters(session: Session, referral_id: int) -> list[FamilyLetter]:
    return list(
        session.scalars(
            select(FamilyLetter)
            .where(FamilyLetter.referral_id == referral_id)
            .order_by(FamilyLetter.id)
        )
    )
