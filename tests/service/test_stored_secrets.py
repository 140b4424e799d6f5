"""Authenticator secrets are stored encrypted with DATA_KEY: a database copy alone does not let
anyone make sign-in codes, keys can be changed with `dhr keys rotate`, and a missing or wrong key
stops the service at start-up with a message that says so."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

import service
from config import settings as settings_mod
from service import crypto, migrate
from service.models import Nation, Partnership
from tests.conftest import DHR, ROOT
from tests.console import make_user, secret_of, sign_in
from tests.service.conftest import HttpsClient

STORED = text("SELECT totp_secret FROM user_account WHERE id = :id")


def rotate_to_a_new_key(cli_env, settings, *, expected: int) -> str:
    """`dhr keys rotate` with a new key put first; the new key."""
    new_key = Fernet.generate_key().decode()
    done = subprocess.run(
        [*DHR, "keys", "rotate"],
        env={**cli_env, "DATA_KEY": f"{new_key},{settings.data_keys()}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"re-encrypted {expected} stored secrets" in done.stdout
    return new_key


def stored_secret(session, user) -> str:
    user_id = user.__dict__.get("id") or user.id  # without loading the row (and its secret)
    session.rollback()
    return session.execute(STORED, {"id": user_id}).scalar_one()


def app_for(settings):
    app = service.create_app(settings)
    app.test_client_class = HttpsClient
    return app


def test_the_database_holds_no_authenticator_secret_in_plain_text(
    page_client, session, partnership
):
    user = make_user(session, partnership)
    stored = stored_secret(session, user)
    assert secret_of(user) not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    # The service itself reads it back: signing in works.
    assert sign_in(page_client, user).headers["Location"] == "/console/"


def test_keys_rotate_re_encrypts_with_the_new_key_so_the_old_one_can_go(
    settings, cli_env, session, partnership
):
    user = make_user(session, partnership)
    secret = secret_of(user)
    old_key = settings.data_keys()
    before = stored_secret(session, user)
    new_key = Fernet.generate_key().decode()

    done = subprocess.run(
        [*DHR, "keys", "rotate"],
        env={**cli_env, "DATA_KEY": f"{new_key},{old_key}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "re-encrypted 1 stored secrets" in done.stdout
    after = stored_secret(session, user)
    assert after != before
    assert Fernet(new_key).decrypt(after.encode()).decode() == secret

    # The old key removed: the service starts and the user still signs in.
    settings.DATA_KEY = new_key
    client = app_for(settings).test_client()
    assert sign_in(client, user).headers["Location"] == "/console/"


def test_a_wrong_data_key_stops_the_app_at_start_up(settings, session, partnership):
    make_user(session, partnership)
    settings.DATA_KEY = Fernet.generate_key().decode()
    with pytest.raises(settings_mod.ConfigError, match="DATA_KEY cannot decrypt"):
        service.create_app(settings)


def test_keys_rotate_with_a_wrong_key_changes_nothing(cli_env, session, partnership):
    user = make_user(session, partnership)
    before = stored_secret(session, user)
    done = subprocess.run(
        [*DHR, "keys", "rotate"],
        env={**cli_env, "DATA_KEY": Fernet.generate_key().decode()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "nothing was re-encrypted: DATA_KEY cannot decrypt" in done.stderr
    assert stored_secret(session, user) == before


def test_production_refuses_to_start_without_a_data_key(settings):
    cfg = settings_mod.Config(
        DATABASE_URL=settings.DATABASE_URL,
        REDIS_URL=settings.REDIS_URL,
        SECRET_KEY=settings.SECRET_KEY,
        MAIL_TRANSPORT=settings.MAIL_TRANSPORT,
    )
    with pytest.raises(settings_mod.ConfigError, match="set DATA_KEY"):
        service.create_app(cfg)
    cfg.DATA_KEY = "not-a-fernet-key"
    with pytest.raises(settings_mod.ConfigError, match="DATA_KEY must be one or more Fernet"):
        cfg.validate()


def test_dhr_web_names_data_key_when_it_is_missing(cli_env):
    env = {k: v for k, v in cli_env.items() if k not in ("DHR_ENV", "DATA_KEY")}
    done = subprocess.run([*DHR, "web"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "set DATA_KEY" in done.stderr


# --- the migration that encrypts what was stored before -------------------------------------

PLAIN = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MIGRATE = "import sys; from service import migrate; migrate.upgrade(sys.argv[1], sys.argv[2])"


def _partnership_as_at_0009(s: Session, **given: str) -> int:
    """A partnership row with only the columns the table had then (later ones are added by
    later migrations), the rest from the model's defaults."""
    from sqlalchemy import MetaData, Table

    bind = s.get_bind()
    table = Table("partnership", MetaData(), autoload_with=bind)
    model = Partnership.__table__.c
    values: dict[str, object] = {}
    for column in table.c:
        if column.name == "id":
            continue
        if column.name in given:
            value: object = given[column.name]
        elif model[column.name].default is not None:
            arg = model[column.name].default.arg
            value = arg(None) if callable(arg) else arg
        else:
            continue
        process = model[column.name].type.bind_processor(bind.dialect)
        values[column.name] = process(value) if process else value
    return s.execute(table.insert().values(**values)).inserted_primary_key[0]


