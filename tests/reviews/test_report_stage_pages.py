"""The console's report stage, page by page: the upload with its errors, the email to the Home
Office prepared, previewed and sent once however often it is pressed, the panel's answer and the
publication with their error summaries, the Commissioner's copy, the close page starting with
the publication date, and the case page's stages."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from service import clock
from service.models import (
    AuditEvent,
    CaseClosure,
    Message,
    ReportMessage,
    ReportMessageKind,
    Role,
)
from service.referrals import decisions
from tests.console import csrf_from, make_user, post_form, sign_in
from tests.reviews.test_pages import recently, text
from tests.uploads.files import pdf


def held_case(session, decided):
    referral = recently(decided, days=3)
    case = decisions.open_case(session, referral, actor="user:1")
    session.commit()
    return case


def _date(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month),
            f"{name}-year": str(day.year)}  # fmt: skip


def _upload(client, case_id, **files):
    url = f"/console/cases/{case_id}/report/upload"
    html = client.get(url).get_data(as_text=True)
    return client.post(
        url,
        data={"csrf_token": csrf_from(html),
              **{k: (io.BytesIO(data), name) for k, (name, data) in files.items()}},
        content_type="multipart/form-data",
        headers={"Referer": f"https://localhost{url}"},
    )  # fmt: skip


def _press(client, url, page):
    """POST the page's form as a browser does (its CSRF token, a same-site Referer)."""
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token},
                       headers={"Referer": f"https://localhost{page}"})  # fmt: skip


def test_the_report_stage_from_upload_to_closure(signed_in, session, decided):
    case = held_case(session, decided)
    report = f"/console/cases/{case.id}/report"
    assert "Not uploaded yet" in text(signed_in.get(report))
    assert "Upload, send and publish the overview report" in text(
        signed_in.get(f"/console/cases/{case.id}")
    )
    # Nothing chosen, then something that is not a document: the error summary each time.
    empty = _upload(signed_in, case.id)
    assert empty.status_code == 400
    assert "There is a problem" in text(empty) and "Select the overview report" in text(empty)
    wrong = _upload(signed_in, case.id, summary=("notes.txt", b"plain text"))
    assert wrong.status_code == 400
    assert "The selected file must be a PDF or Word document (DOCX)" in text(wrong)
    done = _upload(signed_in, case.id, report=("Overview.pdf", pdf("Overview")),
                   summary=("Summary.pdf", pdf("Summary")))  # fmt: skip
    assert done.status_code == 302 and done.headers["Location"].endswith(report)
    page = signed_in.get(report)
    assert "Overview.pdf" in text(page) and "Summary.pdf" in text(page)

    # Prepared twice (a double click): one draft.
    first = _press(signed_in, f"{report}/quality-assurance", report)
    second = _press(signed_in, f"{report}/quality-assurance", report)
    assert first.headers["Location"] == second.headers["Location"]
    session.rollback()
    (draft,) = session.scalars(select(ReportMessage)).all()
    url = f"/console/report-messages/{draft.id}"
    assert first.headers["Location"].endswith(url)
    blank = post_form(signed_in, url, {"body": ""})
    assert blank.status_code == 400 and "There is a problem" in text(blank)
    saved = post_form(signed_in, url, {"body": draft.body + "\n\nWith thanks."})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/preview")
    preview = text(signed_in.get(f"{url}/preview"))
    assert "dhr.enquiries@homeoffice.example.gov.uk" in preview
    assert "Overview.pdf" in preview and "Summary.pdf" in preview
    assert "With thanks." in preview
    sent = [_press(signed_in, f"{url}/send", f"{url}/preview") for _ in range(2)]
    assert sent[0].headers["Location"].endswith(report)
    assert sent[1].headers["Location"].endswith(f"{url}/preview")
    session.rollback()
    (message,) = session.scalars(select(Message)).all()
    assert message.purpose == "report.quality_assurance"
    assert sorted(a.filename for a in message.attachments) == ["Overview.pdf", "Summary.pdf"]
    # Awaiting the answer: no new version can be uploaded.
    blocked = signed_in.get(f"/console/cases/{case.id}/report/upload")
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith(report)

    today = clock.london_date(clock.now())
    answer = f"{report}/answer"
    missing = post_form(signed_in, answer, {**_date("answered_on", today), "notes": ""})
    assert missing.status_code == 400 and "Select the panel" in text(missing)
    future = post_form(signed_in, answer, {**_date("answered_on", today + dt.timedelta(days=3)),
                                           "answer": "approved"})  # fmt: skip
    assert future.status_code == 400 and "today or in the past" in text(future)
    recorded = post_form(signed_in, answer, {**_date("answered_on", today), "answer": "approved",
                                             "notes": "Ready to publish."})  # fmt: skip
    assert recorded.status_code == 302
    assert "Approved for publication" in text(signed_in.get(report))

    publication = f"{report}/publication"
    bad = post_form(signed_in, publication, {"published_on-day": "40", "published_on-month": "1",
                                             "published_on-year": "2027"})  # fmt: skip
    assert bad.status_code == 400 and "There is a problem" in text(bad)
    published = post_form(signed_in, publication, _date("published_on", today))
    session.rollback()
    copy = session.scalar(
        select(ReportMessage).where(ReportMessage.kind == ReportMessageKind.COMMISSIONER)
    )
    assert published.headers["Location"].endswith(f"/console/report-messages/{copy.id}")
    again = signed_in.get(publication)  # recorded once: the page is not offered again
    assert again.status_code == 302 and again.headers["Location"].endswith(report)
    copy_url = f"/console/report-messages/{copy.id}"
    for _ in range(2):
        _press(signed_in, f"{copy_url}/send", f"{copy_url}/preview")
    session.rollback()
    assert [m.recipient for m in session.scalars(
        select(Message).where(Message.purpose == "report.published"))] == [
        "dhr.reports@commissioner.example.gov.uk"
    ]  # fmt: skip

    # The close page starts with the published outcome and date.
    close = f"/console/cases/{case.id}/close"
    html = signed_in.get(close).get_data(as_text=True)
    assert (
        'value="published" checked' in html
        or 'checked value="published"' in html
        or ('value="published"' in html and "checked" in html)
    )
    assert f'value="{today.year}"' in html
    closed = post_form(signed_in, close, {"outcome": "published", **_date("ended_on", today)})
    assert closed.status_code == 302
    session.rollback()
    assert session.get(CaseClosure, case.id).ended_on == today
    words = text(signed_in.get(f"/console/cases/{case.id}"))
    long_today = clock.long_date(today)
    assert f"Report published {long_today}" in words
    assert f"Case closed {long_today}" in words
    assert f"Overview report sent to the Home Office {long_today}" in words
    assert "First panel meeting Not yet" in words
    events = select(AuditEvent).where(AuditEvent.action.like("report.%"))
    actions = [e.action for e in session.scalars(events.order_by(AuditEvent.id))]
    for action in ("report.uploaded", "report.drafted", "report.message_edited", "report.sent",
                   "report.qa_answered", "report.published"):  # fmt: skip
        assert action in actions
    assert actions.count("report.sent") == 2


