"""A case part-way through its trawl, for the summary tests: built through the service's own
functions (sending, returns, extensions, consent, IMRs), flushed and committed.

The trawl goes on Monday 7 December 2026 (due Monday 21 December) to six agencies:

    Exampleshire Police              involvement, then an amended return (version 2)
    Exampleshire Hospitals NHS Trust involvement; its first chronology entry is the police's
                                     first entry seen from the hospital: a probable duplicate
    Riverside Medical Practice       no trace of anyone
    Exampleshire District Council    nothing yet; an extension approved to 11 January 2027
      Housing
    Exampleshire County Council      nothing yet
      Adult Social Care
    Exampleshire Recovery            nothing yet; no secure address, so its link was withheld
      Partnership (...)

One family member has given consent, one has not answered; the police's IMR is submitted with
its QA checklist (criterion 3 answered No, criterion 13 Partially).

``story(..., invited=True)``: the request also invites the agencies to the scoping meeting, and
each return names its representative (``REPRESENTATIVES``). ``bounce_request`` makes an
agency's request email bounce, as a bounce report read from the mailbox does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import trawl_return
from service import clock
from service.consent import responses as consent_responses
from service.models import (
    Agency,
    Case,
    ConsentRequest,
    ImrRequest,
    Message,
    Partnership,
    RequestDelivery,
    Trawl,
    TrawlRequest,
)
from service.trawls import extensions, messages, returns, sending
from tests.consent.factories import ask
from tests.imrs.factories import requested_imr, submitted_imr
from tests.requests.bouncing import bounce, mark_all_sent
from tests.trawls.factories import SENT_AT, make_case

DUE = dt.date(2026, 12, 21)
#: The returns come in on these days.
POLICE_AT = dt.datetime(2026, 12, 9, 11, 0, tzinfo=dt.UTC)  # 2 days after sending
HOSPITAL_AT = dt.datetime(2026, 12, 10, 15, 0, tzinfo=dt.UTC)  # 3 days
GP_AT = dt.datetime(2026, 12, 11, 9, 30, tzinfo=dt.UTC)  # 4 days
AMENDED_AT = dt.datetime(2026, 12, 14, 10, 0, tzinfo=dt.UTC)
#: While the trawl is still running: after the returns, before the due date.
DURING = dt.datetime(2026, 12, 15, 12, 0, tzinfo=dt.UTC)
#: After the due date, before housing's extended date.
AFTER_DUE = dt.datetime(2026, 12, 23, 12, 0, tzinfo=dt.UTC)
EXTENDED_TO = dt.date(2027, 1, 11)

AGENCY_KEYS = {
    "police": "police",
    "hospital": "acute-trust",
    "gp": "gp",
    "housing": "housing",
    "social_care": "adult-social-care",
    "recovery": "drug-alcohol-service",
}

FIRST_NATURE = "Initial version: attended a report of shouting at Harbour Row."
AMENDED_NATURE = "Attended three reports of shouting at Harbour Row; one arrest for assault."
HOSPITAL_NATURE = "Emergency department attendance with a facial injury."
POLICE_SYSTEMS = "Niche RMS, the command and control log and PND."
HOSPITAL_SYSTEMS = "Lorenzo, the emergency department system and safeguarding referrals."

#: The scoping meeting the invited story's request asks the agencies to.
MEETING_DATE = dt.date(2027, 1, 14)
#: Who each agency of the invited story names to represent it there, as typed.
REPRESENTATIVES = {
    "police": {"name": "Robin Liaison", "role": "Detective Inspector, public protection"},
    "hospital": {"name": "Dr Asha Mistry", "role": "Named nurse – adult safeguarding"},
    "gp": {"name": "Lee O'Neill", "role": "Practice manager"},
}
#: When a bounced request's report is read: an hour after the trawl went.
BOUNCED_AT = SENT_AT + dt.timedelta(hours=1)

#: The same night seen by two agencies: a probable duplicate.
POLICE_NIGHT = {
    "date": "2026-03-14",
    "time": "23:10",
    "source": "Command and control log",
    "professional": "PC 1234",
    "event": "Officers attended Harbour Row after neighbours reported shouting; "
    "she had a cut lip and said her partner had pushed her.",
    "outcome": "Partner arrested; DASH completed, high risk; referral to MARAC.",
}
HOSPITAL_NIGHT = {
    "date": "2026-03-14",
    "time": None,
    "source": "Emergency department record",
    "professional": "Staff nurse K",
    "event": "Brought in by police after her partner pushed her at Harbour Row; cut lip treated.",
    "outcome": "Discharged home; safeguarding referral made.",
}


@dataclass
class Story:
    case: Case
    trawl: Trawl
    requests: dict[str, TrawlRequest]  # by the AGENCY_KEYS names
    consent_given: ConsentRequest
    consent_awaiting: ConsentRequest
    imr: ImrRequest

    def agency(self, name: str) -> Agency:
        return self.requests[name].agency


def agency(session: Session, partnership: Partnership, key: str) -> Agency:
    return session.scalar(
        select(Agency).where(Agency.partnership_id == partnership.id, Agency.key == key)
    )


def send_trawl(
    session: Session, partnership: Partnership, case: Case, keys: list[str], *,
    at: dt.datetime = SENT_AT, meeting_date: dt.date | None = None,
) -> Trawl:  # fmt: skip
    """A trawl of ``case`` sent at ``at`` to the agencies with ``keys``, asking about everyone
    (and inviting them to the scoping meeting on ``meeting_date``, when given)."""
    with clock.frozen_at(at):
        trawl = sending.start(session, case, created_by=None)
        trawl.agency_ids = [agency(session, partnership, k).id for k in keys]
        if meeting_date is not None:
            trawl.meeting_date = meeting_date
            trawl.meeting_time = "10am to 12 noon"
            trawl.meeting_place = "Exampleshire House, committee room 2"
        sending.send(session, trawl, actor="test")
    session.flush()
    return trawl


def person_answer(**overrides: Any) -> dict[str, Any]:
    """A "yes" answer for one person, as the return stores it."""
    answer = {
        "involvement": "yes",
        "nature": AMENDED_NATURE,
        "first_contact": "2025-06-01",
        "last_contact": "2026-08-20",
        "services": "Safety planning; referral to the domestic abuse service.",
        "dash_risk": "high",
        "marac": "yes",
        "risk_other": "Threats to kill; recent separation.",
        "records_secured": "yes",
    }
    answer.update(overrides)
    return answer


def answers(
    trawl: Trawl,
    people: dict[int, dict[str, Any]] | None = None,
    *,
    systems: str = POLICE_SYSTEMS,
    chronology: list[dict[str, Any]] = (),
    name: str = "Morgan Records",
    representative: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A whole return: ``people`` by position in the trawl (everyone else no trace)."""
    people = people or {}
    found = {
        str(tp.id): people.get(i, {"involvement": "no_trace"}) for i, tp in enumerate(trawl.people)
    }
    extra = {"representative": dict(representative)} if representative else {}
    return {
        **extra,
        "people": found,
        "systems_checked": systems,
        "chronology": [dict(row) for row in chronology],
        "completed_by": {"name": name, "role": "Safeguarding lead", "email":
                         "records@example.police.uk", "phone": "01632 960 123"},
        "declaration": True,
        "dates_confirmed": True,
    }  # fmt: skip


