"""Migration 0017: a review's own ``closed_on`` becomes the case's closure (retention's one
record of closure, counted from that date), and going back gives the date back."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from service import migrate

NOW = "2026-01-01 00:00:00.000000"


def _insert(conn, table: str, **values) -> None:
    names = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    conn.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)  # noqa: S608


def test_closed_on_becomes_the_case_closure(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    migrate.upgrade(url, "0016")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        _insert(conn, "partnership", id=1, slug="x", name="X", nation="england",
                case_prefix="DHR", secure_domains="[]", inboxes="{}",
                insecure_recipient_action="notice", trawl_response_days=14,
                chaser_interval_working_days=3, papers_working_days=5, feedback_days=14,
                decision_days=30, dispatch_hour=9, closure_days="[]", imr_names="initials",
                report_months=6, commissioner_told_of_decisions=0, advocacy_services="[]",
                created_at=NOW, updated_at=NOW)  # fmt: skip
        for i in (1, 2):
            _insert(conn, "dhr_case", id=i, partnership_id=1, reference=f"X-{i}", status="open",
                    created_at=NOW, updated_at=NOW, panel_agency_ids="[]")  # fmt: skip
            _insert(conn, "referral", id=i, partnership_id=1, status="submitted", case_id=i,
                    answers="{}", acknowledgement_withheld=0, created_at=NOW,
                    updated_at=NOW)  # fmt: skip
        _insert(conn, "review_progress", id=1, partnership_id=1, referral_id=1, case_id=1,
                outcome="yes", decided_on="2025-01-01", notices_reminders_sent=0,
                published_on="2026-03-01", closed_on="2026-03-05", created_at=NOW,
                updated_at=NOW)  # fmt: skip
        _insert(conn, "review_progress", id=2, partnership_id=1, referral_id=2, case_id=2,
                outcome="yes", decided_on="2025-01-01", notices_reminders_sent=0,
                created_at=NOW, updated_at=NOW)  # fmt: skip
    migrate.upgrade(url, "0017")
    with engine.begin() as conn:
        closures = conn.execute(
            sa.text("SELECT case_id, outcome, ended_on, delete_at, notice_at FROM case_closure")
        ).all()
        statuses = dict(conn.execute(sa.text("SELECT id, status FROM dhr_case")).all())
        columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(review_progress)")]
    # Six years (the default schedule) from the date it closed, at 09:00 London (GMT in March).
    assert [tuple(r) for r in closures] == [
        (1, "published", "2026-03-05", "2032-03-05 09:00:00.000000",
         "2032-02-04 09:00:00.000000"),
    ]  # fmt: skip
    assert statuses == {1: "closed", 2: "open"}
    assert "closed_on" not in columns and "qa_notes" in columns
    command.downgrade(migrate.alembic_config(url), "0016")
    with engine.begin() as conn:
        back = conn.execute(sa.text("SELECT id, closed_on FROM review_progress ORDER BY id")).all()
    assert [tuple(r) for r in back] == [(1, "2026-03-05"), (2, None)]
    engine.dispose()