def test_a_viewer_sees_the_report_stage_but_cannot_act(page_client, session, partnership, decided):
    case = held_case(session, decided)
    viewer = make_user(session, partnership, Role.VIEWER)
    sign_in(page_client, viewer)
    page = page_client.get(f"/console/cases/{case.id}/report")
    assert page.status_code == 200
    assert "Upload the overview report" not in text(page)
    assert page_client.get(f"/console/cases/{case.id}/report/upload").status_code == 403


def test_a_case_not_held_has_no_report_stage(signed_in, session, decided, other):
    case = held_case(session, decided)
    case.partnership_id = other.id
    session.commit()
    assert signed_in.get(f"/console/cases/{case.id}/report").status_code == 404


def test_the_case_s_chair_downloads_the_report_and_no_other_chair_does(
    page_client, session, partnership, decided
):
    from service.models import CaseChair, ReviewProgress
    from service.reviews import report_stage

    case = held_case(session, decided)
    report_stage.upload(
        session, report_stage.stage_of(session, case), actor="test",
        documents={"report": ("Overview.pdf", pdf("Overview"))},
    )  # fmt: skip
    session.commit()
    file_id = session.scalar(select(ReviewProgress.report_file_id))
    outsider = make_user(session, partnership, Role.CHAIR)
    sign_in(page_client, outsider)
    assert page_client.get(f"/console/files/{file_id}").status_code == 404
    session.add(CaseChair(case_id=case.id, user_id=outsider.id))
    session.commit()
    got = page_client.get(f"/console/files/{file_id}")
    assert got.status_code == 200 and got.data == pdf("Overview")
    session.rollback()
    (event,) = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "file.downloaded")
    ).all()
    assert event.case_id == case.id
