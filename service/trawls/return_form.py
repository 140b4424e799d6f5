"""The agency's trawl-return form, page by page: what its pages read from the request and
change in the draft.

    editing, draft_answers     whether the answers can be changed, and a copy of the draft
    shown                      what every page shows of the request: trawl, case, agency, people
    with_person, with_entry,   one page's answers put into the draft: a person (the request's own
    without_entry,             people only), a chronology entry added, changed or removed, or
    with_imported              entries imported from a CSV file
    overview                   the overview: its tasks, whether it is ready, or what was sent
    checking                   check your answers: the problems, and where to complete each part
    sent_version, agency_copy  the version a browser has just sent, and the agency's PDF of it
    changes_in                 what a version changed, read back in the page's language

A page is named as the views name it (``person``, ``systems``, ``chronology``, ...) with its
arguments; the views build the addresses. No Flask requests here: text is translated with
Flask-Babel's gettext, English outside a page.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy.orm import Session

from forms import task_list, trawl_representative
from forms import trawl_return as catalogue
from service.models import (
    Agency,
    Partnership,
    TrawlExtension,
    TrawlPerson,
    TrawlRequest,
    TrawlReturn,
)
from service.trawls import extensions, initial, returns, submission

# --- the request and its draft ---------------------------------------------------------------


def editing(request: TrawlRequest) -> bool:
    """Answers can be changed: before the first return, or during an amendment."""
    return request.draft is not None or not request.returns


def draft_answers(request: TrawlRequest) -> dict[str, Any]:
    """The draft's answers, to change: a copy, since the JSON column only notices a new object."""
    return copy.deepcopy(request.draft or {})


def people(request: TrawlRequest) -> list[TrawlPerson]:
    return list(request.trawl.people)


def person(request: TrawlRequest, person_id: int) -> TrawlPerson | None:
    """One of the request's people; None for any other id."""
    return next((p for p in request.trawl.people if p.id == person_id), None)


def shown(session: Session, request: TrawlRequest) -> dict[str, Any]:
    """What every page of the form shows of the request."""
    return {
        "req": request,
        "trawl": request.trawl,
        "case": initial.case_of(session, request),
        "agency": session.get(Agency, request.agency_id),
        "people": people(request),
    }


# --- one page's answers into the draft -------------------------------------------------------


def with_person(
    request: TrawlRequest, answers: dict[str, Any], person_id: int, found: dict[str, Any]
) -> dict[str, Any]:
    """The answers with what the agency found about one person; only the request's own people
    are kept, so anything else in a draft is dropped."""
    allowed = {str(p.id) for p in people(request)}
    kept = {k: v for k, v in (answers.get("people") or {}).items() if k in allowed}
    return {**answers, "people": {**kept, str(person_id): found}}


def entries(answers: dict[str, Any]) -> list[dict[str, Any]]:
    return list(answers.get("chronology") or [])


def may_have_entry(answers: dict[str, Any], index: int) -> bool:
    """``index`` is an entry to change, or the next one to add while there is room."""
    return index <= len(entries(answers)) and index < catalogue.MAX_CHRONOLOGY


def with_entry(answers: dict[str, Any], index: int, entry: dict[str, Any]) -> dict[str, Any]:
    """The answers with chronology entry ``index`` changed, or added after the others."""
    found = entries(answers)
    if index < len(found):
        found[index] = entry
    else:
        found.append(entry)
    return {**answers, "chronology": found}


def without_entry(answers: dict[str, Any], index: int) -> dict[str, Any] | None:
    """The answers without chronology entry ``index``; None if there is no such entry."""
    found = entries(answers)
    if index >= len(found):
        return None
    found.pop(index)
    return {**answers, "chronology": found}


def with_imported(
    request: TrawlRequest, answers: dict[str, Any], data: bytes, mode: str
) -> tuple[dict[str, Any], int]:
    """The answers with the entries of an uploaded CSV file added to the chronology (``mode``
    "add") or in place of its entries ("replace"), and how many were imported; CsvRefused,
    importing nothing, if the file has any problem."""
    kept = entries(answers) if mode == "add" else []
    room = catalogue.MAX_CHRONOLOGY - len(kept)
    rows = catalogue.read_chronology_csv(data, people(request), room=room)
    return {**answers, "chronology": kept + rows}, len(rows)


