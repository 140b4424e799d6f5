"""A case the size of a large review, for the summary benchmarks: 60 agencies each returning
involvement with 35 chronology entries about the victim over two years (2,100 entries). Every
tenth entry is a night several agencies saw (a probable duplicate of the others' entries); an
agency's other entries are its own; some run to a paragraph.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Agency, Case, Partnership, Trawl
from tests.summaries.factories import DURING, answers, entry, person_answer, send_trawl, submit
from tests.trawls.factories import make_case

AGENCIES = 60
ENTRIES = 35
SHARED = "Police attended Harbour Row after neighbours reported shouting; cut lip treated."
TOPICS = [
    "Housing officer inspected damp bedroom repairs",
    "General practitioner reviewed blood pressure medication",
    "Probation supervision appointment attended punctually",
    "Ambulance crew assessed ankle sprain outdoors",
    "School nurse discussed attendance concerns",
    "Mental health practitioner completed wellbeing questionnaire",
    "Recovery worker arranged detox assessment",
    "Children's social worker visited family home",
    "Domestic abuse advocate phoned regarding refuge vacancy",
    "Community nurse dressed leg ulcer",
    "Benefits adviser checked universal credit claim",
    "Fire service fitted smoke alarms",
]
OUTCOMES = [
    "Advice given; follow-up appointment booked.",
    "Referred to the safeguarding lead.",
    "Case closed; no further action.",
    "Letter sent to confirm next visit.",
    "Prescription renewed for three months.",
    "Added to waiting list for counselling.",
    "Repairs order raised with contractor.",
    "Safety plan reviewed together.",
    "Discussed at weekly team meeting.",
]
LONG = (
    " She described her partner checking her phone, taking her bank card and stopping her "
    "seeing her sister; she declined a referral to the domestic abuse service at the time but "
    "took the leaflet and the helpline number, and asked that nobody call the house."
)


def _agencies(session: Session, partnership: Partnership, count: int) -> list[str]:
    """The keys of ``count`` agencies of the partnership, adding numbered ones as needed."""
    keys = list(session.scalars(select(Agency.key).where(Agency.partnership_id == partnership.id)))
    for n in range(len(keys), count):
        key = f"bench-agency-{n:02d}"
        session.add(
            Agency(
                partnership_id=partnership.id,
                key=key,
                name=f"Exampleshire Benchmark Service {n:02d} (Community and Wellbeing Team)",
                secure_addresses=[f"{key}@exampleshire.gov.uk"],
            )
        )
        keys.append(key)
    session.flush()
    return keys[:count]


def large_case(
    session: Session, partnership: Partnership, *, agencies: int = AGENCIES, entries: int = ENTRIES
) -> tuple[Case, Trawl]:
    """The case, every agency returned (committed)."""
    case = make_case(session, partnership)
    trawl = send_trawl(session, partnership, case, _agencies(session, partnership, agencies))
    start_day = dt.date(2024, 6, 1)
    for n, request in enumerate(trawl.requests):
        rows = [
            entry(
                trawl,
                0,
                # The agencies share seven days of each week; on one day each records something
                # different, except on the shared nights.
                date=(start_day + dt.timedelta(days=7 * i + (n % 7))).isoformat(),
                time="21:30" if i % 4 == 0 else None,
                event=SHARED
                if i % 10 == 0
                else f"{TOPICS[n // 7]} (no. {n}-{i})." + (LONG if (i + n // 7) % 9 == 3 else ""),
                outcome=OUTCOMES[n // 7] if i % 3 == 0 else None,
            )
            for i in range(entries)
        ]
        submit(session, request, answers(trawl, {0: person_answer()}, chronology=rows), at=DURING)
    session.commit()
    return case, trawl
