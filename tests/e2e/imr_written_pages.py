"""The console's pages for the IMR written in the service, for the browser tests: the case's
terms of reference, its merged chronology with one row's officer columns, and its action plan
with one recommendation, made once in the live server's database through the service's own
code."""

from __future__ import annotations

from sqlalchemy import select

from service import db
from service.actions import plan
from service.imrs import terms
from service.models import ActionItem, Case, Partnership
from service.summaries.build import build


def imr_written_pages(console_data) -> list[str]:  # noqa: ANN001
    case_id = console_data["case"].id
    with db.transaction() as s:
        case = s.get(Case, case_id)
        partnership = s.get(Partnership, case.partnership_id)
        action = s.scalar(select(ActionItem).where(ActionItem.case_id == case_id))
        if action is None:
            terms.set_terms(s, case, ["Contact with the victim in the last year"], actor="test")
            action = plan.add(
                s, case_id, partnership,
                {"scope": "multi", "recommendation": "Joint training on coercive control",
                 "lead_officer": "Lee Lead"},
                created_by=None, actor="test",
            )  # fmt: skip
            s.flush()
        rows = build(s, case).chronology
        action_id = action.id
    assert rows, "the console's case needs a chronology for its row page"
    return [
        f"/console/cases/{case_id}/terms",
        f"/console/cases/{case_id}/chronology",
        f"/console/cases/{case_id}/chronology/{rows[0].key}",
        f"/console/cases/{case_id}/actions",
        f"/console/cases/{case_id}/actions/new",
        f"/console/actions/{action_id}",
        "/console/actions/overdue",
    ]
