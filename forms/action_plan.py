"""The case's action plan: the officer's recommendation form and the lead officer's update,
defined once as questions (the pages are built in ``forms.action_plan_pages``)."""

from __future__ import annotations

from flask_babel import lazy_gettext

from forms.imr_report import ACTION_QUESTIONS
from forms.questions import LONG, Question

# The lead officer's update is in their language (lazy: translated where the page is drawn).
STATUSES = [
    ("not_started", lazy_gettext("Not started")),
    ("in_progress", lazy_gettext("In progress")),
    ("done", lazy_gettext("Done")),
]
SCOPES = [("single", "Single agency"), ("multi", "Multi-agency")]

SCOPE_Q = Question("scope", "Single or multi-agency recommendation", "choice", choices=SCOPES,
                   error_name="whether it is a single or multi-agency recommendation")  # fmt: skip
AGENCY_Q = Question("agency_id", "Owner agency", "choice", required=False,
                    hint="Leave blank for a multi-agency recommendation the partnership owns",
                    error_name="the owner agency")  # fmt: skip
#: The recommendation itself: the IMR action plan's columns.
RECOMMENDATION_QUESTIONS = [SCOPE_Q, AGENCY_Q, *ACTION_QUESTIONS]

STATUS_Q = Question("status", lazy_gettext("Status"), "choice", choices=STATUSES,
                    error_name=lazy_gettext("the status"))  # fmt: skip
PROGRESS_Q = Question(
    "progress", lazy_gettext("Progress so far"), "textarea", max_length=LONG, required=False,
    hint=lazy_gettext("Optional. What has been done, and what is left"),
    error_name=lazy_gettext("the progress"),
)  # fmt: skip
EVIDENCE_Q = Question(
    "evidence", lazy_gettext("Evidence that it is done"), "textarea", max_length=LONG,
    required=False,
    hint=lazy_gettext(
        "Needed when the action is done: for example the new policy, training records or minutes"
    ),
    error_name=lazy_gettext("the evidence"),
)  # fmt: skip
EVIDENCE_NEEDED = lazy_gettext("Enter the evidence that the action is done")
#: The lead officer's update through their link, and the status part of the officer's form.
UPDATE_QUESTIONS = [STATUS_Q, PROGRESS_Q, EVIDENCE_Q]
#: What the officer may change on an action that came from an IMR (its wording is the IMR's).
IMR_ACTION_QUESTIONS = [q for q in ACTION_QUESTIONS if q.name in ("lead_officer",
                        "lead_officer_email", "target_date")]  # fmt: skip
