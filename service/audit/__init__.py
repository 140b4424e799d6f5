"""The audit trail. Callers pass identifiers, never names, addresses or content.

(here)   ``record``: writing an event; audit rows are append-only
labels   what the pages call each action, actor and kind of object
trail    reading it: the one filtered query, the rows the pages show, the CSV export
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from service.models import AuditEvent


class AuditTrailIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context, _instances) -> None:  # noqa: ANN001
    """Nothing in the service edits or deletes an audit row."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditTrailIsAppendOnly("audit events cannot be changed or deleted")


def record(
    session: Session,
    action: str,
    *,
    actor: str = "system",
    partnership_id: int | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    client_address: str | None = None,
    case_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to ``session``; it commits with the caller's work."""
    event = AuditEvent(
        action=action,
        actor=actor,
        partnership_id=partnership_id,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        client_address=client_address,
        case_id=case_id,
        detail=detail,
    )
    session.add(event)
    return event