def chronology_items(request: TrawlRequest, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The chronology's entries as its page lists them, each saying if its date is outside the
    scoping period."""
    found = people(request)
    trawl = request.trawl
    flagged = {
        f.label for f in catalogue.outside_scope(answers, found, trawl.scope_from, trawl.scope_to)
    }
    return [
        {
            "index": i,
            "heading": catalogue.entry_heading(i),
            "rows": catalogue.chronology_rows(entry, found),
            "outside": catalogue.entry_date_label(i) in flagged,
        }
        for i, entry in enumerate(entries(answers))
    ]


# --- the overview ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One line of the overview's task list, and the page that completes it."""

    title: str
    page: str
    status: str
    args: dict[str, Any] = field(default_factory=dict)
    hint: str | None = None
    optional: bool = False


def tasks(request: TrawlRequest, answers: dict[str, Any], problems: dict[str, Any]) -> list[Task]:
    """The overview's tasks: each person, the records systems, the chronology, your details."""

    def status(key: str) -> str:
        return task_list.status(problems.get(key), bool(answers.get(key)))

    people_answers = answers.get("people") or {}
    people_problems = problems.get("people")
    found = []
    for p in people(request):
        key = str(p.id)
        problem = people_problems.get(key) if isinstance(people_problems, dict) else None
        found.append(Task(p.name, "person", task_list.status(problem, key in people_answers),
                          {"person_id": p.id}, hint=p.relation))  # fmt: skip
    found.append(Task(gettext("Records systems searched"), "systems", status("systems_checked")))
    found.append(_chronology_task(answers, problems))
    found.append(Task(gettext("Your details"), "your_details", status("completed_by")))
    found.append(_representative_task(request, answers, problems))
    return found


def _representative_task(
    request: TrawlRequest, answers: dict[str, Any], problems: dict[str, Any]
) -> Task:
    """Who will represent the agency: needed when the request invites it to the scoping
    meeting, else optional."""
    given = trawl_representative.shown(answers) is not None
    if request.trawl.invites:
        status = task_list.status(problems.get("representative"), given)
        return Task(trawl_representative.TITLE_INVITED, "representative", status)
    status = task_list.COMPLETED if given else task_list.OPTIONAL
    return Task(trawl_representative.TITLE, "representative", status, hint=None if given
                else gettext("Optional"), optional=True)  # fmt: skip


def problems_of(
    request: TrawlRequest, answers: dict[str, Any], partnership: Partnership
) -> dict[str, Any]:
    """What is missing or wrong in the whole return, the representative included."""
    found = catalogue.problems(answers, people(request), secure=returns.secure_check(partnership))
    return {**found, **trawl_representative.problems(answers, invited=request.trawl.invites)}


def _chronology_task(answers: dict[str, Any], problems: dict[str, Any]) -> Task:
    """The chronology may be left out: optional until it has entries."""
    listed = entries(answers)
    if problems.get("chronology"):
        status = task_list.IN_PROGRESS
    else:
        status = task_list.COMPLETED if listed else task_list.OPTIONAL
    # Each number's message whole (Welsh keeps the noun singular after a number).
    if len(listed) == 1:
        count = gettext("%(num)d entry", num=1)
    else:
        count = gettext("%(num)d entries", num=len(listed))
    hint = count if listed else gettext("Optional at this stage")
    return Task(gettext("Chronology of contacts"), "chronology", status, hint=hint, optional=True)


@dataclass(frozen=True)
class Overview:
    """The overview: the tasks while the answers can be changed, else the version sent."""

    editing: bool
    tasks: list[Task]
    ready: bool  # every task done: the agency may check its answers and send them
    done: int  # required tasks completed
    required: int
    parts: list[catalogue.Part]  # the answers sent, when they cannot be changed
    flagged: list[catalogue.Flagged]
    last_decided: TrawlExtension | None


def overview(request: TrawlRequest, partnership: Partnership) -> Overview:
    changing = editing(request)
    answers = draft_answers(request) if changing else dict(request.latest_return.answers or {})
    found = people(request)
    trawl = request.trawl
    if changing:
        problems = problems_of(request, answers, partnership)
        listed = tasks(request, answers, problems)
    else:
        listed = []
    required = [t for t in listed if not t.optional]
    return Overview(
        editing=changing,
        tasks=listed,
        ready=changing and all(t.status in task_list.FINISHED for t in listed),
        done=sum(1 for t in required if t.status == task_list.COMPLETED),
        required=len(required),
        parts=catalogue.answer_parts(answers, found) if not changing else [],
        flagged=catalogue.outside_scope(answers, found, trawl.scope_from, trawl.scope_to),
        last_decided=extensions.last_decided(request),
    )


# --- check your answers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    """A part of the return still to complete, and the page that completes it; ``back``: the
    page returns to check your answers once saved."""

    heading: str
    page: str
    args: dict[str, Any] = field(default_factory=dict)
    back: bool = True


def fixes(parts: list[catalogue.Part], problems: dict[str, Any]) -> list[Fix]:
    """Where check your answers sends the agency to complete each part with a problem."""
    found = []
    people_problems = problems.get("people")
    chronology_problems = problems.get("chronology")
    for part in parts:
        if part.key == "person":
            if isinstance(people_problems, dict):
                missing = str(part.args["person_id"]) in people_problems
            else:
                missing = bool(people_problems)
            if missing:
                found.append(Fix(part.heading, "person", {"person_id": part.args["person_id"]}))
        elif part.key == "systems" and "systems_checked" in problems:
            found.append(Fix(part.heading, "systems"))
        elif part.key == "chronology" and chronology_problems:
            index = part.args.get("index")
            if isinstance(chronology_problems, dict) and index in chronology_problems:
                found.append(Fix(part.heading, "chronology_entry", {"index": index}))
            elif not isinstance(chronology_problems, dict) and index in (None, 0):
                found.append(Fix(part.heading, "chronology", back=False))
        elif part.key == "completed_by" and "completed_by" in problems:
            found.append(Fix(part.heading, "your_details"))
    if "representative" in problems:
        found.append(Fix(trawl_representative.HEADING, "representative"))
    return found


@dataclass(frozen=True)
class Checking:
    """Check your answers: the draft's answers, read back and checked before they are sent."""

    answers: dict[str, Any]
    problems: dict[str, Any]
    flagged: list[catalogue.Flagged]
    parts: list[catalogue.Part]
    fixes: list[Fix]
    # An amendment: what it changes from the version sent last (None for a first return).
    pending_changes: list[dict[str, str]] | None


def checking(request: TrawlRequest, partnership: Partnership) -> Checking:
    answers = draft_answers(request)
    found = people(request)
    trawl = request.trawl
    problems = problems_of(request, answers, partnership)
    parts = catalogue.answer_parts(answers, found)
    latest = request.latest_return
    return Checking(
        answers=answers,
        problems=problems,
        flagged=catalogue.outside_scope(answers, found, trawl.scope_from, trawl.scope_to),
        parts=parts,
        fixes=fixes(parts, problems),
        pending_changes=catalogue.changes(latest.answers or {}, answers, found) if latest else None,
    )


# --- what was sent ---------------------------------------------------------------------------


def sent_version(session: Session, request: TrawlRequest, row_id: Any) -> TrawlReturn | None:
    """The version ``row_id`` names, if it is one of this request's."""
    row = session.get(TrawlReturn, row_id) if isinstance(row_id, int) else None
    return row if row is not None and row.request_id == request.id else None


def changes_in(request: TrawlRequest, row: TrawlReturn) -> list[dict[str, str]]:
    """What version ``row`` changed from the one before, read back in the page's language (the
    row keeps them as they were sent, in the DHR officer's English)."""
    before = next((r for r in request.returns if r.version == row.version - 1), None)
    if before is None:
        return list(row.changes or [])
    return catalogue.changes(before.answers or {}, row.answers or {}, people(request))


def agency_copy(
    session: Session, request: TrawlRequest, row: TrawlReturn, partnership: Partnership
) -> tuple[bytes, str]:
    """The agency's own copy of a version it sent: the PDF and its file name."""
    case = initial.case_of(session, request)
    data = submission.render_return_pdf(
        row, request, case=case, agency=session.get(Agency, request.agency_id),
        partnership=partnership,
    )  # fmt: skip
    return data, submission.pdf_filename(case, row.version)
