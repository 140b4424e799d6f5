"""The summary PDF is made once per version of the case and kept: asked for again it is the kept
file, a new return makes it again; a large one is made by a worker while the page says it is
being prepared; the emails attach the kept file; and no PDF is ever drawn inside a database
transaction."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from service import clock, db, pdf_flow
from service.models import DocumentCache, Message
from service.summaries import cache, to_officer
from tests.jobs import run_worker_burst
from tests.summaries import factories as f
from tests.summaries.test_delivery import DUE_MOMENT, sweep_here


@pytest.fixture
def drawn(monkeypatch):
    """Each PDF drawn: whether a transaction was open, and whether the session was in one."""
    found: list[dict] = []
    real = pdf_flow.write_pdf

    def watching(*args, **kwargs):
        session = db.Sessions()
        found.append(
            {"depth": session.info.get(db._DEPTH, 0), "in_transaction": session.in_transaction()}
        )
        return real(*args, **kwargs)

    monkeypatch.setattr(pdf_flow, "write_pdf", watching)
    return found


def kept(session, case_id) -> DocumentCache:
    session.rollback()
    session.expire_all()
    return session.scalar(select(DocumentCache).where(DocumentCache.case_id == case_id))


def test_the_pdf_is_kept_and_made_again_only_after_a_new_return(session, partnership, drawn):
    st = f.story(session, partnership)
    with clock.frozen_at(f.DURING):
        first = cache.prepare(st.case.id)
        row = kept(session, st.case.id)
        assert first.startswith(b"%PDF") and row.sha256 and row.size == len(first)
        assert row.built_fingerprint == row.fingerprint
        sha, built_at = row.sha256, row.built_at
        again = cache.prepare(st.case.id)
    assert again == first and len(drawn) == 1  # the kept file, not drawn again
    assert kept(session, st.case.id).built_at == built_at

    # The council's housing service returns: a new version of the case, a new PDF.
    housing = st.requests["housing"]
    f.submit(session, housing, f.answers(st.trawl), at=f.DURING)
    session.commit()
    with clock.frozen_at(f.DURING):
        newer = cache.prepare(st.case.id)
    assert len(drawn) == 2 and newer != first
    assert kept(session, st.case.id).sha256 != sha
    assert session.scalar(select(func.count()).select_from(DocumentCache)) == 1


def test_a_large_pdf_is_made_by_a_worker_while_the_page_says_it_is_being_prepared(
    signed_in, session, partnership, monkeypatch, drawn
):
    monkeypatch.setattr(cache, "INLINE_ROWS", 0)  # every summary counts as large
    st = f.story(session, partnership)
    url = f"/console/cases/{st.case.id}/summary.pdf"
    page = signed_in.get(url)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Your PDF is being prepared" in html
    # A refresh without JavaScript, and the first one in the page.
    refreshes = re.findall(r'<meta http-equiv="refresh" content="([^"]+)"', html)
    assert refreshes[0] == "5"
    assert drawn == []  # nothing drawn in the request
    session.rollback()
    assert cache.preparing(session, st.case.id)
    # Asked again before the worker has run: still being prepared.
    assert "Your PDF is being prepared" in signed_in.get(url).get_data(as_text=True)
    run_worker_burst()
    assert len(drawn) == 1
    ready = signed_in.get(url)
    assert ready.status_code == 200 and ready.mimetype == "application/pdf"
    assert ready.data.startswith(b"%PDF")
    session.rollback()
    assert not cache.preparing(session, st.case.id)


def test_the_summary_email_attaches_the_kept_pdf(session, partnership, drawn):
    st = f.story(session, partnership)
    with clock.frozen_at(DUE_MOMENT):
        assert sweep_here(DUE_MOMENT)["due date"] == 1
    row = kept(session, st.case.id)
    (message,) = session.scalars(
        select(Message).where(Message.purpose == to_officer.AT_DUE_DATE.name)
    )
    assert [a.sha256 for a in message.attachments] == [row.sha256]
    # Asked for on the console afterwards, it is the same file.
    with clock.frozen_at(DUE_MOMENT):
        assert cache.attachments.digest(cache.prepare(st.case.id)) == row.sha256
    assert len(drawn) == 1


def test_no_pdf_is_drawn_inside_a_transaction(session, partnership, drawn, monkeypatch):
    st = f.story(session, partnership)
    with clock.frozen_at(f.DURING):
        with pytest.raises(cache.InTransaction), db.transaction():
            cache.prepare(st.case.id)
        cache.prepare(st.case.id)
        monkeypatch.setattr(cache, "INLINE_ROWS", 0)
        f.submit(session, st.requests["housing"], f.answers(st.trawl), at=f.DURING)
        session.commit()
        assert cache.prepare(st.case.id) is None
        run_worker_burst()
    with clock.frozen_at(DUE_MOMENT):
        sweep_here(DUE_MOMENT)
        run_worker_burst()
        sweep_here(DUE_MOMENT)
    assert len(drawn) >= 3
    assert all(d == {"depth": 0, "in_transaction": False} for d in drawn), drawn
