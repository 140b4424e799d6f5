"""The action plan in the console: the officer sends a lead officer their link (the working one
again, or a new one that stops the old one working), secure addresses only; and the plan as
spreadsheets, with dates as dates (ISO 8601 in the CSV, date cells in the XLSX) in columns sized
to fit."""

from __future__ import annotations

import csv
import io

import openpyxl
from sqlalchemy import select

from service.actions import links, messages
from service.models import ActionItem, AuditEvent, Case
from tests.actions.test_reminders import plan_of
from tests.imrs import writing
from tests.sweeping import outbox
from tests.trawls.answering import post, text


def sent_links(session) -> list:
    return outbox(session, messages.LINK.name)


def audited(session, action_id: int) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "action_item",
                   AuditEvent.object_id == str(action_id),
                   AuditEvent.action.like("action_plan.link_%"))
            .order_by(AuditEvent.id)
        )
    )  # fmt: skip


def test_the_officer_sends_the_lead_officer_their_link_again_or_a_new_one(signed_in, session,
                                                                          partnership):  # fmt: skip
    (action,) = plan_of(session, partnership, actions=1)
    action_id, page = action.id, f"/console/actions/{action.id}"
    assert links.current(session, action) is None  # no reminder yet, so no link
    assert "No link has been sent yet" in text(signed_in.get(page))

    response = post(signed_in, f"{page}/send-link", {}, page=page)
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    (first,) = sent_links(session)
    assert first.recipient == writing.ACTION["lead_officer_email"]
    assert first.subject == ("OFFICIAL-SENSITIVE: Your link to update an action plan action "
                             f"[{session.get(Case, action.case_id).reference}]")  # fmt: skip
    assert "Recommendation 1." in first.body_text
    assert "[link sent to the recipient]" in first.body_text
    action = session.get(ActionItem, action_id)
    working = links.current(session, action)
    assert working is not None
    shown = text(signed_in.get(page))
    assert "Send the link again" in shown and "Send a new link" in shown

    # Again: the same link, still working.
    assert post(signed_in, f"{page}/send-link", {}, page=page).status_code == 302
    assert len(sent_links(session)) == 2
    action = session.get(ActionItem, action_id)
    assert links.current(session, action).id == working.id

    # A new link: the old one stops working.
    response = post(signed_in, f"{page}/new-link", {}, page=page)
    assert "A new link has been emailed" in text(signed_in.get(response.headers["Location"]))
    assert len(sent_links(session)) == 3
    action = session.get(ActionItem, action_id)
    replaced = links.current(session, action)
    assert replaced.id != working.id
    assert audited(session, action_id) == [
        "action_plan.link_reissued",
        "action_plan.link_sent",
        "action_plan.link_reissued",
    ]


def test_no_link_goes_without_a_secure_address(signed_in, session, partnership):
    (action,) = plan_of(session, partnership, actions=1)
    action.lead_officer_email = "lead.officer@gmail.com"
    session.commit()
    page = f"/console/actions/{action.id}"
    assert "add their secure email address above" in text(signed_in.get(page))
    response = post(signed_in, f"{page}/send-link", {}, page=page)
    shown = text(signed_in.get(response.headers["Location"]))
    assert "Add the lead officer's secure email address before sending their link" in shown
    assert sent_links(session) == []
    assert audited(session, action.id) == []


def test_the_plan_as_spreadsheets_keeps_dates_as_dates(signed_in, session, partnership):
    (action,) = plan_of(session, partnership, actions=1)
    base = f"/console/cases/{action.case_id}/actions"
    body = signed_in.get(f"{base}.csv").get_data().decode("utf-8-sig")
    head, row = list(csv.reader(io.StringIO(body)))
    assert row[head.index("Target date")] == writing.TARGET.isoformat()  # ISO 8601
    assert row[head.index("Recommendation")] == "Recommendation 1."

    book = openpyxl.load_workbook(io.BytesIO(signed_in.get(f"{base}.xlsx").get_data()))
    sheet = book.active
    headings = [c.value for c in sheet[1]]
    target = sheet.cell(row=2, column=headings.index("Target date") + 1)
    assert target.is_date and target.number_format == "dd/mm/yyyy"
    assert target.value.date() == writing.TARGET
    widths = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    assert widths["No."] == 10  # the narrowest
    assert widths["Recommendation"] == len("Recommendation 1.") + 2
    assert widths["Target date"] == len("dd/mm/yyyy") + 2
