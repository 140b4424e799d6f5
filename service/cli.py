"""The `dhr` command: the service's processes and its operators' tools."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click
from sqlalchemy import select

from config import settings as settings_mod
from service import clock, db, runtime


def _bootstrap() -> settings_mod.Config:
    try:
        return runtime.bootstrap()
    except settings_mod.ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """DHR Forms: forms, secure routing and deadlines for Domestic Homicide Reviews."""


# --- processes ----------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    """Run everything on embedded defaults: SQLite, an embedded Redis and a file outbox."""
    from service import demo as demo_mod

    sys.exit(demo_mod.run(host, port))


#: gunicorn's worker timeout for `dhr web`, in seconds: well above the slowest request (a large
#: summary PDF or export is a worker job, not a request), below a proxy's usual 60.
WEB_TIMEOUT = 30


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="host:port to listen on")
@click.option("--workers", default=2, show_default=True, type=int)
@click.option(
    "--timeout",
    default=WEB_TIMEOUT,
    show_default=True,
    type=int,
    help="seconds a request may take before gunicorn restarts its worker",
)
def web(bind: str, workers: int, timeout: int) -> None:
    """Serve the web app with gunicorn (put TLS in front of it). No request makes a big
    document (a worker job does), so a request that takes ``--timeout`` seconds is stuck."""
    from service import crypto

    _bootstrap()
    try:
        crypto.check_stored(db.Sessions())
    except crypto.KeyProblem as exc:
        raise click.ClickException(str(exc)) from exc
    os.execvp(  # noqa: S606
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--graceful-timeout",
            str(timeout),
            "--access-logfile",
            "-",
            "--access-logformat",
            '%(h)s "%(m)s %(U)s" %(s)s %(L)s',  # service.access_log.GUNICORN_FORMAT
            "--logger-class",
            "service.access_log.GunicornLogger",
            "service.wsgi:app",
        ],
    )


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--processes", default=1, show_default=True, type=click.IntRange(1), help="Worker processes."
)
def worker(burst: bool, processes: int) -> None:
    """Run an rq worker for every queue the service uses.

    Jobs run in the worker's own process (rq's SimpleWorker), not in a child forked for each:
    the mail transport's sign-in (an OAuth token is good for an hour) and its connections are
    then reused from one message to the next. A job still has its time-out; a worker that dies
    is restarted by its supervisor, and the sweep recovers the message it was sending.
    ``--processes N`` runs N such workers, for more than one core (``workers.pool``).
    """
    from mail.transports import TransportConfigError
    from workers import pool

    _bootstrap()
    try:
        runtime.transport()  # a wrong MAIL_TRANSPORT stops the worker now, not at the first send
    except TransportConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if processes > 1:
        sys.exit(pool.work_in_processes(processes, burst))
    pool.work(burst)


@main.command()
@click.option("--interval", default=60.0, show_default=True, help="Seconds between sweeps.")
def scheduler(interval: float) -> None:
    """Run the deadline sweep every minute."""
    from workers.scheduler import run_forever

    _bootstrap()
    run_forever(interval)


@main.command()
@click.option("--at", "at", help="Run as at this ISO-8601 moment (default: now).")
def sweep(at: str | None) -> None:
    """One pass of the deadline sweep; prints what it found."""
    from workers import sweep as sweep_mod

    _bootstrap()
    try:
        moment = clock.parse(at) if at else clock.now()
    except ValueError as exc:
        raise click.BadParameter(
            f"{at!r} is not an ISO-8601 date and time", param_hint="--at"
        ) from exc
    with clock.frozen_at(moment):
        report = sweep_mod.run(moment)
    for line in report.lines():
        click.echo(line)
    if report.errors:
        sys.exit(1)


# --- database and partnerships ------------------------------------------------------------


@main.group("db")
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration not yet applied."""
    from service import migrate

    cfg = _bootstrap()
    migrate.upgrade(cfg.DATABASE_URL)
    click.echo("database is up to date")


@main.group()
def partnership() -> None:
    """Partnerships and their agencies."""


@partnership.command("load")
@click.argument("path", type=click.Path(path_type=Path))
def partnership_load(path: Path) -> None:
    """Create or update a partnership from a YAML file."""
    from service import partnerships

    _bootstrap()
    try:
        with db.transaction() as session:
            result = partnerships.load(session, path)
    except partnerships.PartnershipFileError as exc:
        click.echo(f"{path} was not loaded; nothing was changed:", err=True)
        for key, problem in exc.problems:
            click.echo(f"  {path}: {key}: {problem}", err=True)
        sys.exit(1)
    p = result.partnership
    click.echo(
        f"{'created' if result.created else 'updated'} partnership {p.slug} ({p.name}): "
        f"{result.agencies_added} agencies added, {result.agencies_updated} updated"
    )
    if result.agencies_not_in_file:
        click.echo(
            "kept, though not in the file: " + ", ".join(result.agencies_not_in_file), err=True
        )


# --- console users ------------------------------------------------------------------------


@main.group()
def user() -> None:
    """Console users."""


@user.command("create")
@click.option("--partnership", "slug", required=True, help="The partnership's slug.")
@click.option("--email", required=True, help="Their work address, on a secure domain.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["officer", "chair", "viewer"]),
    help="officer: everything in the partnership; chair: their cases; viewer: read only.",
)
@click.option("--name", help="Their name, as shown in the console.")
def user_create(slug: str, email: str, role: str, name: str | None) -> None:
    """Create a console user and print their one-time set-up link (valid for 72 hours)."""
    from service.auth import accounts

    _bootstrap()
    try:
        with db.transaction() as session:
            p = _partnership(session, slug)
            created, link = accounts.create_user(
                session, p, email=email, role=role, name=name, actor="cli"
            )
            summary = f"created {created.role.value} {created.email} in {p.slug}"
    except accounts.AccountRefused as exc:
        click.echo(f"not created: {exc}", err=True)
        sys.exit(1)
    click.echo(summary)
    click.echo("Give them this set-up link. It works once, for 72 hours:")
    click.echo(f"  {link}")
    click.echo("With it they choose a password and set up an authenticator app, then sign in.")


