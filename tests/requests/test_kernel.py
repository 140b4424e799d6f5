"""Every request to an agency runs through the one kernel: a new kind is a configuration."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from service.imrs import requesting
from service.models import ImrRequest, TrawlRequest
from service.requests import kinds
from service.requests.model import AgencyRequest
from service.trawls import sending
from workers import checks, request_checks, sweep

ROOT = Path(__file__).resolve().parents[2]
KERNEL = ROOT / "service" / "requests"
#: Writing a chaser's own columns is claiming or escalating it: the engine's work alone.
CHASER_WRITE = re.compile(r"\b(chasers_sent|last_chased_at|escalated_at)\b\s*(=(?!=)|\+=)")


def test_the_trawl_and_the_imr_are_kinds_in_one_registry():
    registered = kinds.registered()
    assert sending.TRAWL in registered
    assert requesting.IMR in registered
    assert sending.TRAWL.model is TrawlRequest
    assert requesting.IMR.model is ImrRequest
    assert all(issubclass(kind.model, AgencyRequest) for kind in registered)


def test_every_registered_kind_is_chased_by_the_sweep_under_its_name():
    checks.load()
    assert set(request_checks.KINDS) == set(kinds.registered())
    assert {"trawl chasers", "imr chasers"} <= set(sweep.CHECKS)
    for kind in request_checks.KINDS:
        assert sweep.CHECKS[kind.check_name] is request_checks.CHASER_CHECKS[kind.name]


def test_a_kind_name_belongs_to_one_model():
    impostor = dataclasses.replace(sending.TRAWL, model=ImrRequest)
    with pytest.raises(ValueError):
        kinds.register(impostor)
    assert impostor not in kinds.registered()


def test_only_the_engine_claims_or_escalates_chasers():
    assert CHASER_WRITE.search((KERNEL / "chasing.py").read_text(encoding="utf-8"))
    writers = []
    for folder in ("service", "workers", "mail", "forms"):
        for path in (ROOT / folder).rglob("*.py"):
            if KERNEL in path.parents or "migrations" in path.parts:
                continue
            if CHASER_WRITE.search(path.read_text(encoding="utf-8")):
                writers.append(str(path.relative_to(ROOT)))
    assert writers == []
