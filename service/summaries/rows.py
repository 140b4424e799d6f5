"""The collated summary as a plain tree of dataclasses (built by ``build``): what the console
page, the PDF, the exports and the emails all show, each value ready to read."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from service import clock
from service.models import ConsentStatus
from service.summaries import chronology


class AgencyStatus(enum.StrEnum):
    INVOLVEMENT = "returned_involvement"
    NO_TRACE = "no_trace"
    OUTSTANDING = "outstanding"
    OVERDUE = "overdue"
    EXTENSION = "extension"
    #: Not returned, and the request's email bounced wherever it went: the agency never got it
    #: (``service.requests.bounces``), so it is not overdue either.
    BOUNCED = "bounced"


STATUS_TEXT = {
    AgencyStatus.INVOLVEMENT: "Returned: involvement",
    AgencyStatus.NO_TRACE: "Returned: no trace",
    AgencyStatus.OUTSTANDING: "Outstanding",
    AgencyStatus.OVERDUE: "Overdue",
    AgencyStatus.EXTENSION: "Extension",
    AgencyStatus.BOUNCED: "Email bounced",
}
STATUS_TAG = {
    AgencyStatus.INVOLVEMENT: "govuk-tag--green",
    AgencyStatus.NO_TRACE: "govuk-tag--grey",
    AgencyStatus.OUTSTANDING: "govuk-tag--blue",
    AgencyStatus.OVERDUE: "govuk-tag--red",
    AgencyStatus.EXTENSION: "govuk-tag--purple",
    AgencyStatus.BOUNCED: "govuk-tag--red",
}


@dataclass
class PersonHeader:
    name: str
    role: str  # "Victim", "Suspect or perpetrator (Partner)", "Son"
    date_of_birth: str  # "14 March 1985", or empty


@dataclass
class TrawlHeader:
    number: int  # 1, 2, ... in the order sent
    sent_on: str
    due_on: str  # the date agencies were first asked to answer by
    scope_from: str
    scope_to: str
    agencies: int


@dataclass
class RecordsSecured:
    person: str
    answer: str  # "Yes" / "No"


@dataclass
class AgencyLine:
    """One agency's part in one trawl."""

    request_id: int
    agency_id: int
    name: str
    trawl_number: int
    sent_on: str
    due_on: str  # the current due date (moved by an approved extension)
    status: AgencyStatus
    link_withheld: bool  # no secure address when sent: it got a notice without the link
    returned_on: str  # the first return's date, or empty
    days_taken: int | None
    version: int | None  # the latest return's version
    extension_to: str  # an approved extension's new date, or empty
    extension_requested_to: str  # a request for more time waiting for the officer, or empty
    systems_checked: str
    records_secured: list[RecordsSecured] = field(default_factory=list)
    completed_by: str = ""
    #: The request invited the agency to the scoping meeting (and asked who will represent it).
    invited: bool = False
    #: Who will represent the agency at the scoping meeting, as the return names them ("name,
    #: role"); empty when the request did not invite it or it has not returned.
    representative: str = ""
    #: When the request's email was reported bounced, while the agency has not returned.
    bounced_on: str = ""
    # The same days as values, for the spreadsheets: the texts above are for reading.
    sent_at: dt.datetime | None = None
    due_date: dt.date | None = None
    returned_at: dt.datetime | None = None
    extension_date: dt.date | None = None
    extension_requested_date: dt.date | None = None
    bounced_at: dt.datetime | None = None

    @property
    def status_text(self) -> str:
        text = STATUS_TEXT[self.status]
        if self.status is AgencyStatus.EXTENSION:
            return f"Extension to {self.extension_to}"
        if self.status is AgencyStatus.BOUNCED:
            return f"{text} on {self.bounced_on}"
        return text

    @property
    def representative_text(self) -> str:
        """The representative column's cell: empty when the request did not invite the agency."""
        if not self.invited:
            return ""
        if self.representative:
            return self.representative
        return "Not returned yet" if not self.returned else "Not named"

    @property
    def tag_class(self) -> str:
        return STATUS_TAG[self.status]

    @property
    def returned(self) -> bool:
        return self.status in (AgencyStatus.INVOLVEMENT, AgencyStatus.NO_TRACE)

    @property
    def amended(self) -> bool:
        return (self.version or 0) > 1

    @property
    def days_text(self) -> str:
        if self.days_taken is None:
            return "Not returned"
        return f"{self.days_taken} day" if self.days_taken == 1 else f"{self.days_taken} days"

    @property
    def notes(self) -> list[str]:
        found = []
        if self.amended:
            found.append(f"Amended: version {self.version}")
        if self.link_withheld:
            found.append("Link withheld: no secure email address")
        if self.extension_to and self.status is not AgencyStatus.EXTENSION:
            found.append(f"Extension approved to {self.extension_to}")
        if self.extension_requested_to:
            found.append(f"Extension requested to {self.extension_requested_to}")
        if self.status is AgencyStatus.BOUNCED:
            found.append("Not reaching the agency: correct its address and send it again")
        return found


