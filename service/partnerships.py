"""Loading a partnership (and its agencies) from a YAML file.

The file is checked whole before anything is written; a problem is reported with the file, the
key (as a dotted path, e.g. ``agencies.3.secure_addresses.0``) and what is wrong with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from mail import policy
from service import audit
from service.models import Agency, ImrNames, InsecureRecipientAction, Nation, Partnership
from service.retention import schedule as retention_schedule

SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$", error="use lower-case letters, digits and -")


class PartnershipFileError(ValueError):
    """The file cannot be loaded. ``problems`` lists (key, problem) pairs."""

    def __init__(self, path: Path, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {key}: {problem}" for key, problem in problems))


def _address(value: str) -> None:
    try:
        policy.normalise(value)
    except policy.InvalidAddress as exc:
        raise ValidationError(str(exc)) from exc


def _domain_pattern(value: str) -> None:
    try:
        policy.check_pattern(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


Address = fields.String(validate=_address)


class Strict(Schema):
    class Meta:
        unknown = RAISE


class AgencySchema(Strict):
    key = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    secure_addresses = fields.List(
        fields.String(validate=_address), required=True, validate=validate.Length(min=1)
    )
    escalation_contact = fields.String(validate=_address, load_default=None)
    standard_trawl = fields.Boolean(load_default=False)
    # The language of its emails (one the partnership offers); left out: the partnership's first.
    language = fields.String(
        load_default=None, validate=validate.OneOf(["en", "cy"], error="use en or cy")
    )


class InboxesSchema(Strict):
    referrals = fields.List(
        fields.String(validate=_address), required=True, validate=validate.Length(min=1)
    )
    dhr_officer = fields.List(
        fields.String(validate=_address), required=True, validate=validate.Length(min=1)
    )
    chair = fields.List(fields.String(validate=_address), load_default=list)
    # --- after the decision: who is told of it (each on the secure domains, like the others) ---
    home_office = fields.List(fields.String(validate=_address), load_default=list)
    coroner = fields.List(fields.String(validate=_address), load_default=list)
    commissioner = fields.List(fields.String(validate=_address), load_default=list)
    subgroup_chair = fields.List(fields.String(validate=_address), load_default=list)
    partnership_chair = fields.List(fields.String(validate=_address), load_default=list)


class TimescalesSchema(Strict):
    trawl_response_days = fields.Integer(load_default=14, validate=validate.Range(1, 90))
    chaser_interval_working_days = fields.Integer(load_default=3, validate=validate.Range(1, 30))
    papers_working_days = fields.Integer(load_default=5, validate=validate.Range(1, 30))
    feedback_days = fields.Integer(load_default=14, validate=validate.Range(1, 90))
    decision_days = fields.Integer(load_default=30, validate=validate.Range(1, 90))
    dispatch_hour = fields.Integer(load_default=9, validate=validate.Range(0, 23))
    # --- after the decision ---
    report_months = fields.Integer(load_default=6, validate=validate.Range(1, 24))


def _raise(message: str) -> bool:
    raise ValidationError(message)


class ContactSchema(Strict):
    email = fields.String(required=True, validate=_address)
    phone = fields.String(load_default=None, validate=validate.Length(max=40))


class AdvocacySchema(Strict):
    """An advocacy service the family letters list."""

    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    phone = fields.String(load_default=None, validate=validate.Length(max=40))
    website = fields.String(
        load_default=None,
        validate=validate.URL(schemes={"https"}, error="an https:// address"),
    )


class PartnershipSchema(Strict):
    slug = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=validate.Length(min=3, max=200))
    # Begins each case reference: EXA-DHR-2026-01. Default: the slug's first three letters.
    case_prefix = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Z]{2,6}$", error="use 2 to 6 capital letters"),
    )
    nation = fields.Enum(Nation, by_value=True, required=True)
    secure_domains = fields.List(
        fields.String(validate=_domain_pattern), required=True, validate=validate.Length(min=1)
    )
    insecure_recipients = fields.Enum(
        InsecureRecipientAction, by_value=True, load_default=InsecureRecipientAction.NOTICE
    )
    contact = fields.Nested(ContactSchema, required=True)
    inboxes = fields.Nested(InboxesSchema, required=True)
    timescales = fields.Nested(TimescalesSchema, load_default=lambda: TimescalesSchema().load({}))
    closure_days = fields.List(fields.Date(), load_default=list)
    agencies = fields.List(fields.Nested(AgencySchema), load_default=list)
    # --- retention: how long each kind of record is kept (service.retention.schedule) ---
    retention = fields.Nested(
        retention_schedule.RetentionSchema, load_default=retention_schedule.default_block
    )
    # --- IMRs written in the service: real names (Leicester, paragraph 67) or initials only
    # (Greater Manchester). The request email, the IMR form's guidance and the QA form follow it.
    imr_names = fields.Enum(ImrNames, by_value=True, load_default=ImrNames.INITIALS)
    # --- after the decision ---
    commissioner_told_of_decisions = fields.Boolean(load_default=False)
    # --- languages: ["en"], or ["en", "cy"] (the first is the default) ---
    languages = fields.List(
        fields.String(validate=validate.OneOf(["en", "cy"], error="use en or cy")),
        load_default=lambda: ["en"],
        validate=[
            validate.Length(min=1, error="name at least one language"),
            lambda v: len(set(v)) == len(v) or _raise("a language is listed twice"),
        ],
    )
    advocacy_services = fields.List(fields.Nested(AdvocacySchema), load_default=list)

    @validates("agencies")
    def _unique_keys(self, agencies: list[dict[str, Any]], **_: Any) -> None:
        seen: set[str] = set()
        for agency in agencies:
            key = agency.get("key")
            if key in seen:
                raise ValidationError(f"agency key {key!r} is used twice")
            if key:
                seen.add(key)

    @validates_schema
    def _agency_languages_offered(self, data: dict[str, Any], **_: Any) -> None:
        offered = data.get("languages") or ["en"]
        problems = {
            f"agencies.{i}.language": ["a language the partnership offers (languages)"]
            for i, agency in enumerate(data.get("agencies", []))
            if agency.get("language") and agency["language"] not in offered
        }
        if problems:
            raise ValidationError(problems)

    @validates_schema
    def _inboxes_secure(self, data: dict[str, Any], **_: Any) -> None:
        patterns = data.get("secure_domains", [])
        problems: dict[str, list[str]] = {}
        for purpose, addresses in data.get("inboxes", {}).items():
            for i, address in enumerate(addresses):
                if not policy.domain_matches(policy.domain_of(address), patterns):
                    problems.setdefault(f"inboxes.{purpose}.{i}", []).append(
                        "the partnership's own inboxes receive case content, so they must be "
                        "on a secure domain in secure_domains"
                    )
        if problems:
            raise ValidationError(problems)


def _flatten(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(messages, dict):
        out: list[tuple[str, str]] = []
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "(file)"
            out += _flatten(value, path)
        return out
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return [(prefix or "(file)", m) for m in messages]
        out = []
        for m in messages:
            out += _flatten(m, prefix)
        return out
    return [(prefix or "(file)", str(messages))]


def read(path: Path) -> dict[str, Any]:
    """The file's contents, checked; PartnershipFileError naming every problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PartnershipFileError(path, [("(file)", "no such file")]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise PartnershipFileError(path, [(where, f"not valid YAML: {exc}")]) from exc
    if not isinstance(raw, dict):
        raise PartnershipFileError(path, [("(file)", "expected a mapping of keys to values")])
    try:
        return PartnershipSchema().load(raw)
    except ValidationError as exc:
        raise PartnershipFileError(path, sorted(_flatten(exc.messages))) from exc


