"""Public pages: the start page, the accessibility statement and the privacy notice.

Also gives every template a ``partnership``: the one the address names (``/p/<slug>`` and the pages
below it), else the one running this service when there is exactly one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, abort, current_app, g, render_template
from sqlalchemy import Select, select

from service import db
from service.models import Partnership

bp = Blueprint("public", __name__)

# When the accessibility statement was prepared and the service last tested against it.
STATEMENT_PREPARED = date(2026, 11, 22)


def page_partnership() -> Partnership | None:
    """The partnership a page speaks for: ``g.partnership`` if a view has chosen one, else the
    only partnership in the database. ``None`` (generic wording) when there are none or several.
    """
    if "partnership" not in g:
        rows = db.Sessions.scalars(select(Partnership).order_by(Partnership.id).limit(2)).all()
        g.partnership = rows[0] if len(rows) == 1 else None
    return g.partnership


#: What a page reads with its partnership in the same query: a query of partnerships, widened.
Widen = Callable[[Select], Select]


def _partnerships(query: Select, widen: Widen | None) -> list[Partnership]:
    if widen is None:
        return list(db.Sessions.scalars(query))
    rows = db.Sessions.execute(widen(query)).all()
    # The session's identity map keeps only what something refers to: what was read with the
    # partnerships is kept for the request, where the page then finds it without a query.
    g.read_with_partnership = rows
    return list(dict.fromkeys(row[0] for row in rows))


def listed_partnerships(widen: Widen | None = None) -> list[Partnership]:
    """Every partnership, by name: what a visitor chooses from when the address names none."""
    return _partnerships(select(Partnership).order_by(Partnership.name), widen)


def choose_partnership(slug: str, widen: Widen | None = None) -> Partnership:
    """Serve this request for the partnership its address names; 404 if there is no such one."""
    query = select(Partnership).where(Partnership.slug == slug)
    found = next(iter(_partnerships(query, widen)), None)
    if found is None:
        abort(404)
    g.partnership = found
    g.partnership_slug = found.slug
    return found


def keep_partnership(endpoint: str, values: dict) -> None:
    """Links from a page under ``/p/<slug>`` stay under it, so a visitor stays with the
    partnership they chose."""
    slug = g.get("partnership_slug")
    if slug and current_app.url_map.is_endpoint_expecting(endpoint, "partnership"):
        values.setdefault("partnership", slug)


@bp.url_value_preprocessor
def _partnership_from_address(_endpoint: str | None, values: dict | None) -> None:
    slug = values.pop("partnership", None) if values else None
    if slug is not None:
        choose_partnership(slug)


bp.url_defaults(keep_partnership)


@bp.app_context_processor
def _layout_context() -> dict[str, object]:
    return {"partnership": page_partnership()}


@bp.get("/", defaults={"partnership": None})
@bp.get("/p/<partnership>")
def start():
    return render_template("public/start.html")


@bp.get("/accessibility", defaults={"partnership": None})
@bp.get("/p/<partnership>/accessibility")
def accessibility():
    return render_template("public/accessibility.html", prepared=STATEMENT_PREPARED)


@bp.get("/privacy", defaults={"partnership": None})
@bp.get("/p/<partnership>/privacy")
def privacy():
    return render_template("public/privacy.html")