@dataclass
class Knowledge:
    """What one agency knew of one person."""

    agency_id: int
    agency: str
    nature: str
    first_contact: str
    last_contact: str
    services: str
    dash_risk: str
    marac: str
    risk_other: str
    records_secured: str


@dataclass
class PersonSummary:
    key: str
    name: str
    role: str
    known_to: list[Knowledge] = field(default_factory=list)
    no_trace_from: list[str] = field(default_factory=list)  # agency names

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


@dataclass
class PanelAgency:
    agency_id: int
    name: str
    involvement: bool


@dataclass
class PanelRecommendation:
    adjusted: bool  # the officer chose these; otherwise: the agencies with involvement
    agencies: list[PanelAgency]
    involved_ids: list[int]

    @property
    def reason(self) -> str:
        if self.adjusted:
            return "Adjusted by the DHR officer"
        return "Recommended because of involvement"

    @property
    def agency_ids(self) -> list[int]:
        return [a.agency_id for a in self.agencies]


CONSENT_TEXT = {
    ConsentStatus.AWAITING: "Awaiting an answer",
    ConsentStatus.GIVEN: "Given",
    ConsentStatus.DECLINED: "Declined",
    ConsentStatus.WITHDRAWN: "Withdrawn",
}
CONSENT_TAG = {
    ConsentStatus.AWAITING: "govuk-tag--blue",
    ConsentStatus.GIVEN: "govuk-tag--green",
    ConsentStatus.DECLINED: "govuk-tag--red",
    ConsentStatus.WITHDRAWN: "govuk-tag--orange",
}


@dataclass
class ConsentLine:
    name: str
    relationship: str
    status: ConsentStatus
    asked_on: str
    answered_on: str  # the latest answer's date, or empty
    #: Consent "given" to some questions and not others (the status alone would read as full).
    partial: bool = False
    #: One line per question asked, saying what was and was not agreed.
    agreed: list[str] = field(default_factory=list)

    @property
    def status_text(self) -> str:
        return "Partial consent" if self.partial else CONSENT_TEXT[self.status]

    @property
    def tag_class(self) -> str:
        return "govuk-tag--yellow" if self.partial else CONSENT_TAG[self.status]


@dataclass
class FlaggedCriterion:
    """A QA criterion answered No or Partially."""

    number: int
    text: str
    answer: str  # "No" / "Partially"
    comment: str


@dataclass
class ImrLine:
    agency_id: int
    agency: str
    status: str  # "requested", "overdue", "submitted", "final"
    status_text: str  # "Requested: due 21 December 2026", "Submitted: version 2", "Final: ..."
    due_on: str
    version: int | None
    submitted_on: str
    flagged: list[FlaggedCriterion] = field(default_factory=list)

    @property
    def tag_class(self) -> str:
        return {
            "requested": "govuk-tag--blue",
            "overdue": "govuk-tag--red",
            "submitted": "govuk-tag--turquoise",
            "final": "govuk-tag--green",
        }[self.status]


@dataclass
class Summary:
    case_id: int
    reference: str
    generated_at: dt.datetime
    people_header: list[PersonHeader]
    trawls: list[TrawlHeader]
    agencies: list[AgencyLine]
    people: list[PersonSummary]
    panel: PanelRecommendation
    chronology: list[chronology.Entry]
    consent: list[ConsentLine]
    imrs: list[ImrLine]
    #: The case's action plan (``service.actions.plan.Line``).
    actions: list = field(default_factory=list)

    @property
    def generated_text(self) -> str:
        return clock.long_moment(self.generated_at)

    @property
    def outstanding(self) -> list[AgencyLine]:
        """The agencies that have not returned yet (outstanding, overdue or on an extension)."""
        return [a for a in self.agencies if not a.returned]

    @property
    def returned(self) -> list[AgencyLine]:
        return [a for a in self.agencies if a.returned]

    @property
    def overdue(self) -> list[AgencyLine]:
        return [a for a in self.agencies if a.status is AgencyStatus.OVERDUE]

    @property
    def invites(self) -> bool:
        """A request of the case invited its agency to the scoping meeting."""
        return any(a.invited for a in self.agencies)

    @property
    def complete(self) -> bool:
        """Every agency asked has returned (and at least one was asked)."""
        return bool(self.agencies) and not self.outstanding

    @property
    def duplicates(self) -> int:
        return sum(1 for e in self.chronology if e.probable_duplicate)

    def counts(self) -> dict[str, int]:
        found = {status.value: 0 for status in AgencyStatus}
        for line in self.agencies:
            found[line.status.value] += 1
        return found
