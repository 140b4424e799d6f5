"""The public referral form: a GOV.UK task list of sections, each a few question pages or an
"add another" list, then check your answers, submit and a confirmation.

Each partnership has its own form at ``/p/<slug>/refer``. ``/refer`` is the form of the only
partnership when there is one, and lists them when there are several.

No account is needed. The browser's session remembers which draft is its own (one per
partnership); "save and come back later" emails a link to a secure address so the referral can be
finished elsewhere. Every page works without JavaScript.

One blueprint: here, the partnership a page serves and this browser's draft; its pages by what
they serve (what they read and change is ``service.referrals.referring``'s):

    pages     the task list and the question pages
    groups    the "add another" lists: the yes/no question, the list, an item added or removed
    check     check your answers and submit, the confirmation and its PDF
    later     "save and come back later", and the emailed link back to a draft
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, and_

from forms.referral import Page, Section
from service import db
from service.models import Partnership, Referral
from service.ratelimit import limiter
from service.referrals import drafts, referring
from service.views import journey, public

bp = Blueprint("referral", __name__)

DRAFT_KEY = "referral_draft"
SUBMITTED_KEY = "referral_submitted"
#: Posts per client address: generous for a person filling in the form, not for a script.
PUBLIC_LIMIT = "120 per 10 minutes"
limit = limiter.limit(PUBLIC_LIMIT, methods=["POST"])


# --- the partnership ---------------------------------------------------------------------------


def route(rule: str, **options: Any) -> Callable:
    """A page of the form at ``/refer<rule>`` (the only partnership's, or the one the browser's
    draft belongs to) and at ``/p/<slug>/refer<rule>`` (that partnership's)."""

    def register(view: Callable) -> Callable:
        bp.add_url_rule(f"/refer{rule}", view_func=view, defaults={"partnership": None}, **options)
        bp.add_url_rule(f"/p/<partnership>/refer{rule}", view_func=view, **options)
        return view

    return register


@bp.url_value_preprocessor
def _partnership_from_address(_endpoint: str | None, values: dict | None) -> None:
    slug = values.pop("partnership", None) if values else None
    if slug is not None:
        public.choose_partnership(slug, _with_drafts)


bp.url_defaults(public.keep_partnership)


@bp.before_request
def _partnership_for_plain_address() -> ResponseReturnValue | None:
    """``/refer`` with no partnership named: the only one, else the list to choose from."""
    if g.get("partnership_slug"):
        return None
    listed = public.listed_partnerships(_with_drafts)
    if len(listed) == 1:
        g.partnership = listed[0]
        return None
    if not listed:
        abort(404)
    g.partnership = None
    if request.endpoint == "referral.resume":
        return None  # the link's draft says whose it is
    if request.endpoint == "referral.start":
        return render_template("referral/choose.html", partnerships=listed)
    # A page of a referral begun here before a second partnership was added: carry on with it.
    started = [p for p in listed if str(p.id) in _draft_ids()]
    if len(started) == 1:
        public.choose_partnership(started[0].slug)
        return None
    return redirect(url_for("referral.start"))


def _with_drafts(query: Select) -> Select:
    """A query of partnerships that reads this browser's drafts with them: the page then finds
    its draft (``draft()``) without asking the database again."""
    ids = [v for v in _draft_ids().values() if isinstance(v, int)]
    if not ids:
        return query
    on = and_(Referral.partnership_id == Partnership.id, Referral.id.in_(ids))
    return query.add_columns(Referral).outerjoin(Referral, on)


def partnership() -> Partnership:
    """The partnership this page serves, chosen before the view ran."""
    return g.partnership


# --- this browser's draft --------------------------------------------------------------------


def _draft_ids() -> dict[str, int]:
    """This browser's drafts, by partnership id."""
    value = session.get(DRAFT_KEY)
    if isinstance(value, dict):
        return value
    # A session from before drafts were kept per partnership holds one draft's id.
    draft = drafts.live_draft(db.Sessions(), value)
    return {str(draft.partnership_id): draft.id} if draft else {}


def remember_draft(draft: Referral) -> None:
    session[DRAFT_KEY] = {**_draft_ids(), str(draft.partnership_id): draft.id}
    session.permanent = True


def forget_draft(draft: Referral) -> None:
    session[DRAFT_KEY] = {k: v for k, v in _draft_ids().items() if k != str(draft.partnership_id)}


def draft() -> Referral | None:
    """The browser's draft for this partnership: a draft begun for another is not seen here."""
    if "referral_draft_row" not in g:
        g.referral_draft_row = drafts.live_draft(
            db.Sessions(), _draft_ids().get(str(partnership().id)), partnership=partnership()
        )
    return g.referral_draft_row


def answers() -> dict[str, Any]:
    found = draft()
    return dict(found.answers or {}) if found else {}


def save(changes: dict[str, Any]) -> None:
    """One page's answers into this browser's draft, begun by the first page saved."""
    with db.transaction() as s:
        before = draft()
        saved = referring.save_page(s, before, partnership(), changes)
        if before is None:
            remember_draft(saved)
    g.pop("referral_draft_row", None)


def after(section: Section, page: Page | None = None) -> str:
    """Where to go once a page is saved: the section's next page, else the task list."""
    if journey.returning():
        return url_for("referral.check")
    following = referring.page_after(section, page) if page is not None else None
    if following is not None:
        return url_for("referral.page", slug=following.slug)
    return url_for("referral.start")


from service.views.referral import check, groups, later, pages  # noqa: E402, F401  (their pages)
