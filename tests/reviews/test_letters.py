"""The letters to the family: PDFs in the consent letter's layout (text extracted and checked),
the "no review" letter released only once the Home Office has replied, each download or email
recorded, and never emailed to an address the family member has not given."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from service import clock, pdf
from service.models import (
    AuditEvent,
    CaseChair,
    ConsentDelivery,
    ConsentRequest,
    FamilyLetter,
    LetterKind,
    Message,
    PanelMeeting,
    Role,
)
from service.referrals import decisions
from service.reviews import letters, timescales
from tests.consent.factories import pdf_text
from tests.console import make_user, post_form
from tests.reviews.conftest import decide

SISTER = "household-0"  # Jo Example, the referral's first household member, with an email
SON = "household-1"  # Chris Example, no email on file


def words(data: bytes) -> str:
    return " ".join(pdf_text(data).split())


def test_the_review_letter_offers_support_and_says_the_chair_will_write(session, decided):
    referral = decided("yes")
    data = letters.download(session, referral, LetterKind.REVIEW, SISTER, actor="user:1")
    session.commit()
    text = words(data)
    assert "OFFICIAL-SENSITIVE" in text
    assert "Dear Jo Example" in text
    assert (
        "has decided to hold a Domestic Homicide Review following the death of your sister" in text
    )
    assert "The chair will be in touch with you after the first meeting of the review panel" in text
    assert "Exampleshire Families' Advocacy Service" in text
    assert "01632 960 321" in text  # the partnership's advocacy services
    # It names nobody but the addressee.
    for name in ("Alex Example", "Sam Sample", "Chris Example"):
        assert name not in text
    (row,) = session.scalars(select(FamilyLetter)).all()
    assert (row.kind, row.addressee, [d["how"] for d in row.deliveries]) == (
        LetterKind.REVIEW,
        "Jo Example",
        ["printed"],
    )
    assert session.scalars(
        select(AuditEvent).where(AuditEvent.action == "family_letter.printed")
    ).one().detail == {"kind": "review"}


def test_the_letters_share_the_consent_letters_layout():
    for name in (
        "consent_letter",
        "family_review",
        "family_no_review",
        "family_chair_introduction",
    ):
        source = (pdf.TEMPLATES / "pdf" / f"{name}.html").read_text()
        assert '{% extends "pdf/_letter.html" %}' in source, name
    layout = (pdf.TEMPLATES / "pdf" / "_letter.html").read_text()
    assert '{% extends "pdf/_document.html" %}' in layout
    assert (
        '{% extends "pdf/_document.html" %}'
        in (pdf.TEMPLATES / "pdf" / "consent_form.html").read_text()
    )


def test_the_no_review_letter_waits_for_the_home_offices_reply(session, decided):
    referral = decided("no")
    with pytest.raises(letters.LetterRefused, match="Home Office's reply"):
        letters.download(session, referral, LetterKind.NO_REVIEW, SISTER, actor="user:1")
    with pytest.raises(letters.LetterRefused, match="does not call for"):
        letters.download(session, referral, LetterKind.REVIEW, SISTER, actor="user:1")
    session.rollback()
    progress = timescales.progress_of(session, referral.id)
    letters.record_home_office_reply(
        session, progress, replied_on=dt.date(2026, 11, 2), flo_agreed_on=dt.date(2026, 11, 3),
        actor="user:1",
    )  # fmt: skip
    session.commit()
    data = letters.download(session, referral, LetterKind.NO_REVIEW, SON, actor="user:1")
    text = words(data)
    assert "Dear Chris Example" in text
    assert "has decided not to hold one" in text
    assert "The Home Office has been told of the decision" in text
    assert len(PdfReader(io.BytesIO(data)).pages) <= 2


def test_a_letter_is_emailed_only_to_an_address_the_family_member_gave(session, decided):
    referral = decided("yes")
    with pytest.raises(letters.LetterRefused, match="has not given an email address"):
        letters.email(session, referral, LetterKind.REVIEW, SON, actor="user:1")
    session.rollback()
    letters.email(session, referral, LetterKind.REVIEW, SISTER, actor="user:1")
    session.commit()
    (message,) = session.scalars(select(Message)).all()
    assert message.recipient == "jo.example@exampleshire.gov.uk"
    assert message.subject.startswith("OFFICIAL-SENSITIVE: A letter about the Domestic Homicide")
    (attachment,) = message.attachments
    assert attachment.filename == "letter-review.pdf"
    assert "Dear Jo Example" in words(attachment.data)
    row = session.scalars(select(FamilyLetter)).one()
    assert [d["how"] for d in row.deliveries] == ["emailed"]
    with pytest.raises(letters.LetterRefused, match="Select who"):
        letters.email(session, referral, LetterKind.REVIEW, "household-9", actor="user:1")


def test_the_chairs_introduction_comes_after_the_first_panel_meeting(session, partnership, decided):
    referral = decided("yes")
    case = decisions.open_case(session, referral, actor="user:1")
    chair = make_user(session, partnership, Role.CHAIR, name="Chris Chair")
    session.add(CaseChair(case_id=case.id, user_id=chair.id))
    session.add(ConsentRequest(partnership_id=partnership.id, case_id=case.id, name="Pat Parent",
                               relationship_to_victim="Mother", delivery=ConsentDelivery.LETTER,
                               email=None))  # fmt: skip
    session.commit()
    assert [p.name for p in letters.family_of(session, referral)][-1] == "Pat Parent"
    with pytest.raises(letters.LetterRefused, match="after the first panel meeting"):
        letters.download(session, referral, LetterKind.CHAIR_INTRODUCTION, SISTER, actor="t")
    session.rollback()
    yesterday = clock.now() - dt.timedelta(days=1)
    session.add(
        PanelMeeting(
            partnership_id=partnership.id,
            case_id=case.id,
            starts_at=yesterday,
            location="Online",
            dispatch_on=clock.london_date(yesterday) - dt.timedelta(days=7),
        )
    )
    session.commit()
    key = letters.family_of(session, referral)[-1].key
    text = words(letters.download(session, referral, LetterKind.CHAIR_INTRODUCTION, key, actor="t"))
    assert "Dear Pat Parent" in text
    assert "I am Chris Chair, the independent chair" in text
    assert "death of your mother" in text


def test_the_letters_page_releases_the_no_review_letter_once_the_reply_is_recorded(
    signed_in, session, decided
):
    referral = decide(session, decided("no"), "no", at=clock.now() - dt.timedelta(days=3))
    url = f"/console/referrals/{referral.id}/letters"
    page = signed_in.get(url).get_data(as_text=True)
    assert "Record the Home Office" in page and "letters/no_review.pdf" not in page
    refused = signed_in.get(f"{url}/no_review.pdf?to={SISTER}")
    assert refused.status_code == 302
    today = clock.london_date(clock.now())
    replied = {
        "replied_on-day": str(today.day),
        "replied_on-month": str(today.month),
        "replied_on-year": str(today.year),
    }
    missing = post_form(signed_in, url, replied)
    assert "Confirm the family liaison officer agrees the timing" in missing.get_data(as_text=True)
    done = post_form(signed_in, url, {**replied, "flo_agreed": "y"})
    assert done.status_code == 302
    page = signed_in.get(url).get_data(as_text=True)
    assert "letters/no_review.pdf?to=household-0" in page
    download = signed_in.get(f"{url}/no_review.pdf?to={SISTER}")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "Dear Jo Example" in words(download.data)
    assert "Printed" in signed_in.get(url).get_data(as_text=True)
