"""The collated summary of a case: everything the agencies returned, in one place (protocol
paragraph 41: returns, "no trace" ones included, collated for the sub-group, which then decides
who joins the panel; paragraph 47: a merged chronology for the chair).

``build`` reads the case's sent trawls, always the latest version of every return, and its
consent and IMR requests, and gives a plain tree of dataclasses (``rows``) that the console
page, the PDF, the exports and the emails all show. It knows nothing of Flask: the caller has
already decided that the case may be read (the console through its Scope, the sweep as the
system).

Days taken are calendar days from sending to the first return, as the trawl tracker and the
response statistics count them (``service.trawls.schedule.days_taken``). A request whose email
bounced wherever it went (``service.requests.bounces``) and that has no return says so, with the
date, as the tracker does: its "no return" means the agency never got it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from forms import imr as imr_form
from forms import trawl_representative
from forms import trawl_return as return_form
from service import clock
from service.consent import documents as consent_documents
from service.consent.responses import victim_label
from service.models import (
    Agency,
    Case,
    CasePerson,
    ConsentRequest,
    ConsentStatus,
    ExtensionStatus,
    ImrRequest,
    PersonRole,
    Trawl,
    TrawlPerson,
    TrawlRequest,
    TrawlStatus,
)
from service.requests import bounces
from service.summaries import chronology, imr_rows
from service.summaries.rows import (
    AgencyLine,
    AgencyStatus,
    ConsentLine,
    FlaggedCriterion,
    ImrLine,
    Knowledge,
    PanelAgency,
    PanelRecommendation,
    PersonHeader,
    PersonSummary,
    RecordsSecured,
    Summary,
    TrawlHeader,
)
from service.trawls import schedule
from service.trawls.sending import TRAWL, role_text

day_text = clock.long_date


# --- building it -------------------------------------------------------------------------------


def agency_status(
    request: TrawlRequest, now: dt.datetime, bounced: bounces.Bounced | None = None
) -> AgencyStatus:
    """Where the request stands; ``bounced``: what bounced of it, if anything did."""
    latest = request.latest_return
    if latest is not None:
        return AgencyStatus.INVOLVEMENT if latest.involvement else AgencyStatus.NO_TRACE
    if bounced is not None and bounced.undelivered:
        return AgencyStatus.BOUNCED
    if schedule.is_overdue(request.due_date, now):
        return AgencyStatus.OVERDUE
    if _approved_extension(request) is not None:
        return AgencyStatus.EXTENSION
    return AgencyStatus.OUTSTANDING


def _approved_extension(request: TrawlRequest):  # noqa: ANN202
    approved = [e for e in request.extensions if e.status is ExtensionStatus.APPROVED]
    return approved[-1] if approved else None


def _choice(questions: list, name: str, value: Any) -> str:
    q = next(q for q in questions if q.name == name)
    if value in (None, ""):
        return ""
    return dict(q.choices).get(value, str(value))


def _sent_trawls(session: Session, case: Case) -> list[Trawl]:
    return list(
        session.scalars(
            select(Trawl)
            .where(Trawl.case_id == case.id, Trawl.status == TrawlStatus.SENT)
            .options(
                selectinload(Trawl.people),
                selectinload(Trawl.requests).selectinload(TrawlRequest.returns),
                selectinload(Trawl.requests).selectinload(TrawlRequest.extensions),
                selectinload(Trawl.requests).selectinload(TrawlRequest.agency),
            )
            .order_by(Trawl.sent_at, Trawl.id)
        )
    )


#: A trawl's people by the id its returns name them with (as a string).
TrawlPeople = dict[str, TrawlPerson]


class _People:
    """The case's people, and each trawl's copy of them, as one person each."""

    def __init__(self, case_people: list[CasePerson], trawls: list[Trawl]) -> None:
        self.summaries: dict[str, PersonSummary] = {}
        self.of_trawl_person: dict[int, PersonSummary] = {}
        self.victims: set[str] = set()
        for p in case_people:
            key = f"person-{p.id}"
            self.summaries[key] = PersonSummary(key, p.name, role_text(p))
            if p.role is PersonRole.DECEASED:
                self.victims.add(key)
        for trawl in trawls:
            for tp in trawl.people:
                key = f"person-{tp.case_person_id}" if tp.case_person_id else f"trawl-{tp.id}"
                if key not in self.summaries:
                    self.summaries[key] = PersonSummary(key, tp.name, tp.relation or "")
                self.of_trawl_person[tp.id] = self.summaries[key]


def build(session: Session, case: Case, *, now: dt.datetime | None = None) -> Summary:
    """The summary of ``case`` as it stands ``now``."""
    now = now or clock.now()
    trawls = _sent_trawls(session, case)
    case_people = list(
        session.scalars(
            select(CasePerson)
            .where(CasePerson.case_id == case.id)
            .order_by(CasePerson.position, CasePerson.id)
        )
    )
    people = _People(case_people, trawls)

    headers = [
        TrawlHeader(
            number=n,
            sent_on=day_text(t.sent_at),
            due_on=day_text(t.due_date),
            scope_from=day_text(t.scope_from),
            scope_to=day_text(t.scope_to),
            agencies=len(t.requests),
        )
        for n, t in enumerate(trawls, start=1)
    ]

    lines: list[AgencyLine] = []
    entries: list[chronology.Entry] = []
    involved: set[int] = set()
    bounced = bounces.states(session, TRAWL, [r for t in trawls for r in t.requests])
    for number, trawl in enumerate(trawls, start=1):
        trawl_people = {str(tp.id): tp for tp in trawl.people}
        for req in sorted(trawl.requests, key=lambda r: (r.agency.name.casefold(), r.id)):
            lines.append(_agency_line(req, number, trawl_people, now, bounced.get(req.id)))
            latest = req.latest_return
            if latest is None:
                continue
            if latest.involvement:
                involved.add(req.agency_id)
            _collect_people(people, req, latest.answers or {}, trawl_people)
            found = _entries(people, req, latest.answers or {}, trawl_people)
            for e in found:
                e.sources = [f"trawl {number} return, version {latest.version}"]
            entries += found
    entries += imr_rows.entries(session, case, people)  # after the trawls': see fold_repeats
    merged = chronology.merge(entries)
    imr_rows.apply_notes(session, case, merged)

    return Summary(
        case_id=case.id,
        reference=case.reference,
        generated_at=now,
        people_header=[
            PersonHeader(p.name, role_text(p), day_text(p.date_of_birth)) for p in case_people
        ],
        trawls=headers,
        agencies=lines,
        people=list(people.summaries.values()),
        panel=_panel(session, case, lines, involved),
        chronology=merged,
        consent=_consent(session, case),
        imrs=_imrs(session, case, now),
        actions=imr_rows.action_lines(session, case),
    )


def _agency_line(
    req: TrawlRequest,
    number: int,
    trawl_people: dict[str, TrawlPerson],
    now: dt.datetime,
    bounced: bounces.Bounced | None,
) -> AgencyLine:
    latest = req.latest_return
    answers = (latest.answers or {}) if latest else {}
    status = agency_status(req, now, bounced)
    # The summary shows the representative the request asked for: at the scoping meeting.
    invited = req.trawl.invites
    representative = trawl_representative.shown(answers) if invited else None
    extension = _approved_extension(req)
    pending = req.pending_extension
    details = return_form.PERSON_DETAILS
    secured = []
    for key, answer in (answers.get("people") or {}).items():
        tp = trawl_people.get(key)
        if tp is None or (answer or {}).get("involvement") != "yes":
            continue
        secured.append(
            RecordsSecured(
                return_form.person_label(tp),
                _choice(details, "records_secured", answer.get("records_secured"))
                or return_form.NOT_ANSWERED,
            )
        )
    completed = answers.get("completed_by") or {}
    days = None
    if req.returned_at is not None:
        days = schedule.days_taken(clock.as_utc(req.sent_at), clock.as_utc(req.returned_at))
    return AgencyLine(
        request_id=req.id,
        agency_id=req.agency_id,
        name=req.agency.name,
        trawl_number=number,
        sent_on=day_text(req.sent_at),
        due_on=day_text(req.due_date),
        status=status,
        link_withheld=req.link_withheld,
        returned_on=day_text(req.returned_at),
        days_taken=days,
        version=latest.version if latest else None,
        extension_to=day_text(extension.requested_date) if extension else "",
        extension_requested_to=day_text(pending.requested_date) if pending else "",
        systems_checked=(answers.get("systems_checked") or "") if latest else "",
        records_secured=secured,
        completed_by=", ".join(x for x in (completed.get("name"), completed.get("role")) if x),
        invited=invited,
        representative=", ".join(v for v in (representative or {}).values() if v),
        bounced_on=day_text(bounced.on) if status is AgencyStatus.BOUNCED else "",
        sent_at=req.sent_at,
        due_date=req.due_date,
        returned_at=req.returned_at,
        extension_date=extension.requested_date if extension else None,
        extension_requested_date=pending.requested_date if pending else None,
        bounced_at=bounced.on if status is AgencyStatus.BOUNCED else None,
    )


def _collect_people(
    people: _People, req: TrawlRequest, answers: dict[str, Any], trawl_people: TrawlPeople
) -> None:
    for key, answer in (answers.get("people") or {}).items():
        tp = trawl_people.get(key)
        if tp is None:
            continue
        summary = people.of_trawl_person[tp.id]
        answer = answer or {}
        if answer.get("involvement") == "yes":
            details = return_form.PERSON_DETAILS
            summary.known_to.append(
                Knowledge(
                    agency_id=req.agency_id,
                    agency=req.agency.name,
                    nature=answer.get("nature") or "",
                    first_contact=day_text(answer.get("first_contact")),
                    last_contact=day_text(answer.get("last_contact")),
                    services=answer.get("services") or "",
                    dash_risk=_choice(details, "dash_risk", answer.get("dash_risk")),
                    marac=_choice(details, "marac", answer.get("marac")),
                    risk_other=answer.get("risk_other") or "",
                    records_secured=_choice(
                        details, "records_secured", answer.get("records_secured")
                    ),
                )
            )
        elif answer.get("involvement") == "no_trace":
            summary.no_trace_from.append(req.agency.name)


def _entries(
    people: _People, req: TrawlRequest, answers: dict[str, Any], trawl_people: TrawlPeople
) -> list[chronology.Entry]:
    found = []
    for row in answers.get("chronology") or []:
        if not row.get("date"):
            continue
        tp = trawl_people.get(str(row.get("contact_with")))
        person = people.of_trawl_person.get(tp.id) if tp else None
        found.append(
            chronology.Entry(
                date=row["date"],
                time=row.get("time") or None,
                agency_id=req.agency_id,
                agency=req.agency.name,
                person_key=person.key if person else None,
                family_member=return_form.person_label(tp) if tp else "",
                information=row.get("event") or "",
                source=row.get("source") or None,
                professional=row.get("professional") or None,
                outcome=row.get("outcome") or None,
                victim_seen=bool(person and person.key in people.victims),
            )
        )
    return found


def _panel(
    session: Session, case: Case, lines: list[AgencyLine], involved: set[int]
) -> PanelRecommendation:
    names = dict(
        session.execute(
            select(Agency.id, Agency.name).where(Agency.partnership_id == case.partnership_id)
        ).all()
    )
    adjusted = case.panel_agency_ids is not None
    chosen = list(case.panel_agency_ids) if adjusted else sorted(involved)
    agencies = [
        PanelAgency(agency_id, names[agency_id], agency_id in involved)
        for agency_id in chosen
        if agency_id in names
    ]
    agencies.sort(key=lambda a: (a.name.casefold(), a.agency_id))
    return PanelRecommendation(adjusted, agencies, sorted(involved))


def _consent(session: Session, case: Case) -> list[ConsentLine]:
    rows = session.scalars(
        select(ConsentRequest)
        .where(ConsentRequest.case_id == case.id)
        .options(selectinload(ConsentRequest.responses))
        .order_by(ConsentRequest.created_at, ConsentRequest.id)
    )
    found = []
    victim: str | None = None  # the same person for every request of the case: read once
    for r in rows:
        latest = r.responses[-1] if r.responses else None
        partial, agreed = False, []
        if latest is not None and r.status is not ConsentStatus.AWAITING:
            victim = victim or victim_label(session, r)
            partial = consent_documents.agreement(r, latest) is consent_documents.Agreement.PARTIAL
            agreed = consent_documents.agreed_lines(r, latest, victim)
        found.append(
            ConsentLine(
                name=r.name,
                relationship=r.relationship_to_victim,
                status=r.status,
                asked_on=day_text(r.created_at),
                answered_on=day_text(latest.submitted_at) if latest else "",
                partial=partial,
                agreed=agreed,
            )
        )
    return found


def _imrs(session: Session, case: Case, now: dt.datetime) -> list[ImrLine]:
    rows = session.scalars(
        select(ImrRequest)
        .where(ImrRequest.case_id == case.id)
        .options(selectinload(ImrRequest.agency), selectinload(ImrRequest.submissions))
    )
    found = []
    for r in sorted(rows, key=lambda r: (r.agency.name.casefold(), r.id)):
        latest = r.latest
        flagged: list[FlaggedCriterion] = []
        if latest is None:
            overdue = schedule.is_overdue(r.due_date, now)
            status = "overdue" if overdue else "requested"
            text = "Overdue" if overdue else f"Requested: due {day_text(r.due_date)}"
        else:
            status = "final" if latest.is_final else "submitted"
            text = f"{'Final' if latest.is_final else 'Submitted'}: version {latest.version}"
            flagged = [
                FlaggedCriterion(c.number, c.text, c.answer_label, c.comment or "")
                for c in imr_form.criteria(latest.checklist or {})
                if c.flagged
            ]
        found.append(
            ImrLine(
                agency_id=r.agency_id,
                agency=r.agency.name,
                status=status,
                status_text=text,
                due_on=day_text(r.due_date),
                version=latest.version if latest else None,
                submitted_on=day_text(latest.submitted_at) if latest else "",
                flagged=flagged,
            )
        )
    return found
