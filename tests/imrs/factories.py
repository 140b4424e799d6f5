"""IMR requests and submissions for the tests, built through the service's own functions.

The factories' request goes to the police on Monday 7 December 2026 and is due on Monday 21
December; as for the trawl, the first chaser goes on Tuesday 22nd at 09:00 and the second on
Monday 4 January 2027 (over Christmas, the bank holidays and the closure days).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import clock
from service.imrs import requesting, submission
from service.models import Agency, Case, ImrRequest, ImrSubmission, Partnership
from tests.trawls.factories import make_case
from tests.uploads.files import pdf

SENT_AT = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
DUE = dt.date(2026, 12, 21)
#: While the agency answers: a week after sending.
ANSWERING_AT = dt.datetime(2026, 12, 14, 11, 0, tzinfo=dt.UTC)
FIRST_CHASER = dt.datetime(2026, 12, 22, 9, 0, tzinfo=dt.UTC)
SECOND_CHASER = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)

CHAIR_INBOX = "independent.chair@exampleshire.cjsm.net"
OFFICER_INBOX = "dhr.officer@exampleshire.gov.uk"
TERMS = pdf("Terms of reference for the review")
REPORT = pdf("IMR report: what happened, why, what has been learnt")

#: A complete QA checklist: two criteria answered No and Partially, with their comments.
CHECKLIST: dict[str, Any] = {
    "agency": "Exampleshire Police",
    "completed_by": {
        "name": "Quinn Assurance",
        "email": "quinn.assurance@example.police.uk",
        "phone": "01632 960 321",
    },
    "anonymised": {
        "victim_initials": "A.E.",
        "victim": "AE, 41, White British",
        "perpetrator_initials": "B.S.",
        "perpetrator": "BS, 44, White British, partner of AE",
        "others": "CE, 14, daughter of AE",
    },
    "criteria": {str(n): {"answer": "yes", "comment": None} for n in range(1, 16)}
    | {
        "3": {"answer": "no", "comment": "Legal advice was not sought."},
        "13": {"answer": "partially", "comment": "Research cited is from 2009."},
    },
    "signed_name": "Quinn Assurance",
    "signed_on": "2026-12-14",
    "role": "Detective Superintendent, Public Protection",
}


def checklist(**changes: Any) -> dict[str, Any]:
    found = copy.deepcopy(CHECKLIST)
    found.update(changes)
    return found


def agency(session: Session, partnership: Partnership, key: str = "police") -> Agency:
    return session.scalar(
        select(Agency).where(Agency.partnership_id == partnership.id, Agency.key == key)
    )


def requested_imr(
    session: Session,
    partnership: Partnership,
    *,
    case: Case | None = None,
    agency_key: str = "police",
    at: dt.datetime = SENT_AT,
    due: dt.date = DUE,
    terms: bytes = TERMS,
) -> ImrRequest:
    """An IMR request sent at ``at`` (flushed, not committed)."""
    case = case or make_case(session, partnership)
    with clock.frozen_at(at):
        request = requesting.send(
            session, case, agency(session, partnership, agency_key), due_date=due,
            filename="Terms of reference.pdf", data=terms, note=None, created_by=None,
            actor="test",
        )  # fmt: skip
    session.flush()
    return request


def ready_draft(
    session: Session, request: ImrRequest, *, report: bytes = REPORT, **changes: Any
) -> None:
    """The document uploaded and the checklist complete: ready to submit (flushed)."""
    submission.upload_document(session, request, filename="Police IMR.pdf", data=report)
    submission.save_checklist(session, request, checklist(**changes))
    session.flush()


def submitted_imr(
    session: Session, request: ImrRequest, *, at: dt.datetime = ANSWERING_AT,
    is_final: bool = False, report: bytes = REPORT,
) -> ImrSubmission:  # fmt: skip
    """The next version submitted at ``at`` (committed)."""
    with clock.frozen_at(at):
        if request.latest is not None:
            submission.start_revision(session, request)
        ready_draft(session, request, report=report)
        row = submission.submit(session, request, is_final=is_final)
    session.commit()
    return row
