"""The IMR form's task list on its start page, and the links in check your answers' error
summary to the sections still to complete (the report, written here or uploaded, then the QA
checklist's parts), in the page's language. A task's status stays its English key ("Completed"):
the page writes it in its language."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext

from forms import imr as catalogue
from service.models import ImrRequest
from service.views import imr_report


def _task_status(problem: bool, answered: bool) -> str:
    if not answered:
        return "Not yet started"
    return "In progress" if problem else "Completed"


def _criteria_title(numbers: tuple[int, ...]) -> str:
    return gettext("Criteria %(first)s to %(last)s", first=numbers[0], last=numbers[-1])


def _complete(part: str) -> str:
    return gettext("Complete ‘%(part)s’", part=part)


def tasks(
    req: ImrRequest, problems: dict[str, Any], checklist: dict[str, Any]
) -> list[dict[str, Any]]:
    """The start page's task list: the report, then each part of the checklist."""
    given = checklist.get("criteria") or {}
    criteria_problems = problems.get("criteria")
    rows = [
        {
            "title": imr_report.task_title(req, problems),
            "href": imr_report.task_href(req),
            "status": imr_report.task_status(req, problems),
        },
        {
            "title": gettext("Agency and the person completing the form"),
            "href": url_for("imr_return.details"),
            "status": _task_status(
                "agency" in problems or "completed_by" in problems,
                bool(checklist.get("agency") or checklist.get("completed_by")),
            ),
        },
        {
            "title": gettext("Anonymised details"),
            "href": url_for("imr_return.anonymised"),
            "status": _task_status("anonymised" in problems, bool(checklist.get("anonymised"))),
        },
    ]
    for page, numbers in enumerate(catalogue.CRITERIA_PAGES, start=1):
        if isinstance(criteria_problems, dict):
            problem = any(str(n) in criteria_problems for n in numbers)
        else:
            problem = bool(criteria_problems)
        rows.append({
            "title": _criteria_title(numbers),
            "href": url_for("imr_return.criteria", part=page),
            "status": _task_status(problem, any(str(n) in given for n in numbers)),
        })  # fmt: skip
    rows.append({
        "title": gettext("Signature"),
        "href": url_for("imr_return.signature"),
        "status": _task_status(
            any(k in problems for k in ("signed_name", "signed_on", "role")),
            bool(checklist.get("signed_name") or checklist.get("signed_on")),
        ),
    })  # fmt: skip
    return rows


def problem_links(problems: dict[str, Any]) -> list[dict[str, str]]:
    """Check your answers' error summary's links to the pages still to complete."""
    found = []
    back = {"return": "check"}
    if "document" in problems:
        found.append({"text": gettext("Upload your IMR report"),
                      "href": url_for("imr_return.document", **back)})  # fmt: skip
    if "report" in problems:
        found.append({"text": gettext("Complete every section of your IMR report"),
                      "href": url_for("imr_report.start")})  # fmt: skip
    if "agency" in problems or "completed_by" in problems:
        found.append({"text": _complete(gettext("Agency and the person completing the form")),
                      "href": url_for("imr_return.details", **back)})  # fmt: skip
    if "anonymised" in problems:
        found.append({"text": _complete(gettext("Anonymised details")),
                      "href": url_for("imr_return.anonymised", **back)})  # fmt: skip
    criteria_problems = problems.get("criteria")
    for page, numbers in enumerate(catalogue.CRITERIA_PAGES, start=1):
        if isinstance(criteria_problems, dict):
            missing = any(str(n) in criteria_problems for n in numbers)
        else:
            missing = bool(criteria_problems)
        if missing:
            found.append({"text": _complete(_criteria_title(numbers)),
                          "href": url_for("imr_return.criteria", part=page, **back)})  # fmt: skip
    if any(k in problems for k in ("signed_name", "signed_on", "role")):
        found.append({"text": _complete(gettext("Signature")),
                      "href": url_for("imr_return.signature", **back)})  # fmt: skip
    return found
