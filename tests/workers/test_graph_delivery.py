"""Delivering through Microsoft Graph end to end: the outbox, the worker, the sweep and the console,
against the fake Entra ID and Graph in tests/graphserver.py (real HTTPS, msal, the real transport).
"""

from __future__ import annotations

import logging
import subprocess
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import select

from mail import faults
from service import clock, db, runtime
from service.models import MessageStatus, Role
from service.models.message import MailSystemFault
from tests.conftest import DHR
from tests.console import make_user, sign_in
from tests.graphserver import FakeMicrosoft
from tests.jobs import run_worker_burst
from tests.mailserver import make_tls_files
from tests.workers.test_delivery import fetch, queue_test_message
from tests.workers.test_delivery_batches import OFFICER, queue_together
from workers import queues, sweep

SENDER = "dhr-forms@exampleshire.gov.uk"


@pytest.fixture
def microsoft(tmp_path):
    tls = make_tls_files(tmp_path)
    with FakeMicrosoft(tls, senders={SENDER}) as fake:
        yield fake


def use_graph(settings, microsoft: FakeMicrosoft, *, secret: str) -> None:
    settings.MAIL_TRANSPORT = "graph://"
    settings.MAIL_FROM = SENDER
    settings.MAIL_CA_FILE = str(microsoft.tls.ca_cert)
    settings.GRAPH = {
        "TENANT_ID": microsoft.tenant_id,
        "CLIENT_ID": microsoft.client_id,
        "CLIENT_SECRET": secret,
        "SENDER": SENDER,
        "AUTHORITY": microsoft.authority,
        "ENDPOINT": microsoft.endpoint,
    }
    runtime.configure(settings)


def graph_env(settings, cli_env: dict[str, str]) -> dict[str, str]:
    env = dict(cli_env, MAIL_TRANSPORT="graph://", MAIL_FROM=SENDER)
    env["MAIL_CA_FILE"] = settings.MAIL_CA_FILE
    env.update({f"GRAPH_{k}": v for k, v in settings.GRAPH.items()})
    return env


def outbox_page(page_client) -> str:
    return page_client.get("/console/outbox").get_data(as_text=True)


def test_messages_go_through_graph_once_each_with_one_sign_in(settings, partnership, microsoft):
    use_graph(settings, microsoft, secret=microsoft.client_secret)
    ids = [queue_test_message(partnership, reference=f"DHR-{n}") for n in range(5)]

    run_worker_burst()
    run_worker_burst()

    assert [fetch(i).status for i in ids] == [MessageStatus.SENT] * 5
    assert microsoft.sends == 5
    assert sorted(m["Message-ID"] for m in microsoft.delivered) == sorted(
        fetch(i).message_id_header for i in ids
    )
    assert len(microsoft.token_requests) == 1


def test_a_batch_queued_together_goes_through_graph_in_one_job(settings, partnership, microsoft):
    """What one transaction queued is one job: each message sent once, each flattened MIME as
    the fake Graph received it, one sign-in for the batch."""
    use_graph(settings, microsoft, secret=microsoft.client_secret)
    ids = queue_together(partnership, [OFFICER] * 6)
    assert len(Queue(queues.MAIL, connection=runtime.redis()).get_jobs()) == 1

    run_worker_burst()

    assert [fetch(i).status for i in ids] == [MessageStatus.SENT] * 6
    assert microsoft.sends == 6
    assert sorted(m["Message-ID"] for m in microsoft.delivered) == sorted(
        fetch(i).message_id_header for i in ids
    )
    assert len(microsoft.token_requests) == 1


def test_fifty_messages_through_one_worker_process_sign_in_once(
    settings, partnership, microsoft, cli_env
):
    use_graph(settings, microsoft, secret=microsoft.client_secret)
    ids = [queue_test_message(partnership, reference=f"DHR-{n}") for n in range(50)]

    done = subprocess.run(
        [*DHR, "worker", "--burst"],
        env=graph_env(settings, cli_env),
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert done.returncode == 0, done.stderr
    assert {fetch(i).status for i in ids} == {MessageStatus.SENT}
    assert microsoft.sends == 50
    assert len(microsoft.token_requests) == 1


def test_a_wrong_secret_keeps_every_message_queued_until_it_is_fixed(
    settings, partnership, microsoft, page_app, page_client, session, caplog
):
    use_graph(settings, microsoft, secret="not-the-secret")
    officer = make_user(session, partnership, Role.OFFICER)
    ids = [queue_test_message(partnership, reference=f"DHR-{n}") for n in range(3)]

    with caplog.at_level(logging.ERROR, logger="mail.faults"):
        run_worker_burst()

    # Nothing sent, nothing given up on; the mail system was asked once, not once per message.
    assert [fetch(i).status for i in ids] == [MessageStatus.QUEUED] * 3
    assert microsoft.sends == 0
    assert len(microsoft.token_requests) == 1
    assert any("GRAPH_CLIENT_SECRET" in r.getMessage() for r in caplog.records)
    fault = db.Sessions().scalars(select(MailSystemFault)).one()
    assert fault.setting == "GRAPH_CLIENT_SECRET"
    assert "AADSTS7000215" in fault.reason

    # A day of sweeps later the messages are still kept, and still not sent.
    later = clock.now()
    for _ in range(3):
        later += timedelta(hours=9)
        with clock.frozen_at(later):
            sweep.run(later)
            run_worker_burst()
    assert [fetch(i).status for i in ids] == [MessageStatus.QUEUED] * 3
    assert microsoft.sends == 0
    # One probe per sweep at most: a refused sign-in is not retried for every message.
    assert len(microsoft.token_requests) <= 4

    assert sign_in(page_client, officer).status_code == 302
    page = outbox_page(page_client)
    assert "Emails are not being sent" in page
    assert "GRAPH_CLIENT_SECRET" in page

    # The administrator fixes the secret and the service restarts with it.
    use_graph(settings, microsoft, secret=microsoft.client_secret)
    later += timedelta(minutes=2)
    with clock.frozen_at(later):
        sweep.run(later)
        run_worker_burst()
        sweep.run(later + timedelta(minutes=10))
        run_worker_burst()

    assert [fetch(i).status for i in ids] == [MessageStatus.SENT] * 3
    assert microsoft.sends == 3
    assert sorted(m["Message-ID"] for m in microsoft.delivered) == sorted(
        fetch(i).message_id_header for i in ids
    )
    assert faults.current(db.Sessions()) is None
    assert "Emails are not being sent" not in outbox_page(page_client)


def test_a_sender_the_app_may_not_use_is_named_and_nothing_is_lost(
    settings, partnership, microsoft
):
    microsoft.senders = {"someone-else@exampleshire.gov.uk"}
    use_graph(settings, microsoft, secret=microsoft.client_secret)
    message_id = queue_test_message(partnership)

    run_worker_burst()

    assert fetch(message_id).status is MessageStatus.QUEUED
    assert faults.current(db.Sessions()).setting == "GRAPH_SENDER"
    assert microsoft.sends == 0
