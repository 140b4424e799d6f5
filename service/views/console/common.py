"""What every console view of a case's rows does: find a row through the Scope (404 when the
user may not see it) and write the audit event for what they did."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort
from sqlalchemy.orm import Session

from service import audit
from service.auth import identity, scope, web

T = TypeVar("T")


def found(s: Session, sc: scope.Scope, model: type[T], ident: Any) -> T:
    """The row if this user may read it; otherwise the request ends with 404."""
    row = sc.get(s, model, ident)
    if row is None:
        abort(404)
    return row


def actor(sc: scope.Scope) -> str:
    """How the signed-in user is named in the audit trail and on what they do."""
    return identity.actor_of(sc.user)


def record(s: Session, sc: scope.Scope, action: str, *, object_type: str, object_id: Any,
           case_id: int | None, **detail: Any) -> None:  # fmt: skip
    """The audit event for the signed-in user's action, from their client address."""
    audit.record(
        s,
        action,
        actor=identity.actor_of(sc.user),
        partnership_id=sc.user.partnership_id,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        client_address=web.client_address(),
        **detail,
    )
