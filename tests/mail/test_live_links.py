"""Links that open something without signing in: never in the outbox, always in the delivered
message. Anyone who reads the outbox (a viewer too) must not be able to use one."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select, update

from mail import links as live_links
from mail import mime, outbox
from mail.links import PLACEHOLDER
from service import db, tokens
from service.auth import accounts
from service.consent import links as consent_links
from service.consent import messages as consent_messages
from service.imrs import messages as imr_messages
from service.models import (
    AccessToken,
    InsecureRecipientAction,
    Message,
    MessageStatus,
    Partnership,
    Role,
)
from service.panels import feedback_messages
from service.referrals import drafts
from service.trawls import messages as trawl_messages
from tests.conftest import DHR
from tests.consent.factories import ask
from tests.console import make_user
from tests.feedback.factories import sent_draft
from tests.imrs.factories import requested_imr
from tests.jobs import run_worker_burst
from tests.trawls.factories import sent_trawl

NEW_OFFICER = "new.officer@exampleshire.gov.uk"

#: Every message that carries a link of its own to whoever gets it.
LINKED = {
    accounts.SETUP_MESSAGE.name,
    accounts.RESET_MESSAGE.name,
    trawl_messages.REQUEST.name,
    consent_messages.REQUEST.name,
    imr_messages.REQUEST.name,
    drafts.RESUME_MESSAGE.name,
    feedback_messages.REQUEST.name,
}


def every_live_token(session) -> list[str]:
    """What any stored token's link carries: its signed token, and its consent code."""
    rows = session.scalars(select(AccessToken)).all()
    return [tokens.token_for(r) for r in rows] + [consent_links.code_for(r) for r in rows]


def use(settings, server) -> None:
    from service import runtime

    settings.MAIL_TRANSPORT = server.url
    runtime.configure(settings)


def delivered(server, recipient: str) -> tuple[str, str]:
    """The plain and HTML bodies of the last message the mail server accepted for ``recipient``."""
    (got, *_) = [r for r in reversed(server.messages) if recipient in r.rcpt_tos]
    return (
        got.message.get_body(("plain",)).get_content(),
        got.message.get_body(("html",)).get_content(),
    )


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def setup_link_in(text: str) -> str:
    return next(w for w in text.split() if "/account/set-up?token=" in w)


def test_no_message_in_the_outbox_holds_a_link_anyone_could_use(session, partnership):
    accounts.create_user(
        session, partnership, email=NEW_OFFICER, role=Role.OFFICER, actor="test", send_email=True
    )
    officer = make_user(session, partnership, Role.OFFICER)
    admin = make_user(session, partnership, Role.OFFICER)
    accounts.send_new_setup_link(session, officer, actor=admin)  # taking over an existing officer
    accounts.request_reset(session, admin.email)
    sent_trawl(session, partnership, agency_count=2)
    ask(session, partnership)
    requested_imr(session, partnership)
    draft = drafts.new_draft(session, partnership)
    drafts.send_resume_link(session, draft, "referrer@exampleshire.gov.uk")
    sent_draft(session, partnership)
    session.commit()

    stored = session.scalars(select(Message)).all()
    assert {m.purpose for m in stored} >= LINKED
    live = every_live_token(session)
    assert len(live) >= 2 * len(LINKED)
    for message in stored:
        for part in (message.subject, message.body_text, message.body_html or ""):
            assert not [t for t in live if t in part], message.purpose
            assert "token=" not in part, message.purpose
        if message.purpose in LINKED and message.policy == "secure":
            assert PLACEHOLDER in message.body_text, message.purpose
            assert message.live_links, message.purpose


def test_the_recipient_gets_the_link_and_it_works(
    settings, session, partnership, mail_server, page_client
):
    use(settings, mail_server)
    user, link = accounts.create_user(
        session, partnership, email=NEW_OFFICER, role=Role.OFFICER, actor="test", send_email=True
    )
    session.commit()

    run_worker_burst()

    text, html = delivered(mail_server, NEW_OFFICER)
    assert link in text and f'href="{link}"' in html and PLACEHOLDER not in text + html
    assert page_client.get(path_of(link)).headers["Location"] == "/account/set-up"
    assert "Set up your account" in page_client.get("/account/set-up").get_data(as_text=True)


def test_a_failed_message_retried_still_delivers_the_link(
    settings, session, partnership, mail_server
):
    use(settings, mail_server)
    mail_server.handler.reply = "554 5.7.1 rejected for now"
    _user, link = accounts.create_user(
        session, partnership, email=NEW_OFFICER, role=Role.OFFICER, actor="test", send_email=True
    )
    session.commit()
    run_worker_burst()
    (message,) = session.scalars(select(Message).where(Message.recipient == NEW_OFFICER))
    assert message.status is MessageStatus.FAILED

    mail_server.handler.reply = None
    with db.transaction() as s:
        outbox.retry(s, message.id, actor="test")
    run_worker_burst()

    text, html = delivered(mail_server, NEW_OFFICER)
    assert link in text and f'href="{link}"' in html


