"""Loading partnerships from YAML: the example file, updates, and every kind of bad file."""

from __future__ import annotations

import subprocess

import pytest
import yaml
from sqlalchemy import func, select

from service import partnerships
from service.models import Agency, AuditEvent, Nation, Partnership
from tests.conftest import DHR
from tests.factories import EXAMPLE


def example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text())


def write(tmp_path, data, name="p.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def test_the_example_partnership_loads_with_its_agencies(session):
    result = partnerships.load(session, EXAMPLE)
    session.commit()

    p = result.partnership
    assert result.created
    assert p.name == "Exampleshire Community Safety Partnership"
    assert p.nation is Nation.ENGLAND
    assert p.secure_domains == ["*.gov.uk", "*.police.uk", "*.cjsm.net", "nhs.net"]
    assert p.inbox("referrals") == ["dhr@exampleshire.gov.uk"]
    assert (p.trawl_response_days, p.chaser_interval_working_days, p.papers_working_days) == (
        14,
        3,
        5,
    )
    assert (p.feedback_days, p.decision_days) == (14, 30)
    assert "2026-12-30" in p.closure_days
    assert len(p.agencies) == 12
    police = next(a for a in p.agencies if a.key == "police")
    assert police.on_standard_trawl_list
    assert police.escalation_contact == "head.of.public.protection@example.police.uk"
    assert session.scalar(select(AuditEvent.action)) == "partnership.created"


def test_loading_again_updates_in_place(session, tmp_path):
    partnerships.load(session, EXAMPLE)
    session.commit()
    data = example()
    data["name"] = "Exampleshire and Riverton Community Safety Partnership"
    data["timescales"]["trawl_response_days"] = 21
    data["agencies"][0]["secure_addresses"] = ["dhr.trawls@example.police.uk"]
    del data["agencies"][-1]

    result = partnerships.load(session, write(tmp_path, data))
    session.commit()

    assert not result.created
    assert (result.agencies_added, result.agencies_updated) == (0, 11)
    assert result.agencies_not_in_file == ["drug-alcohol-service"]
    assert session.scalar(select(func.count()).select_from(Partnership)) == 1
    assert session.scalar(select(func.count()).select_from(Agency)) == 12
    p = result.partnership
    assert p.trawl_response_days == 21
    assert p.name.startswith("Exampleshire and Riverton")
    police = next(a for a in p.agencies if a.key == "police")
    assert police.secure_addresses == ["dhr.trawls@example.police.uk"]


def mutate(fn):
    data = example()
    fn(data)
    return data


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (lambda d: d.pop("name"), "name", "Missing data"),
        (lambda d: d.update(nation="scotland"), "nation", "Must be one of"),
        (lambda d: d.update(secure_domains=["gov.uk*"]), "secure_domains.0", "not a domain"),
        (
            lambda d: d["agencies"][3]["secure_addresses"].__setitem__(0, "not-an-address"),
            "agencies.3.secure_addresses.0",
            "not a valid email address",
        ),
        (
            lambda d: d["inboxes"].update(referrals=["dhr@exampleshire.org.uk"]),
            "inboxes.referrals.0",
            "must be on a secure domain",
        ),
        (lambda d: d.update(colour="blue"), "colour", "Unknown field"),
        (
            lambda d: d["agencies"].append(dict(d["agencies"][0])),
            "agencies",
            "used twice",
        ),
        (
            lambda d: d["timescales"].update(trawl_response_days=0),
            "timescales.trawl_response_days",
            "greater than or equal to 1",
        ),
        (lambda d: d.update(closure_days=["31/12/2026"]), "closure_days.0", "Not a valid date"),
        (lambda d: d["agencies"][0].pop("key"), "agencies.0.key", "Missing data"),
        (lambda d: d.update(languages=["en", "fr"]), "languages.1", "use en or cy"),
        (lambda d: d.update(languages=["cy", "cy"]), "languages", "listed twice"),
        (lambda d: d.update(languages=[]), "languages", "at least one language"),
    ],
)
def test_a_bad_file_is_refused_naming_file_key_and_problem(session, tmp_path, change, key, problem):
    path = write(tmp_path, mutate(change))
    with pytest.raises(partnerships.PartnershipFileError) as caught:
        partnerships.load(session, path)
    assert any(k == key and problem in p for k, p in caught.value.problems), caught.value.problems
    assert str(path) in str(caught.value)


def test_broken_yaml_and_a_missing_file_are_named(session, tmp_path):
    broken = write(tmp_path, "slug: x\nname: [unclosed\n")
    with pytest.raises(partnerships.PartnershipFileError, match="not valid YAML"):
        partnerships.load(session, broken)
    with pytest.raises(partnerships.PartnershipFileError, match="no such file"):
        partnerships.load(session, tmp_path / "missing.yaml")
    with pytest.raises(partnerships.PartnershipFileError, match="expected a mapping"):
        partnerships.load(session, write(tmp_path, "- a list\n"))


def test_the_cli_reports_problems_and_changes_nothing(settings, cli_env, tmp_path):
    bad = write(tmp_path, mutate(lambda d: d["agencies"][0].update(escalation_contact="nobody")))
    run = subprocess.run(
        [*DHR, "partnership", "load", str(bad)], env=cli_env, capture_output=True, text=True
    )
    assert run.returncode == 1
    assert f"{bad}: agencies.0.escalation_contact: not a valid email address" in run.stderr
    from service import db

    assert db.Sessions().scalar(select(func.count()).select_from(Partnership)) == 0

    good = subprocess.run(
        [*DHR, "partnership", "load", str(EXAMPLE)], env=cli_env, capture_output=True, text=True
    )
    assert good.returncode == 0, good.stderr
    assert "created partnership exampleshire" in good.stdout
    assert "12 agencies added" in good.stdout
