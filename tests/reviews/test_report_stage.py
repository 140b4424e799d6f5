"""The report stage, step by step on a real database and a real SMTP server on loopback: the
overview report and executive summary uploaded and scanned, sent once to the Home Office's
quality assurance panel with both attached, the panel's answer, the publication and the one copy
to the Domestic Abuse Commissioner, then the case closed and its retention counted from it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from service import clock, db, runtime, uploads
from service.models import (
    AuditEvent,
    Case,
    CaseClosure,
    CaseOutcome,
    Message,
    NotificationStatus,
    ReportMessage,
    ReportMessageKind,
    ReviewProgress,
    StoredFile,
)
from service.referrals import decisions
from service.retention import closing
from service.reviews import overview, report_messages, report_stage, timescales
from tests.jobs import run_worker_burst
from tests.referrals.factories import complete_answers
from tests.reviews.conftest import DECIDED_AT
from tests.sweeping import outbox, sweep_here
from tests.uploads.files import pdf

HOME_OFFICE = "dhr.enquiries@homeoffice.example.gov.uk"
COMMISSIONER = "dhr.reports@commissioner.example.gov.uk"
SENT_AT = DECIDED_AT + dt.timedelta(days=150)
ANSWERED_ON = dt.date(2027, 4, 1)
PUBLISHED_ON = dt.date(2027, 5, 3)
DAY = dt.timedelta(days=1)


def held_case(session, decided) -> Case:
    referral = decided("yes")
    case = decisions.open_case(session, referral, actor="user:1")
    session.commit()
    return case


def stage(session, case) -> report_stage.Stage:
    session.expire_all()
    return report_stage.stage_of(session, session.get(Case, case.id))


def upload_both(session, case) -> None:
    report_stage.upload(
        session, stage(session, case), actor="user:1",
        documents={"report": ("Overview report.pdf", pdf("Overview report")),
                   "summary": ("Executive summary.pdf", pdf("Executive summary"))},
    )  # fmt: skip
    session.commit()


def sent_to_home_office(session, case) -> ReportMessage:
    upload_both(session, case)
    with clock.frozen_at(SENT_AT):
        draft = report_messages.prepare_quality_assurance(session, stage(session, case), actor="u")
        session.commit()
        report_messages.send(session, stage(session, case), draft, actor="user:1")
        session.commit()
    return draft


def approved(session, case) -> None:
    sent_to_home_office(session, case)
    with clock.frozen_at(dt.datetime(2027, 4, 2, 10, tzinfo=dt.UTC)):
        report_stage.record_answer(
            session, stage(session, case), answered_on=ANSWERED_ON, answer="approved",
            notes="No changes needed.", actor="user:1",
        )  # fmt: skip
    session.commit()


def publish(session, case):
    with clock.frozen_at(dt.datetime(2027, 5, 4, 10, tzinfo=dt.UTC)):
        made = report_messages.record_publication(
            session, stage(session, case), published_on=PUBLISHED_ON, actor="user:1"
        )
    session.commit()
    return made


def test_the_report_and_summary_are_uploaded_checked_and_kept(session, decided):
    case = held_case(session, decided)
    with pytest.raises(uploads.UploadRefused, match="must be a PDF or Word") as refused:
        report_stage.upload(
            session, stage(session, case), documents={"summary": ("x.pdf", b"not a pdf")},
            actor="user:1",
        )  # fmt: skip
    assert refused.value.field == "summary"
    session.rollback()
    upload_both(session, case)
    found = stage(session, case)
    assert found.report.filename == "Overview report.pdf"
    assert found.summary.filename == "Executive summary.pdf"
    assert found.report.data.startswith(b"%PDF")
    assert found.can_prepare
    (event,) = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "report.uploaded")
    ).all()
    assert event.detail["documents"] == ["report", "summary"]


def test_no_email_to_the_home_office_until_both_documents_are_uploaded(session, decided):
    case = held_case(session, decided)
    report_stage.upload(session, stage(session, case), actor="user:1",
                        documents={"report": ("r.pdf", pdf())})  # fmt: skip
    session.commit()
    with pytest.raises(report_stage.ReportRefused, match="executive summary first"):
        report_messages.prepare_quality_assurance(session, stage(session, case), actor="user:1")


def test_sending_to_the_home_office_delivers_one_message_with_both_attached(
    session, settings, decided, mail_server
):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    case = held_case(session, decided)
    upload_both(session, case)
    first = report_messages.prepare_quality_assurance(session, stage(session, case), actor="u")
    again = report_messages.prepare_quality_assurance(session, stage(session, case), actor="u")
    assert first.id == again.id  # one draft however often it is asked for
    session.commit()
    body = first.body
    assert f"reference {case.reference}" in body
    assert "The person who died: A.E., aged 46" in body
    answers = complete_answers()
    for value in (answers["deceased_name"], answers["suspect_name"], "1980", "1978"):
        assert value not in body
    preview = report_messages.preview(session, stage(session, case), first)
    assert preview.problem is None
    assert [(r.address, r.decision) for r in preview.recipients] == [(HOME_OFFICE, "secure")]
    assert [f.filename for f in preview.files] == ["Overview report.pdf", "Executive summary.pdf"]
    report_messages.send(session, stage(session, case), first, actor="user:1")
    session.commit()
    with pytest.raises(report_stage.ReportRefused, match="already been sent"):
        report_messages.send(session, stage(session, case), first, actor="user:1")
    session.rollback()

    run_worker_burst()
    (got,) = mail_server.messages
    assert got.rcpt_tos == [HOME_OFFICE]
    message = got.message
    assert message["Subject"] == (
        "OFFICIAL-SENSITIVE: Domestic Homicide Review overview report for quality assurance "
        f"[{case.reference}]"
    )
    text = message.get_body(("plain",)).get_content()
    assert "for the Home Office's quality assurance panel" in text
    for value in (answers["deceased_name"], answers["suspect_name"], "1980-05-17", "17 May 1980"):
        assert value not in text
        assert value not in message["Subject"]
    attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert sorted(attached) == ["Executive summary.pdf", "Overview report.pdf"]
    assert attached["Overview report.pdf"] == pdf("Overview report")
    found = stage(session, case)
    assert found.awaiting_answer and not found.can_upload
    assert found.progress.report_sent_at is not None
    assert timescales.report_state(found.progress) == "done"
    assert report_messages.delivery_of(session, first)[1] == "sent"


def test_two_officers_sending_at_once_send_it_once(session, decided):
    case = held_case(session, decided)
    upload_both(session, case)
    draft_id = report_messages.prepare_quality_assurance(
        session, stage(session, case), actor="u"
    ).id
    session.commit()
    one, two = (db.Sessions.session_factory(expire_on_commit=False) for _ in range(2))
    try:
        stages = [report_stage.stage_of(s, s.get(Case, case.id)) for s in (one, two)]
        drafts = [s.get(ReportMessage, draft_id) for s in (one, two)]
        assert drafts[0].status is drafts[1].status is NotificationStatus.DRAFT
        two.commit()
        report_messages.send(one, stages[0], drafts[0], actor="user:1")
        one.commit()
        with pytest.raises(report_stage.ReportRefused, match="already been sent"):
            report_messages.send(two, stages[1], drafts[1], actor="user:2")
        two.rollback()
    finally:
        one.close()
        two.close()
    session.rollback()
    assert len(session.scalars(select(Message)).all()) == 1


def test_the_answer_changes_asked_for_then_a_revised_report_goes_as_the_next_round(
    session, decided
):
    case = held_case(session, decided)
    sent_to_home_office(session, case)
    with pytest.raises(report_stage.ReportRefused, match="record its answer"):
        report_stage.upload(session, stage(session, case), actor="u",
                            documents={"report": ("r2.pdf", pdf("Revised"))})  # fmt: skip
    session.rollback()
    with pytest.raises(report_stage.ReportRefused, match="on or after"):
        report_stage.record_answer(
            session, stage(session, case), answered_on=dt.date(2026, 1, 1), answer="changes",
            notes=None, actor="u",
        )  # fmt: skip
    session.rollback()
    with clock.frozen_at(dt.datetime(2027, 4, 2, 10, tzinfo=dt.UTC)):
        report_stage.record_answer(
            session, stage(session, case), answered_on=ANSWERED_ON, answer="changes",
            notes="Anonymise the chronology further.", actor="user:1",
        )  # fmt: skip
        session.commit()
        found = stage(session, case)
        assert found.progress.qa_notes == "Anonymise the chronology further."
        assert not found.can_publish and found.can_upload
        (event,) = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "report.qa_answered")
        ).all()
        assert event.detail == {"answer": "changes", "answered_on": "2027-04-01",
                                "with_notes": True}  # fmt: skip
        report_stage.upload(session, found, actor="u",
                            documents={"report": ("Revised.pdf", pdf("Revised"))})  # fmt: skip
        session.commit()
        second = report_messages.prepare_quality_assurance(session, stage(session, case), actor="u")
        session.commit()
        assert second.round == 2
        assert "revised after the panel's comments of 1 April 2027" in second.body
        report_messages.send(session, stage(session, case), second, actor="user:1")
        session.commit()
    found = stage(session, case)
    assert found.awaiting_answer and found.progress.qa_answer is None
    assert second.file_ids[0] == found.report.id and found.report.filename == "Revised.pdf"


def test_publication_sends_the_commissioner_one_copy(session, settings, decided, mail_server):
    settings.MAIL_TRANSPORT = mail_server.url
    runtime.configure(settings)
    case = held_case(session, decided)
    with pytest.raises(report_stage.ReportRefused, match="approval first"):
        publish(session, case)
    session.rollback()
    approved(session, case)
    draft = publish(session, case)
    assert draft.kind is ReportMessageKind.COMMISSIONER
    assert "published the overview report" in draft.body and "3 May 2027" in draft.body
    with pytest.raises(report_stage.ReportRefused, match="already been recorded"):
        publish(session, case)
    session.rollback()
    for _ in range(2):  # a double click
        try:
            report_messages.send(session, stage(session, case), draft, actor="user:1")
            session.commit()
        except report_stage.ReportRefused as exc:
            assert "already been sent" in str(exc)
            session.rollback()
    run_worker_burst()
    # One to the Home Office for quality assurance, and the one copy to the Commissioner.
    assert sorted(tuple(m.rcpt_tos) for m in mail_server.messages) == sorted(
        [(HOME_OFFICE,), (COMMISSIONER,)]
    )
    (copy,) = [m.message for m in mail_server.messages if m.rcpt_tos == [COMMISSIONER]]
    assert (
        copy["Subject"]
        == f"OFFICIAL-SENSITIVE: Published Domestic Homicide Review [{case.reference}]"
    )
    assert len(list(copy.iter_attachments())) == 2
    assert report_stage.sent_count(session, case.id, ReportMessageKind.COMMISSIONER) == 1
    assert stage(session, case).progress.commissioner_sent_at is not None


def test_no_commissioner_copy_when_the_partnership_has_no_inbox(session, partnership, decided):
    partnership.inboxes = {k: v for k, v in partnership.inboxes.items() if k != "commissioner"}
    session.commit()
    case = held_case(session, decided)
    approved(session, case)
    assert publish(session, case) is None
    found = stage(session, case)
    assert found.published and found.commissioner is None
    assert session.scalars(select(ReportMessage).where(
        ReportMessage.kind == ReportMessageKind.COMMISSIONER)).all() == []  # fmt: skip
    assert found.can_close


def test_closing_is_the_one_record_of_closure_and_retention_counts_from_it(session, decided):
    case = held_case(session, decided)
    approved(session, case)
    publish(session, case)
    assert report_stage.close_defaults(session, stage(session, case).case) == {
        "outcome": "published", "ended_on": PUBLISHED_ON,
    }  # fmt: skip
    with clock.frozen_at(dt.datetime(2027, 5, 10, 10, tzinfo=dt.UTC)):
        closing.close(
            session, session.get(Case, case.id), outcome=CaseOutcome.PUBLISHED,
            ended_on=PUBLISHED_ON, user_id=None, actor="user:1",
        )  # fmt: skip
    session.commit()
    found = stage(session, case)
    progress = session.scalar(select(ReviewProgress).where(ReviewProgress.case_id == case.id))
    assert progress.closed_on == PUBLISHED_ON == found.closure.ended_on
    closure = session.get(CaseClosure, case.id)
    # Six years from the publication, at the partnership's dispatch hour (09:00 London, BST).
    assert clock.as_utc(closure.delete_at) == dt.datetime(2033, 5, 3, 8, tzinfo=dt.UTC)
    assert not found.can_upload and not found.can_publish and not found.can_close
    # The stages: every one reached, with its date.
    after = overview.for_referral(session, overview.referral_of_case(session, found.case),
                                  found.case)  # fmt: skip
    reached = {s.name: s.reached_on for s in after.stages}
    assert reached["Overview report sent to the Home Office"] == clock.london_date(SENT_AT)
    assert reached["Home Office quality assurance answer"] == ANSWERED_ON
    assert reached["Report published"] == PUBLISHED_ON
    assert reached["Case closed"] == dt.date(2027, 5, 10)

    # The schedule runs from that record: the notice 30 days before, then the deletion of the
    # report, the summary and the emails with the rest of the case's personal data.
    files = [found.report.id, found.summary.id]
    notice_at = clock.as_utc(closure.notice_at)
    sweep_here(notice_at - DAY)
    assert outbox(session, "case.deletion_notice") == []
    sweep_here(notice_at)
    assert [m.reference for m in outbox(session, "case.deletion_notice")] == [case.reference]
    sweep_here(clock.as_utc(closure.delete_at) - DAY)
    assert len(session.scalars(select(StoredFile.id).where(StoredFile.id.in_(files))).all()) == 2
    checks = sweep_here(clock.as_utc(closure.delete_at))
    assert checks["closed cases' personal data deleted"] == 1
    session.rollback()
    assert session.scalars(select(StoredFile.id).where(StoredFile.id.in_(files))).all() == []
    assert (
        session.scalars(select(ReportMessage).where(ReportMessage.case_id == case.id)).all() == []
    )
