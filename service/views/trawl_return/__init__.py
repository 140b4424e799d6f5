"""The agency's trawl-return form, opened from the link in the request email.

The link's token is checked, kept on the server for this browser's visit (``linked``) and taken out
of the address bar; every page checks it again, so a revoked or expired link stops working at once.
Any refused link gets one and the same page, whatever the reason, and it shows nothing of the case.

Pages: an overview with the case, the period and the people and a task list; one page per
person; the records systems searched; an optional chronology (add, change, remove, or a CSV
upload); who completed the return; check your answers; a confirmation. Answers are saved as a
draft on the request as each page is saved, so the agency can come back through the same link.
After sending, the same link opens an amendment, which becomes the next version. Every page
works without JavaScript.

Where the partnership offers Welsh and English, the pages speak the agency's language (the one
its emails are in) unless the visitor chooses the other with the language switcher; the answers
are kept in the draft whichever language they were given in. What is sent (the stored changes,
the PDF) is written in English, for the DHR officer.

One blueprint, its pages by what they serve (what they read and change is
``service.trawls.return_form``'s):

    overview     the overview, "save and come back later", asking for more time
    pages        the question pages: each person, the records systems, who completed it
    chronology   the chronology's entries: list, add, change, remove, the CSV template and upload
    check        check your answers and send, the confirmation and its PDF, amending
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm

from forms import trawl_return as catalogue
from service import db, i18n
from service.models import TrawlRequest, TrawlReturn
from service.trawls import links, return_form, returns
from service.views import journey, linked

bp = Blueprint("trawl_return", __name__, url_prefix=links.PATH)

SESSION_KEY = "trawl_return"
SENT_KEY = "trawl_return_sent"
limit = linked.public_limit


link = linked.LinkedRequest(
    bp,
    check=links.check,
    session_key=SESSION_KEY,
    forget=(SENT_KEY,),
    token_in_query=True,
    problem_template="trawl_return/link_problem.html",
    start_endpoint="trawl_return.start",
    opened_action="trawl.link_opened",
    object_type="trawl_request",
    actor=lambda req: f"agency:{req.agency_id}",
)
LinkRefused = linked.LinkRefused


def current() -> TrawlRequest:
    """The request this browser's link opens; LinkRefused if it no longer does. Its pages are
    in the agency's language unless the visitor chose another."""
    req = link.current()
    linked.in_agency_language(req.agency_id)
    return req


def editing(view: Callable) -> Callable:
    """A page that changes the answers, given the request: before the first return or during an
    amendment; otherwise the overview."""

    @functools.wraps(view)
    def page(*args: Any, **kw: Any) -> Any:
        req = current()
        if not return_form.editing(req):
            return redirect(url_for("trawl_return.start"))
        return view(req, *args, **kw)

    return page


def save(req: TrawlRequest, answers: dict[str, Any]) -> None:
    with db.transaction() as s:
        returns.save_draft(s, req, answers)


def secure_check() -> Callable[[str], bool]:
    """Whether an address is one of this partnership's secure recipients."""
    return returns.secure_check(g.partnership)


def sent(row: TrawlReturn) -> None:
    """``row`` was sent from this browser: its confirmation may be shown here."""
    session[SENT_KEY] = row.id
    link.sent()


def just_sent(req: TrawlRequest) -> TrawlReturn | None:
    """The version this browser has just sent, if any."""
    return return_form.sent_version(db.Sessions(), req, session.get(SENT_KEY))


def href(page: str, args: dict[str, Any] | None = None, *, back: bool = False) -> str:
    """The address of one of the form's pages; ``back``: it returns to check your answers."""
    return url_for(f"trawl_return.{page}", **(args or {}), **({"return": "check"} if back else {}))


def context(req: TrawlRequest, **kw: Any) -> dict[str, Any]:
    return {
        **return_form.shown(db.Sessions(), req),
        "long_date": i18n.long_date,
        "person_label": catalogue.person_label,
        **kw,
    }


def after_save() -> Any:
    """Where a saved page goes: "save and come back later", check your answers, or the
    overview."""
    if request.form.get("action") == "later":
        return redirect(url_for("trawl_return.saved"))
    if journey.returning():
        return redirect(url_for("trawl_return.check"))
    return redirect(url_for("trawl_return.start"))


def render_page(
    template: str, req: TrawlRequest, form: FlaskForm, timed_out: bool, *,
    more_errors: bool = False, **kw: Any,
):  # fmt: skip
    return render_template(
        f"trawl_return/{template}",
        **context(req, form=form, timed_out=timed_out, returning=journey.returning(),
                  has_errors=bool(form.errors) or timed_out or more_errors, **kw),
    )  # fmt: skip


from service.views.trawl_return import (  # noqa: E402, F401  (each module adds its pages to bp)
    check,
    chronology,
    overview,
    pages,
)
