"""The IMR written in the service, while the agency writes it: its way (written here or
uploaded), each section saved into the request's draft (``draft["report"]``), its chronology
rows (added one by one or from a CSV file) and actions, and what still stops it being sent.

The report names people as the partnership's setting asks (``names``): initials or real names.
The case's terms of reference are the officer's numbered ``CaseTerm`` rows.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import chronology_csv
from forms import imr_report as catalogue
from service import audit, clock
from service.models import CasePerson, CaseTerm, ImrNames, ImrRequest, Partnership
from service.trawls.sending import role_text

WRITTEN = "written"
#: The report's sections that hold rows, and how many each may have.
ROWS = {"chronology": catalogue.MAX_CHRONOLOGY, "actions": catalogue.MAX_ACTIONS}


def names_of(partnership: Partnership) -> str:
    """How this partnership's IMRs name people: ``initials`` or ``real_names``."""
    return (partnership.imr_names or ImrNames.INITIALS).value


def terms_of(session: Session, case_id: int) -> list[str]:
    """The case's terms of reference, in their numbers' order."""
    return list(
        session.scalars(
            select(CaseTerm.text).where(CaseTerm.case_id == case_id).order_by(CaseTerm.number)
        )
    )


def people_of(session: Session, case_id: int, names: str) -> list[catalogue.Person]:
    """The case's people, as the report names them (by initials where initials are asked)."""
    rows = session.scalars(
        select(CasePerson)
        .where(CasePerson.case_id == case_id)
        .order_by(CasePerson.position, CasePerson.id)
    )
    return [
        catalogue.Person(
            p.id,
            catalogue.initials_of(p.name) if names == catalogue.INITIALS else p.name,
            role_text(p),
        )
        for p in rows
    ]


# --- the draft -------------------------------------------------------------------------------


def _draft(request: ImrRequest) -> dict[str, Any]:
    return copy.deepcopy(request.draft or {})


def written(request: ImrRequest) -> bool:
    """The agency is writing its IMR here (rather than uploading a document)."""
    return (request.draft or {}).get("report_kind") == WRITTEN


def report_of(request: ImrRequest) -> dict[str, Any]:
    """A copy of the report written so far."""
    return copy.deepcopy((request.draft or {}).get("report") or {})


def _save(request: ImrRequest, draft: dict[str, Any]) -> None:
    request.draft = draft
    request.last_activity_at = clock.now()


def choose_way(session: Session, request: ImrRequest, way: str) -> None:
    """Write the IMR here (``write``) or upload it (``upload``); what was written is kept either
    way, so the agency can change its mind."""
    draft = _draft(request)
    if way == "write":
        draft["report_kind"] = WRITTEN
    else:
        draft.pop("report_kind", None)
    _save(request, draft)


def save_section(session: Session, request: ImrRequest, key: str, answers: dict[str, Any]) -> None:
    """One page section's answers into the report."""
    if key not in catalogue.QUESTION_SECTIONS:
        raise ValueError(f"no page section called {key!r}")
    draft = _draft(request)
    draft["report_kind"] = WRITTEN
    report = dict(draft.get("report") or {})
    report[key] = answers
    draft["report"] = report
    _save(request, draft)


def rows_of(request: ImrRequest, key: str) -> list[dict[str, Any]]:
    return list(report_of(request).get(key) or [])


def save_rows(session: Session, request: ImrRequest, key: str, rows: list[dict[str, Any]]) -> None:
    """The chronology's or the action plan's rows, all of them."""
    if key not in ROWS or len(rows) > ROWS[key]:
        raise ValueError(f"too many rows, or no row section called {key!r}")
    draft = _draft(request)
    draft["report_kind"] = WRITTEN
    report = dict(draft.get("report") or {})
    report[key] = rows
    draft["report"] = report
    _save(request, draft)


def put_row(session: Session, request: ImrRequest, key: str, index: int, row: dict) -> None:
    """Add a row (``index`` = the number so far) or change one."""
    rows = rows_of(request, key)
    if index < len(rows):
        rows[index] = row
    else:
        rows.append(row)
    save_rows(session, request, key, rows)


def remove_row(session: Session, request: ImrRequest, key: str, index: int) -> None:
    rows = rows_of(request, key)
    if index < len(rows):
        rows.pop(index)
        save_rows(session, request, key, rows)


def import_chronology(
    session: Session, request: ImrRequest, data: bytes, *, names: str,
    people: list[catalogue.Person], replace_rows: bool, client_address: str | None = None,
) -> int:  # fmt: skip
    """Rows from an uploaded CSV file, with the trawl return's template and checks plus
    "Comments"; ``chronology_csv.CsvRefused`` (importing nothing) naming each problem by row and
    column. How many rows were imported."""
    kept = [] if replace_rows else rows_of(request, "chronology")
    rows = chronology_csv.read(
        data, columns=catalogue.CSV_COLUMNS,
        schema=catalogue.chronology_schema(names, [str(p.id) for p in people]), people=people,
        room=catalogue.MAX_CHRONOLOGY - len(kept), most=catalogue.MAX_CHRONOLOGY,
    )  # fmt: skip
    save_rows(session, request, "chronology", kept + rows)
    audit.record(
        session, "imr.chronology_imported", actor=f"agency:{request.agency_id}",
        partnership_id=request.partnership_id, object_type="imr_request", object_id=request.id,
        case_id=request.case_id, client_address=client_address, rows=len(rows),
    )  # fmt: skip
    return len(rows)


def csv_template() -> bytes:
    return chronology_csv.template(catalogue.CSV_COLUMNS)


# --- what stops it being sent ----------------------------------------------------------------


def context(session: Session, request: ImrRequest) -> dict[str, Any]:
    """What the report's questions depend on: the setting, the terms and the people."""
    partnership = session.get(Partnership, request.partnership_id)
    names = names_of(partnership)
    return {
        "names": names,
        "terms": terms_of(session, request.case_id),
        "people": people_of(session, request.case_id, names),
    }


def problems_of(report: dict[str, Any], ctx: dict[str, Any]) -> dict[str, Any]:
    found = catalogue.problems(
        report, names=ctx["names"], terms=ctx["terms"],
        people_ids=[str(p.id) for p in ctx["people"]],
    )  # fmt: skip
    if "actions" not in report:
        found["actions"] = ["Complete the action plan, or say that it has no actions"]
    return found


def problems(session: Session, request: ImrRequest) -> dict[str, Any]:
    """What is missing or wrong in the report written so far, by section."""
    return problems_of(report_of(request), context(session, request))


def section_status(report: dict[str, Any], found: dict[str, Any], key: str) -> str:
    """A section's task-list status: Not yet started, In progress or Completed."""
    if not report.get(key):
        return "Completed" if key == "actions" and "actions" in report else "Not yet started"
    return "In progress" if key in found else "Completed"