def test_a_held_message_released_delivers_the_link(
    settings, session, partnership, mail_server, page_client
):
    use(settings, mail_server)
    officer = make_user(session, partnership, Role.OFFICER)
    p = session.get(Partnership, partnership.id)
    domains = p.secure_domains
    p.insecure_recipient_action = InsecureRecipientAction.HOLD
    p.secure_domains = [d for d in domains if d != "*.gov.uk"]  # say the domain was dropped
    accounts.send_new_setup_link(session, officer, actor=officer)
    session.commit()
    (held,) = session.scalars(select(Message).where(Message.recipient == officer.email))
    assert held.status is MessageStatus.HELD and PLACEHOLDER in held.body_text

    p.secure_domains = domains  # the officer puts the domain back, then releases the message
    session.commit()
    with db.transaction() as s:
        outbox.release(s, held.id, actor="test")
    run_worker_burst()

    text, _html = delivered(mail_server, officer.email)
    link = setup_link_in(text)
    assert page_client.get(path_of(link)).headers["Location"] == "/account/set-up"


def test_the_file_outbox_is_the_delivered_message_and_dhr_mail_list_shows_no_link(
    settings, session, partnership, cli_env
):
    _user, link = accounts.create_user(
        session, partnership, email=NEW_OFFICER, role=Role.OFFICER, actor="test", send_email=True
    )
    session.commit()
    token = link.split("token=", 1)[1]

    run_worker_burst()  # to the file transport the tests are configured with
    (eml,) = Path(urlsplit(settings.MAIL_TRANSPORT).path).glob("*.eml")
    assert link in eml.read_text()  # what the recipient gets

    listed = subprocess.run(
        [*DHR, "mail", "list"], env=cli_env, capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    assert NEW_OFFICER in listed.stdout
    assert token not in listed.stdout and "token=" not in listed.stdout


# --- messages stored before live links were kept out ---------------------------------------


def test_the_migration_takes_live_links_out_of_messages_already_stored(session, partnership):
    """Migration 0007 runs ``redact_stored_messages``; a message stored the old way, link and
    all, is redacted, and one still to be sent gets its link back on delivery."""
    user, link = accounts.create_user(
        session, partnership, email=NEW_OFFICER, role=Role.OFFICER, actor="test"
    )
    consent = ask(session, partnership)
    code_url = consent_links.current_url(session, consent)
    session.execute(update(Message).values(status=MessageStatus.SENT))  # the consent email: sent
    gone = f"https://dhr.exampleshire.gov.uk/imr?token={'x' * 20}.{'y' * 27}"
    old_style = {
        "queued": (
            f"Open this link:\n\n{link}\n\nThanks.\n",
            f'<p><a href="{link}">{link}</a>.</p>',
        ),
        "sent": (f"Your link: {code_url}.\nAnother: {gone}\n", None),
    }
    rows = {}
    for status, (text, html) in old_style.items():
        (row,) = outbox.queue_message(
            session,
            partnership=partnership,
            purpose="mail.test",
            reference=f"OLD-{status.upper()}",
            to=[user.email],
        )
        row.body_text, row.body_html, row.live_links = text, html, None
        row.status = MessageStatus(status)
        rows[status] = row.id
    session.commit()

    with db.engine().begin() as connection:
        assert live_links.redact_stored_messages(connection) == 2
        assert live_links.redact_stored_messages(connection) == 0  # a second run changes nothing

    session.expire_all()
    queued, sent = (session.get(Message, rows[s]) for s in ("queued", "sent"))
    token = link.split("token=", 1)[1]
    code = urlsplit(code_url).path.rsplit("/", 1)[1]
    assert queued.body_text == f"Open this link:\n\n{PLACEHOLDER}\n\nThanks.\n"
    assert queued.body_html == f'<p><a href="{PLACEHOLDER}">{PLACEHOLDER}</a>.</p>'
    assert sent.body_text == f"Your link: {PLACEHOLDER}.\nAnother: {PLACEHOLDER}\n"
    assert sent.live_links is None  # it will not be sent again
    for part in (queued.body_text, queued.body_html, sent.body_text):
        assert token not in part and code not in part

    wire = mime.build(queued, "dhr-forms@exampleshire.gov.uk").mime
    assert wire.get_body(("plain",)).get_content() == f"Open this link:\n\n{link}\n\nThanks.\n"
    assert f'<a href="{link}">{link}</a>.' in wire.get_body(("html",)).get_content()


def test_a_sealed_code_and_a_live_link_in_one_body_both_come_back_in_place(settings):
    """A code before a link moves the link's place; both are restored where they were."""
    token_id = "a" * 32
    link = tokens.token_for(AccessToken(id=token_id, purpose="trawl.return"))
    body = f"Code 123456. Open https://dhr.example/t?token={link} then 123456 again; not 9123456."
    redacted, found, _lost = live_links.redact(body, "text", lambda _id: "trawl.return")
    assert [f.token_id for f in found] == [token_id]
    sealed, entries = live_links.seal(redacted, "text", ["123456"], [f.as_json() for f in found])
    assert sealed.startswith("Code [code sent to the recipient].") and "not 9123456." in sealed
    assert sealed.count(live_links.SEALED_PLACEHOLDER) == 2 and link not in sealed
    assert all("123456" not in str(e["token"]) for e in entries)
    assert live_links.restore(sealed, "text", entries) == body