@dataclass
class LoadResult:
    partnership: Partnership
    created: bool
    agencies_added: int
    agencies_updated: int
    agencies_not_in_file: list[str]


def load(session: Session, path: Path, *, actor: str = "cli") -> LoadResult:
    """Create or update the partnership in ``path``, in the caller's transaction."""
    data = read(path)
    partnership = session.scalar(select(Partnership).where(Partnership.slug == data["slug"]))
    created = partnership is None
    if partnership is None:
        partnership = Partnership(slug=data["slug"])
        session.add(partnership)
    partnership.name = data["name"]
    partnership.nation = data["nation"]
    partnership.case_prefix = data["case_prefix"] or re.sub(r"[^A-Z]", "", data["slug"].upper())[:3]
    partnership.secure_domains = [policy.check_pattern(p) for p in data["secure_domains"]]
    partnership.insecure_recipient_action = data["insecure_recipients"]
    partnership.contact_email = policy.normalise(data["contact"]["email"])
    partnership.contact_phone = data["contact"]["phone"]
    partnership.inboxes = {
        purpose: [policy.normalise(a) for a in addresses]
        for purpose, addresses in data["inboxes"].items()
    }
    for key, value in data["timescales"].items():
        setattr(partnership, key, value)
    partnership.closure_days = sorted(d.isoformat() for d in data["closure_days"])
    session.flush()
    retention_schedule.store(session, partnership, data["retention"])  # the retention schedule
    partnership.imr_names = data["imr_names"]  # IMRs written in the service
    # --- after the decision ---
    partnership.commissioner_told_of_decisions = data["commissioner_told_of_decisions"]
    partnership.advocacy_services = [
        {k: v for k, v in item.items() if v} for item in data["advocacy_services"]
    ]
    partnership.languages = list(data["languages"])  # pages and correspondence
    session.flush()

    existing = {a.key: a for a in partnership.agencies}
    added = updated = 0
    for item in data["agencies"]:
        agency = existing.pop(item["key"], None)
        if agency is None:
            agency = Agency(key=item["key"], partnership=partnership)
            session.add(agency)
            added += 1
        else:
            updated += 1
        agency.name = item["name"]
        agency.secure_addresses = [policy.normalise(a) for a in item["secure_addresses"]]
        agency.escalation_contact = (
            policy.normalise(item["escalation_contact"]) if item["escalation_contact"] else None
        )
        agency.on_standard_trawl_list = item["standard_trawl"]
        if item["language"]:
            # Left out of the file, an agency keeps the language chosen in the console.
            agency.language = item["language"]
    session.flush()
    audit.record(
        session,
        "partnership.created" if created else "partnership.updated",
        actor=actor,
        partnership_id=partnership.id,
        object_type="partnership",
        object_id=partnership.id,
        agencies_added=added,
        agencies_updated=updated,
    )
    # Agencies missing from the file are kept: cases may refer to them. The officer is told.
    return LoadResult(partnership, created, added, updated, sorted(existing))