def _database_at_0009_with_a_secret(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0009")
    engine = create_engine(url)
    with Session(engine) as s:
        p = _partnership_as_at_0009(s, slug="p", name="P", nation=Nation.ENGLAND.value)
        s.execute(
            text(
                "INSERT INTO user_account (id, partnership_id, email, role, status, totp_secret, "
                "failed_attempts, created_at, updated_at) VALUES (1, :p, 'a@p.gov.uk', 'officer', "
                "'active', :secret, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            ),
            {"p": p, "secret": PLAIN},
        )
        s.commit()
    engine.dispose()
    return url


def _migrate(url: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", MIGRATE, url, "0010"],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_the_migration_encrypts_secrets_already_stored(settings, tmp_path, cli_env):
    url = _database_at_0009_with_a_secret(tmp_path)
    key = Fernet.generate_key().decode()
    done = _migrate(url, {**cli_env, "DATA_KEY": key})
    assert done.returncode == 0, done.stderr
    engine = create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT totp_secret FROM user_account")).scalar_one()
    engine.dispose()
    assert PLAIN not in stored
    assert crypto.fernet_for(key).decrypt(stored.encode()).decode() == PLAIN


def test_the_migration_stops_without_a_data_key_and_changes_nothing(settings, tmp_path, cli_env):
    url = _database_at_0009_with_a_secret(tmp_path)
    env = {k: v for k, v in cli_env.items() if k != "DATA_KEY"}
    done = _migrate(url, env)
    assert done.returncode != 0
    assert "set DATA_KEY" in done.stderr
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT totp_secret FROM user_account")).scalar_one() == PLAIN
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0009"
    engine.dispose()


def test_keys_rotate_re_encrypts_every_stored_secret(settings, cli_env, session, partnership):
    users = [make_user(session, partnership) for _ in range(3)]
    secrets = [secret_of(u) for u in users]
    ids = [u.id for u in users]
    new_key = rotate_to_a_new_key(cli_env, settings, expected=3)
    session.rollback()
    for user_id, secret in zip(ids, secrets, strict=True):
        stored = session.execute(STORED, {"id": user_id}).scalar_one()
        assert secret not in stored
        assert Fernet(new_key).decrypt(stored.encode()).decode() == secret


def test_keys_rotate_re_encrypts_the_codes_sealed_into_queued_messages(
    settings, cli_env, session, partnership
):
    """A one-time code waiting in the outbox is a stored secret too: after rotation the old key
    can go and the message still carries the code."""
    from mail import mime, outbox
    from service.consent import messages
    from service.models import Message

    (queued,) = outbox.queue_message(
        session,
        partnership=partnership,
        purpose=messages.CODE.name,
        reference="DHR-2026-001",
        to=["sam.relative@example.com"],
        sealed=["482913"],
        # Written as to a family member whose language is not known.
        **messages.to_family(
            partnership, SimpleNamespace(language=None), {"code": "482913", "minutes": 30}
        ),
    )
    session.commit()
    message_id = queued.id
    # The code is sealed in the text and in the HTML body.
    before = [link for link in queued.live_links if link["form"] == "sealed"]
    assert len(before) == 2
    new_key = rotate_to_a_new_key(cli_env, settings, expected=2)
    session.expire_all()
    message = session.get(Message, message_id)
    after = [link for link in message.live_links if link["form"] == "sealed"]
    assert len(after) == 2 and "482913" not in str(message.live_links)
    for old, new in zip(before, after, strict=True):
        assert new["token"] != old["token"]
        assert Fernet(new_key).decrypt(new["token"].encode()).decode() == "482913"
    # With only the new key, the transport still writes the code back into the body.
    settings.DATA_KEY = new_key
    wire = mime.build(message, settings.MAIL_FROM).mime
    assert "482913" in wire.get_body(("plain",)).get_content()
