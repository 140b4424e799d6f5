"""Public pages: the start page, the accessibility statement and the privacy notice.

Also gives every template a ``partnership``: the one the address names (``/p/<slug>`` and the pages
below it), else the one running this service when there is exactly one.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, g, render_template
from sqlalchemy import select

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


def listed_partnerships() -> list[Partnership]:
    """Every partnership, by name: what a visitor chooses from when the address names none."""
    return list(db.Sessions.scalars(select(Partnership).order_by(Partnership.name)))


def choose_partnership(slug: str) -> Partnership:
    """Serve this request for the partnership its address names; 404 if there is no such one."""
    found = db.Sessions.scalar(select(Partnership).where(Partnership.slug == slug))
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
