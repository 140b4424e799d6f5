"""The audit trail pages and CSV: what is shown, filters, pages, exports (themselves audited),
one case's trail, and that nothing of another partnership ever appears."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from service import audit
from service.models import AuditEvent, Case, Role
from tests.console import make_user, sign_in


def event(session, partnership, action, at=None, **kwargs):
    row = audit.record(session, action, partnership_id=partnership.id, **kwargs)
    if at is not None:
        row.at = at
    return row


def fresh(session):
    session.rollback()
    session.expire_all()
    return session


def table_rows(html: str) -> list[str]:
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("</tr>")[:-1]]


def read_csv(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


# --- the page --------------------------------------------------------------------------------


def test_the_page_lists_events_newest_first_with_readable_labels(
    signed_in, session, partnership, officer
):
    case = Case(partnership_id=partnership.id, reference="DHR-2026-001")
    session.add(case)
    session.flush()
    event(session, partnership, "cli.thing", datetime(2026, 1, 1, 9, tzinfo=UTC), actor="cli")
    event(
        session,
        partnership,
        "sign_in.failed",
        datetime(2026, 1, 2, 9, tzinfo=UTC),
        actor="anonymous",
        client_address="192.0.2.7",
        stage="password",
        reason="no_active_account",
    )
    event(
        session,
        partnership,
        "case.viewed",
        datetime(2026, 6, 30, 23, 30, 15, tzinfo=UTC),
        actor=f"user:{officer.id}",
        object_type="case",
        object_id=case.id,
        case_id=case.id,
    )
    event(session, partnership, "message.sent", datetime(2026, 1, 3, 9, tzinfo=UTC), actor="system")
    session.commit()

    html = signed_in.get("/console/audit").get_data(as_text=True)
    rows = table_rows(html)
    # The sign-in just now is the newest; then the view of the case, in London time.
    assert rows[0].startswith(tuple(str(d) for d in range(1, 32)))
    assert "Signed in" in rows[0] and "Olive Officer" in rows[0]
    viewed = next(r for r in rows if "Viewed case" in r)
    assert viewed.startswith("1 Jul 2026 00:30:15 Olive Officer Viewed case Case DHR-2026-001")
    assert f'href="/console/cases/{case.id}"' in html
    failed = next(r for r in rows if "Failed sign-in" in r)
    assert "Someone not signed in" in failed and "192.0.2.7" in failed
    assert "stage: password" in failed and "reason: no_active_account" in failed
    assert "Command line cli.thing" in " ".join(rows)  # an unknown action is shown as it is
    assert "System Message sent" in " ".join(rows)
    order = [rows.index(r) for r in rows if "Viewed case" in r or "Message sent" in r]
    assert order == sorted(order)


def test_filters_by_action_user_and_date(signed_in, session, partnership, officer):
    chair = make_user(session, partnership, Role.CHAIR, name="Cara Chair")
    for day, actor in [(10, officer), (20, chair), (5, chair)]:
        month = 2 if day == 5 else 1
        event(
            session,
            partnership,
            "user.enabled",
            datetime(2026, month, day, 12, tzinfo=UTC),
            actor=f"user:{actor.id}",
            object_type="user",
            object_id=actor.id,
        )
    # 00:30 on 1 July in London is still 30 June in UTC.
    event(
        session,
        partnership,
        "user.disabled",
        datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
        actor=f"user:{officer.id}",
    )
    session.commit()

    html = signed_in.get("/console/audit?action=user.enabled").get_data(as_text=True)
    assert len(table_rows(html)) == 3
    assert '<option value="user.enabled" selected>User re-enabled</option>' in html

    html = signed_in.get(f"/console/audit?action=user.enabled&user={chair.id}").get_data(
        as_text=True
    )
    assert len(table_rows(html)) == 2
    assert all("Cara Chair" in r for r in table_rows(html))

    dates = "from_day=15&from_month=1&from_year=2026&to_day=31&to_month=1&to_year=2026"
    html = signed_in.get(f"/console/audit?{dates}").get_data(as_text=True)
    rows = table_rows(html)
    assert len(rows) == 1 and rows[0].startswith("20 Jan 2026")

    london_day = "from_day=1&from_month=7&from_year=2026&to_day=1&to_month=7&to_year=2026"
    rows = table_rows(signed_in.get(f"/console/audit?{london_day}").get_data(as_text=True))
    assert len(rows) == 1 and "User disabled" in rows[0]

    html = signed_in.get("/console/audit?object_type=user&action=user.enabled").get_data(
        as_text=True
    )
    assert len(table_rows(html)) == 3
    html = signed_in.get("/console/audit?action=no.such.action").get_data(as_text=True)
    assert "No events match these filters." in html


@pytest.mark.parametrize(
    ("query", "message", "target"),
    [
        ("from_day=31&from_month=2&from_year=2026", "Date from must be a real date", "from_day"),
        ("from_day=3&from_year=2026", "Date from must include a month", "from_month"),
        ("to_day=1&to_month=1&to_year=26", "Year must include 4 numbers", "to_year"),
        ("to_day=x&to_month=1&to_year=2026", "Date to must be a real date", "to_day"),
        (
            "from_day=2&from_month=1&from_year=2026&to_day=1&to_month=1&to_year=2026",
            "Date to must be the same as or after date from",
            "to_day",
        ),
    ],
)
def test_invalid_filter_dates_are_shown_as_errors(signed_in, query, message, target):
    response = signed_in.get(f"/console/audit?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert f'href="#{target}"' in html
    assert message in html
    assert "govuk-input--error" in html
    assert "<title>Error: Audit trail" in html
    # The CSV of an invalid filter goes back to the page that explains it.
    response = signed_in.get(f"/console/audit.csv?{query}")
    assert response.status_code == 302
    assert "/console/audit?" in response.headers["Location"]


def test_events_come_100_to_a_page(signed_in, session, partnership):
    for i in range(250):
        event(
            session,
            partnership,
            "test.bulk",
            datetime(2026, 3, 1, tzinfo=UTC).replace(minute=i % 60, hour=i // 60),
            number=i,
        )
    session.commit()

    html = signed_in.get("/console/audit?action=test.bulk").get_data(as_text=True)
    rows = table_rows(html)
    assert len(rows) == 100
    assert "number: 249" in rows[0]
    assert "Showing 1 to 100 of 250 events" in html
    assert 'class="govuk-pagination' in html
    assert "/console/audit?action=test.bulk&amp;page=2" in html

    html = signed_in.get("/console/audit?action=test.bulk&page=3").get_data(as_text=True)
    rows = table_rows(html)
    assert len(rows) == 50
    assert "number: 0" in rows[-1]
    assert "Showing 201 to 250 of 250 events" in html


# --- CSV -------------------------------------------------------------------------------------


def test_the_csv_has_every_matching_row_and_the_export_is_audited(
    signed_in, session, partnership, officer
):
    for i in range(150):
        event(session, partnership, "test.bulk", number=i)
    event(session, partnership, "test.other")
    session.commit()

    response = signed_in.get(f"/console/audit.csv?action=test.bulk&user={officer.id}")
    assert response.status_code == 200
    assert not read_csv(response)  # the officer did none of them

    response = signed_in.get("/console/audit.csv?action=test.bulk")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    today = datetime.now(UTC).strftime("%Y%m")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="audit-exampleshire-')
    assert today in disposition and disposition.endswith('.csv"')
    rows = read_csv(response)
    assert len(rows) == 150
    assert list(rows[0]) == [
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "case_id",
        "client_address",
        "detail",
    ]
    assert rows[0]["actor"] == "system" and rows[0]["action"] == "test.bulk"
    assert rows[0]["at"].endswith("+00:00")
    assert {r["detail"] for r in rows} == {f'{{"number": {i}}}' for i in range(150)}

    exported = (
        fresh(session)
        .scalars(
            select(AuditEvent).where(AuditEvent.action == "audit.exported").order_by(AuditEvent.id)
        )
        .all()
    )
    assert len(exported) == 2
    assert exported[0].detail == {
        "filters": {"action": "test.bulk", "user_id": officer.id},
        "rows": 0,
    }
    assert exported[1].detail == {"filters": {"action": "test.bulk"}, "rows": 150}
    assert exported[1].actor == f"user:{officer.id}"
    assert exported[1].partnership_id == partnership.id
    html = signed_in.get("/console/audit?action=audit.exported").get_data(as_text=True)
    assert "Audit trail exported" in html


def test_the_csv_is_safe_to_open_in_a_spreadsheet(signed_in, session, partnership):
    event(
        session,
        partnership,
        "test.nasty",
        actor='=HYPERLINK("http://evil")',
        object_type="+cmd",
        object_id="-2+3",
        client_address="@SUM(A1)",
    )
    session.commit()
    rows = read_csv(signed_in.get("/console/audit.csv?action=test.nasty"))
    assert rows[0]["actor"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["object_type"] == "'+cmd"
    assert rows[0]["object_id"] == "'-2+3"
    assert rows[0]["client_address"] == "'@SUM(A1)"


# --- one case's trail ------------------------------------------------------------------------


def test_a_cases_trail_shows_only_that_case(signed_in, session, partnership, other):
    case = Case(partnership_id=partnership.id, reference="DHR-2026-001")
    another = Case(partnership_id=partnership.id, reference="DHR-2026-002")
    theirs = Case(partnership_id=other.id, reference="OTH-2026-001")
    session.add_all([case, another, theirs])
    session.flush()
    event(session, partnership, "case.viewed", actor="system", case_id=case.id, marker="mine")
    event(session, partnership, "case.viewed", actor="system", case_id=another.id, marker="not")
    event(session, partnership, "sign_in", actor="system", marker="partnership")
    session.commit()

    html = signed_in.get(f"/console/cases/{case.id}/audit").get_data(as_text=True)
    assert "Audit trail for this case" in html and "DHR-2026-001" in html
    assert "marker: mine" in html
    assert "marker: not" not in html and "marker: partnership" not in html
    assert f'href="/console/cases/{case.id}/audit.csv"' in html

    rows = read_csv(signed_in.get(f"/console/cases/{case.id}/audit.csv"))
    assert [r["detail"] for r in rows] == ['{"marker": "mine"}']
    assert all(r["case_id"] == str(case.id) for r in rows)
    exported = fresh(session).scalar(
        select(AuditEvent).where(AuditEvent.action == "audit.exported")
    )
    assert exported.case_id == case.id
    assert exported.detail == {"filters": {}, "rows": 1}
    response = signed_in.get(f"/console/cases/{case.id}/audit.csv")
    assert 'filename="audit-exampleshire-dhr-2026-001-' in response.headers["Content-Disposition"]

    assert signed_in.get(f"/console/cases/{theirs.id}/audit").status_code == 404
    assert signed_in.get(f"/console/cases/{theirs.id}/audit.csv").status_code == 404
    assert signed_in.get("/console/cases/999999/audit").status_code == 404


# --- who may see it, and isolation -----------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CHAIR, Role.VIEWER])
def test_chairs_and_viewers_cannot_see_the_audit_trail(page_client, session, partnership, role):
    user = make_user(session, partnership, role)
    case = Case(partnership_id=partnership.id, reference="DHR-2026-009")
    session.add(case)
    session.commit()
    sign_in(page_client, user)
    for url in [
        "/console/audit",
        "/console/audit.csv",
        f"/console/cases/{case.id}/audit",
        f"/console/cases/{case.id}/audit.csv",
    ]:
        assert page_client.get(url).status_code == 403, url
    assert 'href="/console/audit"' not in page_client.get("/console/").get_data(as_text=True)
    assert (
        not fresh(session)
        .scalars(select(AuditEvent).where(AuditEvent.action == "audit.exported"))
        .all()
    )


def test_another_partnerships_events_never_appear(signed_in, session, partnership, other):
    outsider = make_user(session, other, Role.OFFICER, name="Oscar Outsider")
    event(session, other, "test.theirs", actor=f"user:{outsider.id}", marker="theirs")
    event(session, partnership, "test.ours", actor=f"user:{outsider.id}", marker="ours")
    session.commit()

    html = signed_in.get("/console/audit").get_data(as_text=True)
    assert "marker: ours" in html
    assert "marker: theirs" not in html and "test.theirs" not in html
    # Their users are neither named nor offered as a filter.
    assert "Oscar Outsider" not in html
    assert f'value="{outsider.id}"' not in html

    html = signed_in.get(f"/console/audit?user={outsider.id}").get_data(as_text=True)
    assert "Select a user from the list" in html
    assert 'href="#user"' in html

    rows = read_csv(signed_in.get("/console/audit.csv"))
    assert not [r for r in rows if "theirs" in r["detail"]]
    assert [r for r in rows if "ours" in r["detail"]]
    assert not [r for r in rows if r["action"] == "test.theirs"]


def test_panel_members_and_panel_objects_are_named_and_linked(
    signed_in, session, partnership, officer
):
    from service.models import PanelMember

    case = Case(partnership_id=partnership.id, reference="DHR-2026-002")
    session.add(case)
    session.flush()
    member = PanelMember(
        partnership_id=partnership.id,
        case_id=case.id,
        name="Pat Constable",
        email="pat.constable@police.example.gov.uk",
    )
    session.add(member)
    session.flush()
    event(
        session,
        partnership,
        "feedback.answered",
        actor=f"panel_member:{member.id}",
        object_type="feedback_request",
        object_id=41,
        case_id=case.id,
    )
    event(
        session,
        partnership,
        "panel.meeting_scheduled",
        actor=f"user:{officer.id}",
        object_type="panel_meeting",
        object_id=42,
        case_id=case.id,
    )
    event(session, partnership, "feedback.answered", actor="panel_member:999999")
    session.commit()

    html = signed_in.get("/console/audit").get_data(as_text=True)
    text = " ".join(table_rows(html))
    assert "Pat Constable (panel member)" in text
    assert "Panel member 999999" in text  # one not found is still shown, by number
    assert 'href="/console/drafts/41"' in html
    assert 'href="/console/panel-meetings/42"' in html
