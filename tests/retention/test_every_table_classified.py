"""Every table is accounted for by deletion: a new table of personal data that nothing deletes
would survive a case's deletion unnoticed, so adding a table means saying what happens to it."""

from __future__ import annotations

import service.models  # noqa: F401  (registers every table)
from service.db import Base
from service.retention import deletion

#: Deleted in ``deletion.delete_case`` through their trawl or request, which stay in the stub.
THROUGH_THE_STUB = {"trawl_person", "trawl_return", "imr_submission", "stored_file"}


def classified() -> dict[str, str]:
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    found: dict[str, str] = {}
    for name in deletion.KEPT_TABLES:
        found[name] = "kept"
    for name in deletion.NOT_CASE_DATA:
        found[name] = "not a case's"
    for model in deletion.STUB:
        found[model.__table__.name] = "stub"
    for table in deletion.case_tables():
        found[table.name] = "deleted with the case"
    for name in THROUGH_THE_STUB:
        found.setdefault(name, "deleted with the case")
    # What refers to a deleted row is deleted first (``deletion._delete_where``).
    changed = True
    while changed:
        changed = False
        for name, table in tables.items():
            if name in found:
                continue
            parents = {fk.column.table.name for fk in table.foreign_keys}
            if any(found.get(p) == "deleted with the case" for p in parents):
                found[name] = "deleted with the case"
                changed = True
    return found


def test_every_table_is_kept_stubbed_deleted_or_not_a_case_s():
    tables = {t.name for t in Base.metadata.sorted_tables}
    missing = sorted(tables - classified().keys())
    assert not missing, (
        f"tables deletion does not account for: {missing}; give each a case_id, or add it to "
        "deletion.STUB, KEPT_TABLES or NOT_CASE_DATA"
    )


def test_no_table_of_the_stub_or_kept_holds_a_reference_deletion_leaves_dangling():
    """A row that stays and points at a deleted row must be able to let go of it."""
    found = classified()
    for table in Base.metadata.sorted_tables:
        if found.get(table.name) not in {"stub", "kept", "not a case's"}:
            continue
        for fk in table.foreign_keys:
            if found.get(fk.column.table.name) == "deleted with the case":
                assert fk.parent.nullable, f"{table.name}.{fk.parent.name} cannot be cleared"


def test_a_purged_bounce_keeps_only_the_domain_and_old_notices_are_forgotten(session, partnership):
    from datetime import timedelta

    from sqlalchemy import select

    from service import clock, db
    from service.models import BounceNotice, MessageBounce
    from service.retention import outbox_purge
    from tests.mail import bounce_fixtures as fx
    from tests.mail.test_bounce_reports import ingest, sent_message

    family = "jo.bloggs@exampleshire.gov.uk"
    message = sent_message(session, partnership, to=family)
    assert ingest(fx.rfc3464_dsn(message.message_id_header, family)).result == "bounced"
    session.rollback()
    assert session.scalar(select(MessageBounce.recipient)) == family
    assert session.scalar(select(BounceNotice.address)) == family
    with db.transaction() as s:
        assert message.id in outbox_purge.purge_about(s, ["TEST-1"], clock.now())
        # The notice serves the once-a-day rule and is forgotten two days on, not before.
        assert outbox_purge.forget_bounce_notices(s, clock.now() + timedelta(days=1)) == 0
        assert outbox_purge.forget_bounce_notices(s, clock.now() + timedelta(days=3)) == 1
    session.rollback()
    assert session.scalar(select(MessageBounce.recipient)) == "exampleshire.gov.uk"
    assert session.scalar(select(BounceNotice.address)) is None
