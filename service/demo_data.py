"""What `dhr demo` adds to the example partnership so a new user sees the console working: a
demo officer to sign in as, fictional outbox history (one message that failed, one held), and
one open case to send a trawl from.

Everything here is fictional and marked as demo data. It is added once; later runs leave it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from mail import outbox
from service import audit, clock
from service.auth import accounts
from service.models import (
    AuditEvent,
    Case,
    CasePerson,
    InsecureRecipientAction,
    Message,
    Partnership,
    PersonRole,
    Role,
    User,
    UserStatus,
)
from service.referrals import decisions
from service.workdays import london_date

DEMO_OFFICER = "demo.officer@exampleshire.gov.uk"
DEMO_REFERENCE = "DEMO-0001"
#: Who opened the demo case, in its audit event: how a later run knows it is there.
DEMO_ACTOR = "demo"
DEMO_ADDRESS = "7 Example Street\nExampletown\nEX1 3CD"
#: The demo case's people: a victim, the suspect and the victim's son. All invented.
DEMO_PEOPLE = (
    dict(role=PersonRole.DECEASED, name="Morgan Example", date_of_birth=dt.date(1984, 2, 9),
         address=DEMO_ADDRESS, relationship_to_victim=None),
    dict(role=PersonRole.SUSPECT, name="Casey Sample", date_of_birth=dt.date(1981, 11, 23),
         address="22 Sample Road\nExampletown\nEX2 4EF", relationship_to_victim="Partner"),
    dict(role=PersonRole.VICTIM_HOUSEHOLD, name="Riley Example",
         date_of_birth=dt.date(2017, 6, 30), address=DEMO_ADDRESS, relationship_to_victim="Son"),
)  # fmt: skip


def ensure_officer(session: Session, partnership: Partnership) -> tuple[User, str | None]:
    """The demo officer, and a set-up link if they have not set up their account yet."""
    user = session.scalar(select(User).where(User.email == DEMO_OFFICER))
    if user is None:
        user, link = accounts.create_user(
            session, partnership, email=DEMO_OFFICER, role=Role.OFFICER, name="Demo Officer",
            actor="demo",
        )  # fmt: skip
        return user, link
    if user.status is UserStatus.INVITED:
        return user, accounts.new_setup_link(session, user, actor="demo")
    return user, None


def seed_outbox(session: Session, partnership: Partnership) -> None:
    """A delivery that failed and a message held for a decision, as the officer would meet them."""
    if session.scalar(select(Message.id).where(Message.reference == DEMO_REFERENCE).limit(1)):
        return
    (failed,) = outbox.queue_message(
        session,
        partnership=partnership,
        purpose="mail.test",
        reference=DEMO_REFERENCE,
        to=["old.mailbox@exampleshire.gov.uk"],
        actor="demo",
    )
    session.flush()
    # Move it through the real status changes, as a worker would after the mail server's refusal.
    now = clock.now()
    outbox.claim(session, failed.id, now)
    session.refresh(failed)
    outbox.mark_failed_attempt(
        session,
        failed,
        failed.claimed_at,
        "550 5.1.1 <old.mailbox@exampleshire.gov.uk>: mailbox unavailable (demo data)",
        permanent=True,
    )
    action = partnership.insecure_recipient_action
    partnership.insecure_recipient_action = InsecureRecipientAction.HOLD
    outbox.queue_message(
        session,
        partnership=partnership,
        purpose="mail.test",
        reference=DEMO_REFERENCE,
        to=["safeguarding@exampleshire-recovery.org.uk"],
        actor="demo",
    )
    partnership.insecure_recipient_action = action


def ensure_case(session: Session, partnership: Partnership) -> Case | None:
    """One open case, as if opened from a referral that met the criteria, so the officer can
    send a trawl from the console at once. Added on the first run; later runs find it."""
    opened = session.scalar(
        select(AuditEvent.object_id)
        .where(
            AuditEvent.action == "case.opened",
            AuditEvent.actor == DEMO_ACTOR,
            AuditEvent.partnership_id == partnership.id,
        )
        .limit(1)
    )
    if opened:
        return session.get(Case, int(opened))
    case = Case(
        partnership_id=partnership.id,
        reference=decisions.next_case_reference(
            session, partnership, london_date(clock.now()).year
        ),
        date_of_death=dt.date(2026, 8, 14),
        trawl_years=5,
    )
    case.people = [CasePerson(position=i, **p) for i, p in enumerate(DEMO_PEOPLE)]
    session.add(case)
    session.flush()
    audit.record(
        session,
        "case.opened",
        actor=DEMO_ACTOR,
        partnership_id=partnership.id,
        object_type="case",
        object_id=case.id,
        case_id=case.id,
    )
    return case
