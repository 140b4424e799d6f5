"""The console's retention pages: closing a case, legal holds and lifting them, deferring a
deletion once, the dashboard's "due for deletion" list, the archive ZIP of a case's complete
record, and the subject access search. Officers only; everything audited."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from sqlalchemy import select

from service import clock, demo_data
from service.models import AuditEvent, Case, CaseClosure, CaseStatus, LegalHold, Role
from service.retention import closing
from tests.console import make_user, post_form, sign_in
from tests.retention.test_time_travel import _panel_paper_naming_the_victim
from tests.trawls.factories import make_case

TODAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def events(session, action):
    session.rollback()
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_an_officer_closes_a_case_and_its_deletion_is_set(signed_in, session, partnership):
    case = make_case(session, partnership)
    session.commit()
    url = f"/console/cases/{case.id}/close"
    page = signed_in.get(url).get_data(as_text=True)
    assert "Close the case" in page and "6 years" in page
    # Nothing chosen: GOV.UK messages.
    problem = post_form(signed_in, url, {}).get_data(as_text=True)
    assert "Select how the review ended" in problem
    assert "Enter the date the report was published or the review ended" in problem
    done = post_form(
        signed_in,
        url,
        {
            "outcome": "published",
            "ended_on-day": "1",
            "ended_on-month": "2",
            "ended_on-year": "2026",
        },
    )
    assert done.status_code == 302
    session.rollback()
    closure = session.get(CaseClosure, case.id)
    assert closure.ended_on == dt.date(2026, 2, 1) and closure.outcome.value == "published"
    assert closure.delete_at == dt.datetime(2032, 2, 1, 9, 0, tzinfo=dt.UTC)
    assert session.get(Case, case.id, populate_existing=True).status is CaseStatus.CLOSED
    (event,) = events(session, "case.closed")
    assert event.case_id == case.id and event.actor.startswith("user:")
    shown = signed_in.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert "To be deleted on 1 February 2032" in shown and "Defer the deletion" in shown


def test_a_legal_hold_is_placed_with_a_reason_and_lifting_it_is_audited(
    signed_in, session, partnership
):
    case = make_case(session, partnership)
    session.commit()
    url = f"/console/cases/{case.id}/legal-hold"
    assert "Enter why the case is under a legal hold" in post_form(
        signed_in, url, {"reason": " "}
    ).get_data(as_text=True)
    assert post_form(signed_in, url, {"reason": "Criminal proceedings"}).status_code == 302
    shown = signed_in.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert "Criminal proceedings" in shown and "Lift the legal hold" in shown
    lifted = post_form(
        signed_in, f"/console/cases/{case.id}/legal-hold/lift", {}, page=f"/console/cases/{case.id}"
    )
    assert lifted.status_code == 302
    session.rollback()
    (hold,) = session.scalars(select(LegalHold)).all()
    assert hold.lifted_at is not None and hold.reason == "Criminal proceedings"
    (placed,) = events(session, "case.legal_hold_placed")
    (lift,) = events(session, "case.legal_hold_lifted")
    # The audit trail names the hold, never the reason.
    assert "Criminal" not in str(placed.detail) and lift.detail["hold_id"] == hold.id


def test_a_deletion_is_deferred_once_with_a_reason(signed_in, session, partnership):
    case = make_case(session, partnership)
    closing.close(
        session,
        case,
        outcome=closing.CaseOutcome.ENDED,
        ended_on=dt.date(2026, 1, 5),
        user_id=None,
        actor="test",
    )
    session.commit()
    url = f"/console/cases/{case.id}/deletion/defer"
    assert "5 January 2033" in signed_in.get(url).get_data(as_text=True)
    assert post_form(signed_in, url, {"reason": "Inquest not yet held"}).status_code == 302
    session.rollback()
    closure = session.get(CaseClosure, case.id)
    assert closure.delete_at.date() == dt.date(2033, 1, 5)
    assert closure.deferred_from.date() == dt.date(2032, 1, 5)
    assert closure.deferral_reason == "Inquest not yet held"
    again = signed_in.get(url).get_data(as_text=True)
    assert "already been deferred once" in again
    assert len(events(session, "case.deletion_deferred")) == 1


def test_the_dashboard_lists_the_cases_due_for_deletion(signed_in, session, partnership):
    soon, later = make_case(session, partnership), make_case(session, partnership)
    now = clock.now()
    for case, years in ((soon, 6), (later, 5)):
        ended = now.date().replace(year=now.year - years) + dt.timedelta(days=10)
        closing.close(
            session,
            case,
            outcome=closing.CaseOutcome.PUBLISHED,
            ended_on=ended,
            user_id=None,
            actor="test",
        )
    session.commit()
    page = signed_in.get("/console/").get_data(as_text=True)
    assert "Due for deletion" in page
    assert soon.reference in page and later.reference not in page
    assert "Find a person for a subject access request" in page


def test_the_archive_holds_every_part_of_the_case_and_nothing_of_another(
    signed_in, session, partnership
):
    with clock.frozen_at(TODAY):
        case = demo_data.ensure_partway_case(session, partnership)
        _panel_paper_naming_the_victim(session, case)
        other = demo_data.ensure_case(session, partnership)
    session.commit()
    done = post_form(
        signed_in, f"/console/cases/{case.id}/archive", {}, page=f"/console/cases/{case.id}"
    )
    assert done.status_code == 200 and done.mimetype == "application/zip"
    assert case.reference in done.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(done.data))
    names = archive.namelist()

    def having(*parts):
        return [n for n in names if all(p in n for p in parts)]

    police = having("trawls/", "/police/return-v")
    assert {n.rsplit("/", 1)[1] for n in police} == {
        "return-v1.json",
        "return-v1.pdf",
        "return-v2.json",
        "return-v2.pdf",
    }
    assert having("/acute-trust/return-v1.pdf") and having("/gp/return-v1.json")
    assert having("/adult-social-care/request.json")  # not returned: its request and chasers
    assert having("imrs/police", "/v1/imr.pdf") and having("imrs/police", "/v1/qa-checklist.pdf")
    assert having("imrs/police", "/v1/qa-checklist.json")
    assert having("imrs/police", "terms-of-reference.pdf")
    assert having("consent/request-", ".json") and having("consent/request-", ".pdf")
    assert having("letters-and-emails/", "trawl.request")
    assert having("panel/meeting-", "/paper-")
    for part in (
        "summary/collated-summary.pdf",
        "summary/chronology.csv",
        "summary/agencies.csv",
        "audit-trail.csv",
        "case.json",
        "README.txt",
    ):
        assert part in names
    record = archive.read("case.json").decode()
    assert "Jordan Example" in record and "1979-05-03" in record
    assert "Charlie Example" in archive.read(having("consent/request-", ".json")[0]).decode()
    chronology = archive.read("summary/chronology.csv").decode()
    assert "neighbours reported shouting" in chronology
    # Nothing of the other case anywhere in it.
    for name in names:
        data = archive.read(name)
        assert other.reference.encode() not in data, name
        for person in demo_data.DEMO_PEOPLE:
            assert person["name"].encode() not in data, name
    (event,) = events(session, "case.archive_downloaded")
    assert event.case_id == case.id and event.detail["size"] == len(done.data)


def test_the_subject_access_search_finds_the_person_and_is_audited_without_the_name(
    signed_in, session, partnership
):
    with clock.frozen_at(TODAY):
        case = demo_data.ensure_partway_case(session, partnership)
        demo_data.ensure_case(session, partnership)
    session.commit()
    url = "/console/subject-access"
    assert "Enter the person" in post_form(signed_in, url, {"name": ""}).get_data(as_text=True)
    page = post_form(
        signed_in,
        url,
        {
            "name": "jordan  EXAMPLE",
            "date_of_birth-day": "3",
            "date_of_birth-month": "5",
            "date_of_birth-year": "1979",
        },
    ).get_data(as_text=True)
    assert f"Case {case.reference}" in page
    assert "A person in the case: the person who died" in page
    assert "Asked about in trawl" in page
    assert "Morgan Example" not in page and "1 place found" in page
    # Another date of birth: not them.
    wrong = post_form(
        signed_in,
        url,
        {
            "name": "Jordan Example",
            "date_of_birth-day": "4",
            "date_of_birth-month": "5",
            "date_of_birth-year": "1979",
        },
    ).get_data(as_text=True)
    assert "0 places found" in wrong
    family = post_form(signed_in, url, {"name": "Charlie Example"}).get_data(as_text=True)
    assert "A family member asked for consent" in family
    searches = events(session, "subject_access.searched")
    assert len(searches) == 3
    assert all("Jordan" not in str(e.detail) and "Charlie" not in str(e.detail) for e in searches)


def test_only_officers_use_the_retention_pages(page_client, session, partnership):
    case = make_case(session, partnership)
    viewer = make_user(session, partnership, Role.VIEWER)
    session.commit()
    sign_in(page_client, viewer)
    for url in (
        f"/console/cases/{case.id}/close",
        f"/console/cases/{case.id}/legal-hold",
        f"/console/cases/{case.id}/deletion/defer",
        "/console/subject-access",
    ):
        assert page_client.get(url).status_code == 403, url
    assert page_client.post(f"/console/cases/{case.id}/archive").status_code in (400, 403)
    page = page_client.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert "Keeping this case" in page and "Close this case" not in page
    assert "Download the complete record" not in page


def test_a_case_of_another_partnership_is_not_found(signed_in, session, other):
    case = make_case(session, other)
    session.commit()
    assert signed_in.get(f"/console/cases/{case.id}/close").status_code == 404
    assert (
        post_form(signed_in, f"/console/cases/{case.id}/archive", {}, page="/console/").status_code
        == 404
    )
