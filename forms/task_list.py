"""The GOV.UK task list that opens a multi-page form (the referral, a trawl return): each task's
status, from whether it has answers and whether any of them is still a problem."""

from __future__ import annotations

from typing import Any

NOT_STARTED = "Not yet started"
IN_PROGRESS = "In progress"
COMPLETED = "Completed"
OPTIONAL = "Optional"  # a task that may be left out, not yet answered

#: The statuses a form can be sent with.
FINISHED = (COMPLETED, OPTIONAL)


def status(problem: Any, answered: bool) -> str:
    """A task's status: not started without answers, in progress while ``problem`` is truthy."""
    if not answered:
        return NOT_STARTED
    return IN_PROGRESS if problem else COMPLETED
