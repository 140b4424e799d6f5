"""Running the deadline sweep in tests: in this process (quick, and a frozen clock applies), or
as several `dhr sweep --at` processes started together (to prove each thing happens once)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

from sqlalchemy import select

from service import clock
from service.models import Message
from tests.conftest import DHR
from workers import sweep as sweep_mod


def sweep_outputs_at_once(env: dict, at: dt.datetime, processes: int = 2) -> list[str]:
    """Start ``processes`` `dhr sweep --at` together; what each one printed."""
    runs = [
        subprocess.Popen(
            [*DHR, "sweep", "--at", at.isoformat()], env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for _ in range(processes)
    ]  # fmt: skip
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0] * processes, outputs
    return [out for out, _ in outputs]


def check_count(output: str, name: str) -> int:
    """What the check called ``name`` did, from a sweep's report."""
    return int(re.search(rf"^{re.escape(name)}: (\d+)$", output, re.M).group(1))


def sweep_here(at: dt.datetime) -> dict[str, int]:
    """One sweep in this process, as at ``at``; what each check did (none may fail)."""
    with clock.frozen_at(at):
        report = sweep_mod.run(at)
    assert report.errors == {}
    return report.checks


def outbox(session, *purposes: str) -> list[Message]:
    """The outbox as it is now (of these purposes, if any are named)."""
    session.rollback()
    session.expire_all()
    query = select(Message).order_by(Message.created_at, Message.recipient)
    if purposes:
        query = query.where(Message.purpose.in_(purposes))
    return list(session.scalars(query))