# --- keys ---------------------------------------------------------------------------------


@main.group()
def keys() -> None:
    """The keys in DATA_KEY that encrypt stored secrets."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored secret with the first key in DATA_KEY."""
    from service import crypto

    _bootstrap()
    try:
        with db.transaction() as session:
            count = crypto.rotate(session)
    except crypto.KeyProblem as exc:
        raise click.ClickException(f"nothing was re-encrypted: {exc}") from exc
    click.echo(f"re-encrypted {count} stored secrets with the first key in DATA_KEY")
    click.echo("keys after the first can now be removed from DATA_KEY")


# --- mail ---------------------------------------------------------------------------------


@main.group()
def mail() -> None:
    """The outbox."""


def _partnership(session, slug: str | None):  # noqa: ANN001, ANN202
    from service.models import Partnership

    if slug:
        found = session.scalar(select(Partnership).where(Partnership.slug == slug))
        if found is None:
            raise click.ClickException(f"no partnership with slug {slug!r}")
        return found
    found = session.scalars(select(Partnership)).all()
    if len(found) != 1:
        raise click.ClickException(
            "give --partnership SLUG"
            if found
            else "no partnership is loaded: run `dhr partnership load PATH` first"
        )
    return found[0]


@mail.command("test")
@click.option("--to", "to", required=True, help="A secure address to send the test to.")
@click.option("--partnership", "slug", help="Partnership slug (needed when there are several).")
def mail_test(to: str, slug: str | None) -> None:
    """Send an OFFICIAL-SENSITIVE test message through the whole pipeline."""
    from mail import outbox, policy

    _bootstrap()
    with db.transaction() as session:
        p = _partnership(session, slug)
        try:
            secure = policy.is_secure(p, to)
        except policy.InvalidAddress as exc:
            click.echo(f"not sent: {to!r} is {exc}", err=True)
            sys.exit(2)
        if not secure:
            click.echo(
                f"not sent: {to} is not a secure recipient for {p.name}; its domain is not on "
                f"the secure-domain allowlist ({', '.join(p.secure_domains)})",
                err=True,
            )
            sys.exit(2)
        reference = "TEST-" + secrets.token_hex(3).upper()
        (message,) = outbox.queue_message(
            session,
            partnership=p,
            purpose="mail.test",
            reference=reference,
            to=[to],
            actor="cli",
        )
    click.echo(f"queued test message {message.id} with reference {reference}")
    click.echo("a worker delivers it (`dhr worker --burst` sends what is queued and stops)")


@mail.command("check")
def mail_check() -> None:
    """Sign in to the mail system and reach the mailbox, sending nothing."""
    from mail.transports import TransportConfigError, TransportError

    _bootstrap()
    try:
        checked = runtime.transport().check()
    except (TransportConfigError, TransportError) as exc:
        click.echo(f"Mail check failed: {exc}", err=True)
        sys.exit(1)
    click.echo(f"OK: {checked}")


@mail.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def mail_ingest(files: tuple[Path, ...]) -> None:
    """Read bounce reports (DSNs, NDRs) from .eml files and record what bounced."""
    from mail.bounces import record

    _bootstrap()
    unreadable = 0
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            click.echo(f"{path}: not read ({exc.strerror or type(exc).__name__})", err=True)
            unreadable += 1
            continue
        with db.transaction() as session:
            outcome = record.ingest(session, raw, source="file")
        about = f" (message {', '.join(outcome.messages)})" if outcome.messages else ""
        detail = f": {outcome.detail}" if outcome.detail else ""
        click.echo(f"{path}: {outcome.result}{about}{detail}")
    if unreadable:
        sys.exit(1)


@mail.command("list")
@click.option(
    "--status",
    type=click.Choice(["queued", "sending", "sent", "failed", "held", "cancelled", "bounced"]),
    help="Only messages with this status.",
)
@click.option("--limit", default=50, show_default=True)
def mail_list(status: str | None, limit: int) -> None:
    """The most recent messages in the outbox."""
    from service.models import Message

    _bootstrap()
    session = db.Sessions()
    query = select(Message).order_by(Message.created_at.desc()).limit(limit)
    if status:
        query = query.where(Message.status == status)
    rows = session.scalars(query).all()
    if not rows:
        click.echo("no messages")
        return
    click.echo(
        f"{'id':32}  {'created (UTC)':16}  {'status':9}  {'tries':>5}  "
        f"{'purpose':16}  {'reference':14}  recipient"
    )
    for m in rows:
        click.echo(
            f"{m.id:32}  {m.created_at:%Y-%m-%d %H:%M}  {m.status.value:9}  {m.attempts:>5}  "
            f"{m.purpose:16}  {m.reference:14}  {m.recipient}"
            + (
                f"\n{'':34}last error: {m.last_error}"
                if m.last_error and m.status != "sent"
                else ""
            )
        )


@mail.command("retry")
@click.argument("message_id")
def mail_retry(message_id: str) -> None:
    """Queue a failed message again (it keeps its Message-ID)."""
    from mail import outbox

    _bootstrap()
    try:
        with db.transaction() as session:
            outbox.retry(session, message_id, actor="cli")
    except outbox.MessageRefused as exc:
        click.echo(f"not retried: {exc}", err=True)
        sys.exit(1)
    click.echo(f"message {message_id} queued again")


if __name__ == "__main__":
    main()
