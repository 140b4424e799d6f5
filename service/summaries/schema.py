"""The collated summary as JSON: one marshmallow schema, dumped by the console's export and
used by the tests to validate what was exported."""

from __future__ import annotations

from marshmallow import Schema, fields
from marshmallow.validate import OneOf, Regexp

from service.models import ConsentStatus
from service.summaries.rows import AgencyStatus, Summary

IMR_STATUSES = ["requested", "overdue", "submitted", "final"]


class PersonHeaderSchema(Schema):
    name = fields.String(required=True)
    role = fields.String(required=True)
    date_of_birth = fields.String(required=True)


class TrawlHeaderSchema(Schema):
    number = fields.Integer(required=True)
    sent_on = fields.String(required=True)
    due_on = fields.String(required=True)
    scope_from = fields.String(required=True)
    scope_to = fields.String(required=True)
    agencies = fields.Integer(required=True)


class RecordsSecuredSchema(Schema):
    person = fields.String(required=True)
    answer = fields.String(required=True)


class AgencySchema(Schema):
    agency_id = fields.Integer(required=True)
    name = fields.String(required=True)
    trawl_number = fields.Integer(required=True)
    sent_on = fields.String(required=True)
    due_on = fields.String(required=True)
    status = fields.String(required=True, validate=OneOf([s.value for s in AgencyStatus]))
    status_text = fields.String(required=True)
    link_withheld = fields.Boolean(required=True)
    returned_on = fields.String(required=True)
    days_taken = fields.Integer(required=True, allow_none=True)
    version = fields.Integer(required=True, allow_none=True)
    extension_to = fields.String(required=True)
    extension_requested_to = fields.String(required=True)
    systems_checked = fields.String(required=True)
    records_secured = fields.List(fields.Nested(RecordsSecuredSchema), required=True)
    completed_by = fields.String(required=True)
    invited = fields.Boolean(required=True)
    representative = fields.String(required=True)
    bounced_on = fields.String(required=True)


class KnowledgeSchema(Schema):
    agency_id = fields.Integer(required=True)
    agency = fields.String(required=True)
    nature = fields.String(required=True)
    first_contact = fields.String(required=True)
    last_contact = fields.String(required=True)
    services = fields.String(required=True)
    dash_risk = fields.String(required=True)
    marac = fields.String(required=True)
    risk_other = fields.String(required=True)
    records_secured = fields.String(required=True)


class PersonSchema(Schema):
    name = fields.String(required=True)
    role = fields.String(required=True)
    known_to = fields.List(fields.Nested(KnowledgeSchema), required=True)
    no_trace_from = fields.List(fields.String(), required=True)


class PanelAgencySchema(Schema):
    agency_id = fields.Integer(required=True)
    name = fields.String(required=True)
    involvement = fields.Boolean(required=True)


class PanelSchema(Schema):
    adjusted = fields.Boolean(required=True)
    reason = fields.String(required=True)
    agencies = fields.List(fields.Nested(PanelAgencySchema), required=True)


class EntrySchema(Schema):
    number = fields.Integer(required=True)
    date = fields.String(required=True, validate=Regexp(r"^\d{4}-\d{2}-\d{2}$"))  # ISO
    time = fields.String(required=True, allow_none=True)
    family_member = fields.String(required=True)
    information = fields.String(required=True)
    agency = fields.String(required=True)
    source = fields.String(required=True, allow_none=True)
    professional = fields.String(required=True, allow_none=True)
    outcome = fields.String(required=True, allow_none=True)
    victim_seen = fields.Boolean(required=True)
    duplicate_of = fields.List(fields.Integer(), required=True)
    # The IMR written in the service: where the entry came from, and the officer's columns.
    key = fields.String(required=True)
    sources = fields.List(fields.String(), required=True)
    comment = fields.String(required=True, allow_none=True)
    management_comment = fields.String(required=True, allow_none=True)
    panel_notes = fields.String(required=True, allow_none=True)


class ConsentSchema(Schema):
    name = fields.String(required=True)
    relationship = fields.String(required=True)
    status = fields.String(required=True, validate=OneOf([s.value for s in ConsentStatus]))
    asked_on = fields.String(required=True)
    answered_on = fields.String(required=True)
    partial = fields.Boolean(required=True)
    agreed = fields.List(fields.String(), required=True)


class FlaggedCriterionSchema(Schema):
    number = fields.Integer(required=True)
    text = fields.String(required=True)
    answer = fields.String(required=True, validate=OneOf(["No", "Partially"]))
    comment = fields.String(required=True)


class ImrSchema(Schema):
    agency_id = fields.Integer(required=True)
    agency = fields.String(required=True)
    status = fields.String(required=True, validate=OneOf(IMR_STATUSES))
    status_text = fields.String(required=True)
    due_on = fields.String(required=True)
    version = fields.Integer(required=True, allow_none=True)
    submitted_on = fields.String(required=True)
    flagged = fields.List(fields.Nested(FlaggedCriterionSchema), required=True)


class ActionSchema(Schema):
    number = fields.Integer(required=True)
    recommendation = fields.String(required=True)
    key_actions = fields.String(required=True)
    scope = fields.String(required=True)
    owner = fields.String(required=True)
    lead_officer = fields.String(required=True)
    target_date = fields.Date(required=True, allow_none=True)
    status = fields.String(required=True)
    progress = fields.String(required=True)
    evidence = fields.String(required=True)
    source = fields.String(required=True)


class SummarySchema(Schema):
    reference = fields.String(required=True)
    generated_at = fields.AwareDateTime(required=True)
    people_header = fields.List(fields.Nested(PersonHeaderSchema), required=True, data_key="people")
    trawls = fields.List(fields.Nested(TrawlHeaderSchema), required=True)
    agencies = fields.List(fields.Nested(AgencySchema), required=True)
    outstanding = fields.List(fields.String(), required=True)
    people = fields.List(fields.Nested(PersonSchema), required=True, data_key="knowledge")
    panel = fields.Nested(PanelSchema, required=True)
    chronology = fields.List(fields.Nested(EntrySchema), required=True)
    consent = fields.List(fields.Nested(ConsentSchema), required=True)
    imrs = fields.List(fields.Nested(ImrSchema), required=True)
    actions = fields.List(fields.Nested(ActionSchema), required=True)


def dump(summary: Summary) -> dict:
    """The summary as JSON-ready data."""
    found = SummarySchema().dump(summary)
    found["outstanding"] = [a.name for a in summary.outstanding]
    return found
