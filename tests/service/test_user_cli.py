"""`dhr user create`: an operator creates a console user and gets a one-time set-up link."""

from __future__ import annotations

import re
import subprocess

from sqlalchemy import select

from service import db
from service.models import AuditEvent, Role, User, UserStatus
from tests.conftest import DHR


def dhr(env, *args):
    return subprocess.run([*DHR, *args], env=env, capture_output=True, text=True, timeout=120)


def test_user_create_prints_a_set_up_link_and_nothing_else_secret(cli_env, partnership):
    done = dhr(
        cli_env,
        "user", "create",
        "--partnership", "exampleshire",
        "--email", "New.Officer@Exampleshire.gov.uk",
        "--role", "officer",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    links = re.findall(r"https://\S+", done.stdout)
    assert len(links) == 1
    assert links[0].startswith("https://dhr.exampleshire.gov.uk/account/set-up?token=")
    assert "72 hours" in done.stdout
    assert "otpauth://" not in done.stdout and "password" not in done.stdout.lower().replace(
        "choose a password", ""
    )

    session = db.Sessions()
    session.rollback()
    user = session.scalar(select(User))
    assert user.email == "new.officer@exampleshire.gov.uk"
    assert user.role is Role.OFFICER and user.status is UserStatus.INVITED
    assert user.password_hash is None and user.totp_secret is None
    audit = session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "cli")).all()
    assert audit == ["user.created", "user.setup_link_issued"]


def test_user_create_refuses_an_address_outside_the_secure_domains(cli_env, partnership):
    done = dhr(
        cli_env,
        "user", "create",
        "--partnership", "exampleshire",
        "--email", "someone@gmail.com",
        "--role", "chair",
    )  # fmt: skip
    assert done.returncode == 1
    assert "not created" in done.stderr and "secure domains" in done.stderr
    session = db.Sessions()
    session.rollback()
    assert session.scalars(select(User)).all() == []


def test_user_create_names_what_is_wrong(cli_env, partnership):
    unknown = dhr(
        cli_env, "user", "create", "--partnership", "nowhere", "--email", "a@b.gov.uk",
        "--role", "viewer",
    )  # fmt: skip
    assert unknown.returncode == 1
    assert "no partnership with slug 'nowhere'" in unknown.stderr
    bad_role = dhr(
        cli_env, "user", "create", "--partnership", "exampleshire", "--email", "a@b.gov.uk",
        "--role", "admin",
    )  # fmt: skip
    assert bad_role.returncode == 2
    assert "admin" in bad_role.stderr
    twice = [
        dhr(
            cli_env,
            "user",
            "create",
            "--partnership",
            "exampleshire",
            "--email",
            "same@exampleshire.gov.uk",
            "--role",
            "viewer",
        )  # fmt: skip
        for _ in range(2)
    ]
    assert [t.returncode for t in twice] == [0, 1]
    assert "already an account" in twice[1].stderr
