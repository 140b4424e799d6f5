"""Public pages opened by a link that carries a token (an agency's trawl return or IMR, a
family member's consent, a panel member's comments): no account, just the link.

Opening the link checks it, starts a visit kept in the database (``service.link_sessions``)
and sends the browser on to the first page without the token in the address. The browser's
cookie holds only the visit's random key, never the token or which token it is; every page
finds the visit and checks its token again, so a link revoked meanwhile stops working at once.
Whatever is wrong with a link or a visit (altered, unknown, expired, revoked, another purpose,
a visit that has ended), the visitor sees the same page with the same status, which names no
partnership and no case.

What is left behind once a visit ends (idle for two hours, twelve hours after it began, half
an hour after the form was sent, or another link of the same kind opened in this browser): a
copied cookie opens nothing. The browser's history still holds the link's own address, which is
the link in the recipient's email or letter: it opens the form again for as long as that link
works (until it expires or the officer revokes or replaces it), exactly as the email does, and
nothing more. The response to opening a link is never cached and sends no Referer on.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    g,
    redirect,
    request,
    send_file,
    session,
    url_for,
)

from mail import routing
from service import audit, db, i18n, link_sessions, tokens
from service.auth import web
from service.models import AccessToken, Agency, LinkSession, Partnership
from service.ratelimit import limiter

#: The title of every page for a link that does not open what it was for (``_()`` at render).
REFUSED_TITLE = "This link has expired or is not valid"

#: Posts per client address on the pages behind a link: generous for a person filling in a
#: form, not for a script.
PUBLIC_LIMIT = "120 per 10 minutes"
public_limit = limiter.limit(PUBLIC_LIMIT, methods=["POST"])


class LinkRefused(Exception):
    """The link (or the visit that holds it) cannot open a request: why is never shown."""


def no_referrer(response: Response) -> Response:
    """For a response to an address with a token in it: the browser sends that address nowhere
    (not even to this site's own logs). Pages behind the link keep the site's ``same-origin``,
    which the CSRF check of HTTPS form posts needs."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


class LinkedRequest:
    """The request row behind one kind of link, for one blueprint's pages."""

    def __init__(
        self,
        bp: Blueprint,
        *,
        check: Callable[[Any, str], Any],
        session_key: str,
        problem_template: str,
        problem_layout: str = "base.html",
        start_endpoint: str,
        opened_action: str,
        object_type: str,
        actor: Callable[[Any], str],
        forget: tuple[str, ...] = (),
        token_in_query: bool = False,
        token_id: Callable[[str], str | None] = tokens.nonce_of,
        link_for: Callable[[AccessToken], str] = tokens.token_for,
    ) -> None:
        """``token_in_query``: the blueprint's root address opens the link from ``?token=``
        (the emailed links); otherwise the blueprint adds its own opening route.
        ``token_id`` names the stored token of a link that ``check`` accepted, and ``link_for``
        writes a stored token as its link again (signed tokens by default).
        ``problem_template``: the content of the page for a link that does not work, shown in
        ``problem_layout``."""
        self.check, self.session_key = check, session_key
        self.problem_template, self.start_endpoint = problem_template, start_endpoint
        self.problem_layout = problem_layout
        self.opened_action, self.object_type, self.actor = opened_action, object_type, actor
        self.forget = forget
        self.token_id, self.link_for = token_id, link_for
        self.g_name = f"linked_{session_key}"
        bp.register_error_handler(LinkRefused, self._refused)
        if token_in_query:
            bp.add_url_rule("", "open_link", self._open_from_query, methods=["GET"])

    def _open_from_query(self):
        """The link in the email: check it, start a visit, and drop it from the URL. Coming
        back without the token continues the visit this browser has."""
        token = request.args.get("token")
        if token is None:
            if self.remembered():
                return redirect(url_for(self.start_endpoint))
            raise LinkRefused
        for key in self.forget:
            session.pop(key, None)
        return self.open(token, permanent=True)

    def _refused(self, _exc: LinkRefused):
        key = session.pop(self.session_key, None)
        for name in self.forget:
            session.pop(name, None)
        if key is not None:
            with db.transaction() as s:
                link_sessions.end(s, key)
        # Generic wording only: a refused link cannot say whose partnership it came from, so
        # the page is in Welsh and English where any partnership offers Welsh.
        g.partnership = None
        page = i18n.for_anyone(self.problem_template, REFUSED_TITLE, layout=self.problem_layout)
        return no_referrer(Response(page, 404))

    def open(self, token: str, *, permanent: bool):
        """Check ``token``, start this browser's visit through it (audited), and go to the
        first page. A visit this browser had through another link of this kind ends."""
        s = db.Sessions()
        try:
            row = self.check(s, token)
        except tokens.TokenRefused:
            raise LinkRefused from None
        token_row = s.get(AccessToken, self.token_id(token) or "")
        if token_row is None:
            raise LinkRefused
        with db.transaction() as t:
            link_sessions.end(t, session.get(self.session_key))
            session[self.session_key] = link_sessions.start(t, token_row, subject_id=row.id)
            audit.record(
                t, self.opened_action, actor=self.actor(row),
                partnership_id=row.partnership_id, object_type=self.object_type,
                object_id=row.id, case_id=row.case_id, client_address=web.client_address(),
            )  # fmt: skip
        session.permanent = permanent
        g.pop(self.g_name, None)
        return no_referrer(redirect(url_for(self.start_endpoint)))

    def _visit(self) -> LinkSession | None:
        return link_sessions.find(db.Sessions(), session.get(self.session_key))

    def remembered(self) -> bool:
        """This browser has a visit going through a link of this kind."""
        return self._visit() is not None

    def stashed(self) -> dict | None:
        """What this browser's visit opened (``request_id``), or None without one."""
        visit = self._visit()
        return {"request_id": visit.subject_id} if visit is not None else None

    def current(self) -> Any:
        """The row this browser's link opens; LinkRefused if it no longer does."""
        if self.g_name in g:
            return g.get(self.g_name)
        s = db.Sessions()
        visit = self._visit()
        token_row = link_sessions.token_of(s, visit) if visit is not None else None
        if token_row is None:
            raise LinkRefused
        try:
            row = self.check(s, self.link_for(token_row))
        except tokens.TokenRefused:
            raise LinkRefused from None
        if row.id != visit.subject_id:
            raise LinkRefused
        if link_sessions.due_a_touch(visit):
            with db.transaction() as t:
                link_sessions.touch(t, visit)
        setattr(g, self.g_name, row)
        g.partnership = db.Sessions.get(Partnership, row.partnership_id)
        return row

    def sent(self) -> None:
        """The form was sent: this visit ends soon, leaving time for the confirmation."""
        visit = self._visit()
        if visit is not None:
            with db.transaction() as t:
                link_sessions.sent(t, visit)

    def carry_on(self) -> None:
        """The visitor starts changing what they sent: the visit is a working one again."""
        visit = self._visit()
        if visit is not None:
            with db.transaction() as t:
                link_sessions.carry_on(t, visit)


def audited_download(
    row: Any,
    data: bytes,
    *,
    action: str,
    object_type: str,
    filename: str,
    mimetype: str = "application/pdf",
    **detail: Any,
) -> Response:
    """Send a file to the visitor behind a link, its download audited against the request."""
    with db.transaction() as t:
        audit.record(
            t, action, actor=f"agency:{row.agency_id}", partnership_id=row.partnership_id,
            object_type=object_type, object_id=row.id, case_id=row.case_id,
            client_address=web.client_address(), **detail,
        )  # fmt: skip
    return send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0
    )


def in_agency_language(agency_id: int | None) -> None:
    """The link's page opens in its agency's language (the partnership's first for none),
    unless the visitor chose another. The view calls it once the link is opened."""
    agency = db.Sessions().get(Agency, agency_id) if agency_id else None
    i18n.prefer(routing.agency_language(g.partnership, agency))