def entry(trawl: Trawl, person: int = 0, **fields: Any) -> dict[str, Any]:
    """A chronology entry about the person at ``person`` in the trawl."""
    row = {"time": None, "source": "Case record", "professional": None, "outcome": None}
    row.update(fields)
    row["contact_with"] = str(trawl.people[person].id)
    return row


def submit(
    session: Session, request: TrawlRequest, found: dict[str, Any], *, at: dt.datetime
) -> None:
    """The agency sends ``found`` as its next version at ``at``."""
    people = request.trawl.people
    before = request.latest_return
    with clock.frozen_at(at):
        returns.submit(
            session, request, found, involvement=trawl_return.involvement(found),
            changes=trawl_return.changes(before.answers, found, people) if before else None,
        )  # fmt: skip
    session.flush()


def story(
    session: Session, partnership: Partnership, *, reference: str | None = None,
    invited: bool = False,
) -> Story:  # fmt: skip
    """The case described at the top of this module (committed); ``invited``: the request
    invites the agencies to the scoping meeting and the returns name their representatives."""
    case = make_case(session, partnership, reference=reference)
    trawl = send_trawl(session, partnership, case, list(AGENCY_KEYS.values()),
                       meeting_date=MEETING_DATE if invited else None)  # fmt: skip
    by_agency = {r.agency_id: r for r in trawl.requests}
    requests = {
        name: by_agency[agency(session, partnership, key).id] for name, key in AGENCY_KEYS.items()
    }

    def named(name: str) -> dict[str, Any]:
        """The representative ``name``'s returns name, when the request invited them."""
        return {"representative": REPRESENTATIVES[name]} if invited else {}

    police_first = answers(
        trawl, {0: person_answer(nature=FIRST_NATURE)},
        chronology=[entry(trawl, 0, **POLICE_NIGHT)], **named("police"),
    )  # fmt: skip
    submit(session, requests["police"], police_first, at=POLICE_AT)
    submit(
        session, requests["hospital"],
        answers(trawl, {0: person_answer(nature=HOSPITAL_NATURE, dash_risk="not_known",
                                         marac="not_known", risk_other=None)},
                systems=HOSPITAL_SYSTEMS,
                chronology=[entry(trawl, 0, **HOSPITAL_NIGHT),
                            entry(trawl, 1, date="2026-03-15", time="08:00",
                                  event="Partner attended asking for her whereabouts.")],
                name="Harper Nurse", **named("hospital")),
        at=HOSPITAL_AT,
    )  # fmt: skip
    submit(session, requests["gp"], answers(trawl, systems="EMIS Web", **named("gp")), at=GP_AT)
    police_amended = answers(
        trawl, {0: person_answer(), 1: person_answer(nature="Arrested for assault on AE.",
                                                     risk_other="Previous partner abused too.")},
        chronology=[entry(trawl, 0, **POLICE_NIGHT),
                    entry(trawl, 1, date="2026-03-15", time="09:30",
                          event="Interviewed under caution and bailed with conditions.",
                          outcome="Bail conditions: not to contact AE.")],
        **named("police"),
    )  # fmt: skip
    submit(session, requests["police"], police_amended, at=AMENDED_AT)

    with clock.frozen_at(POLICE_AT):
        ext = extensions.request(
            session, requests["housing"], new_date=EXTENDED_TO, reason="Archived files."
        )
        extensions.decide(session, ext, approve=True, actor="test", user_id=None)

    given = ask(session, partnership, case=case, name="Sam Relative")
    with clock.frozen_at(GP_AT):
        consent_responses.record(
            session, given, victim_information=True, suspect_information=True,
            signed_name="Sam Relative", signed_on=GP_AT.date(),
        )  # fmt: skip
    awaiting = ask(session, partnership, case=case, name="Jo Relative", email="jo@example.com")
    session.commit()

    imr = requested_imr(session, partnership, case=case)
    session.commit()
    submitted_imr(session, imr)
    session.refresh(case)
    return Story(case, trawl, requests, given, awaiting, imr)


def bounce_request(
    session: Session, request: TrawlRequest, *, at: dt.datetime = BOUNCED_AT
) -> None:
    """Every queued message is sent; then the reports that ``request``'s email bounced at each of
    its agency's addresses are read at ``at`` (the session is rolled back: read rows again)."""
    request_id = request.id
    mark_all_sent(session, SENT_AT + dt.timedelta(minutes=1))
    emails = session.scalars(
        select(Message)
        .join(RequestDelivery, RequestDelivery.message_id == Message.id)
        .where(
            RequestDelivery.kind == sending.TRAWL.name,
            RequestDelivery.request_id == request_id,
            Message.purpose == messages.REQUEST.name,
        )
    ).all()
    assert emails
    for email in emails:
        bounce(email, at)
