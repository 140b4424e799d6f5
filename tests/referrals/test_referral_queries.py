"""What a page of the referral form asks of the database: a page saved again reads its
partnership and this browser's draft in one query, and writes the draft once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from sqlalchemy import event, select

from forms.referral import SECTION_BY_SLUG
from service import db
from service.models import Referral
from tests.console import csrf_from
from tests.referrals.factories import complete_answers
from tests.referrals.filling import form_fields


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # noqa: ANN001
        seen.append(" ".join(statement.split()).upper())

    engine = db.engine()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("base", ["/refer", "/p/exampleshire/refer"])
def test_a_page_saved_again_reads_partnership_and_draft_together(
    page_client, session, partnership, base
):
    questions = SECTION_BY_SLUG["referrer"].pages[0].questions
    url = f"{base}/page/referrer"
    fields = {**form_fields(questions, complete_answers()),
              "csrf_token": csrf_from(page_client.get(url).get_data(as_text=True))}  # fmt: skip
    assert page_client.post(url, data=fields).status_code == 302  # the draft begins

    fields["referrer_name"] = "Sam Other"
    with statements() as seen:
        assert page_client.post(url, data=fields).status_code == 302
    reads = [s for s in seen if s.startswith("SELECT")]
    writes = [s for s in seen if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert len(reads) == 1, reads
    assert "FROM PARTNERSHIP LEFT OUTER JOIN REFERRAL" in reads[0], reads[0]
    assert len(writes) == 1 and writes[0].startswith("UPDATE REFERRAL"), writes

    session.rollback()
    (draft,) = session.scalars(select(Referral)).all()
    assert draft.answers["referrer_name"] == "Sam Other"
