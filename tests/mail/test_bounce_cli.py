"""`dhr mail ingest FILE.eml ...` and `dhr mail list --status bounced`, as an operator runs them:
separate processes. The message that later bounces is queued and delivered to a real SMTP server
in this process, as `dhr mail test` and `dhr worker --burst` would."""

from __future__ import annotations

from sqlalchemy import select

from mail import outbox
from service import db, runtime
from service.models import Message, MessageStatus
from tests.jobs import run_worker_burst
from tests.mail import bounce_fixtures as fx
from tests.service.test_cli import dhr

AGENCY = "asc.safeguarding@exampleshire.gov.uk"


def the_test_message() -> Message:
    session = db.Sessions()
    session.expire_all()
    row = session.scalars(select(Message).where(Message.purpose == "mail.test")).one()
    session.rollback()
    return row


def test_ingest_reads_reports_from_files_and_the_bounce_is_listed(
    cli_env, settings, session, partnership, mail_server, tmp_path
):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    outbox.queue_message(
        session, partnership=partnership, purpose="mail.test", reference="TEST-1", to=[AGENCY]
    )
    session.commit()
    run_worker_burst()
    assert [got.rcpt_tos for got in mail_server.messages] == [[AGENCY]]
    sent = the_test_message()
    assert sent.status is MessageStatus.SENT
    ndr = tmp_path / "ndr.eml"
    ndr.write_bytes(fx.exchange_online_ndr(sent.message_id_header, AGENCY))
    ooo = tmp_path / "ooo.eml"
    ooo.write_bytes(fx.out_of_office(sent.message_id_header, AGENCY))

    ingested = dhr(cli_env, "mail", "ingest", str(ndr), str(ooo), str(ndr))

    assert ingested.returncode == 0, ingested.stderr
    assert ingested.stdout.splitlines() == [
        f"{ndr}: bounced (message {sent.id}): rfc3464",
        f"{ooo}: ignored: automatic reply",
        f"{ndr}: duplicate: this report was read before",
    ]
    assert AGENCY not in ingested.stdout
    bounced = the_test_message()
    assert bounced.status is MessageStatus.BOUNCED
    listing = dhr(cli_env, "mail", "list", "--status", "bounced")
    assert sent.id in listing.stdout and "bounced" in listing.stdout
    assert "Bounced (5.1.10)" in listing.stdout
    assert dhr(cli_env, "mail", "list", "--status", "sent").stdout.count("mail.test") == 0


def test_a_file_that_cannot_be_read_is_named_and_the_others_still_read(
    cli_env, partnership, tmp_path
):
    report = tmp_path / "unknown.eml"
    report.write_bytes(fx.unknown_message(AGENCY))
    missing = tmp_path / "missing.eml"

    ingested = dhr(cli_env, "mail", "ingest", str(missing), str(report))

    assert ingested.returncode == 1
    assert f"{missing}: not read" in ingested.stderr
    assert f"{report}: ignored: about no message the service sent" in ingested.stdout
