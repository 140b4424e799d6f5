"""Public pages: the start page, the accessibility statement and the privacy notice.

Also serves GOV.UK Frontend's fonts and images at ``/assets/``, where its CSS expects them, and
gives every template a ``partnership`` (the one running this service, when there is exactly one).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, g, render_template, send_from_directory
from sqlalchemy import select

from service import db
from service.models import Partnership

bp = Blueprint("public", __name__)

# When the accessibility statement was prepared and the service last tested against it.
STATEMENT_PREPARED = "22 November 2026"


def page_partnership() -> Partnership | None:
    """The partnership a page speaks for: ``g.partnership`` if a view has chosen one, else the
    only partnership in the database. ``None`` (generic wording) when there are none or several.
    """
    if "partnership" not in g:
        rows = db.Sessions.scalars(select(Partnership).order_by(Partnership.id).limit(2)).all()
        g.partnership = rows[0] if len(rows) == 1 else None
    return g.partnership


@bp.app_context_processor
def _layout_context() -> dict[str, object]:
    return {"partnership": page_partnership()}


@bp.get("/")
def start():
    return render_template("public/start.html")


@bp.get("/accessibility")
def accessibility():
    return render_template("public/accessibility.html", prepared=STATEMENT_PREPARED)


@bp.get("/privacy")
def privacy():
    return render_template("public/privacy.html")


@bp.get("/assets/<path:filename>")
def govuk_assets(filename: str):
    """GOV.UK Frontend's CSS refers to its fonts and images at ``/assets/...``."""
    folder = Path(current_app.static_folder or "static") / "govuk" / "assets"
    return send_from_directory(folder, filename)
