"""What `dhr demo` adds to the example partnership so a new user sees the console working: a
demo officer to sign in as, and fictional outbox history (one message that failed, one held).

Everything here is fictional and marked as demo data. It is added once; later runs leave it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mail import outbox
from service import clock
from service.auth import accounts
from service.models import InsecureRecipientAction, Message, Partnership, Role, User, UserStatus

DEMO_OFFICER = "demo.officer@exampleshire.gov.uk"
DEMO_REFERENCE = "DEMO-0001"


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
