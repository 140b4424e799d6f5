"""Public pages opened by a link that carries a token (an agency's trawl return or IMR, a
family member's consent): no account, just the link.

The link is checked, remembered in the browser's session and dropped from the address bar;
every page checks it again, so a link revoked meanwhile stops working at once. Whatever is
wrong with a link (altered, unknown, expired, revoked, another purpose), the visitor sees the
same page with the same status, which names no partnership and no case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from service import audit, db, tokens
from service.auth import web
from service.models import Partnership
from service.ratelimit import limiter

#: Posts per client address on the pages behind a link: generous for a person filling in a
#: form, not for a script.
PUBLIC_LIMIT = "120 per 10 minutes"
public_limit = limiter.limit(PUBLIC_LIMIT, methods=["POST"])


class LinkRefused(Exception):
    """The link (or the session that holds it) cannot open a request: why is never shown."""


class LinkedRequest:
    """The request row behind one kind of link, for one blueprint's pages."""

    def __init__(
        self,
        bp: Blueprint,
        *,
        check: Callable[[Any, str], Any],
        session_key: str,
        problem_template: str,
        start_endpoint: str,
        opened_action: str,
        object_type: str,
        actor: Callable[[Any], str],
        forget: tuple[str, ...] = (),
        stash_field: str = "token",
        token_in_query: bool = False,
    ) -> None:
        """``token_in_query``: the blueprint's root address opens the link from ``?token=``
        (the emailed links); otherwise the blueprint adds its own opening route."""
        self.check, self.session_key = check, session_key
        self.problem_template, self.start_endpoint = problem_template, start_endpoint
        self.opened_action, self.object_type, self.actor = opened_action, object_type, actor
        self.forget, self.stash_field = forget, stash_field
        self.g_name = f"linked_{session_key}"
        bp.register_error_handler(LinkRefused, self._refused)
        if token_in_query:
            bp.add_url_rule("", "open_link", self._open_from_query, methods=["GET"])

    def _open_from_query(self):
        """The link in the email: check it, remember it in the session, and drop it from the
        URL. Coming back without the token continues with the link this browser remembers."""
        token = request.args.get("token")
        if token is None:
            if self.remembered():
                return redirect(url_for(self.start_endpoint))
            raise LinkRefused
        for key in self.forget:
            session.pop(key, None)
        return self.open(token, permanent=True)

    def _refused(self, _exc: LinkRefused):
        for key in (self.session_key, *self.forget):
            session.pop(key, None)
        # Generic wording only: a refused link cannot say whose partnership it came from.
        g.partnership = None
        return render_template(self.problem_template), 404

    def open(self, token: str, *, permanent: bool):
        """Check ``token``, remember it for this browser (audited), and go to the first page."""
        try:
            row = self.check(db.Sessions(), token)
        except tokens.TokenRefused:
            raise LinkRefused from None
        session[self.session_key] = {self.stash_field: token, "request_id": row.id}
        session.permanent = permanent
        with db.transaction() as s:
            audit.record(
                s, self.opened_action, actor=self.actor(row),
                partnership_id=row.partnership_id, object_type=self.object_type,
                object_id=row.id, case_id=row.case_id, client_address=web.client_address(),
            )  # fmt: skip
        return redirect(url_for(self.start_endpoint))

    def remembered(self) -> bool:
        return isinstance(session.get(self.session_key), dict)

    def stashed(self) -> dict | None:
        stash = session.get(self.session_key)
        return stash if isinstance(stash, dict) else None

    def current(self) -> Any:
        """The row this browser's link opens; LinkRefused if it no longer does."""
        if self.g_name in g:
            return g.get(self.g_name)
        stash = self.stashed()
        if stash is None or not isinstance(stash.get(self.stash_field), str):
            raise LinkRefused
        try:
            row = self.check(db.Sessions(), stash[self.stash_field])
        except tokens.TokenRefused:
            raise LinkRefused from None
        if row.id != stash.get("request_id"):
            raise LinkRefused
        setattr(g, self.g_name, row)
        g.partnership = db.Sessions.get(Partnership, row.partnership_id)
        return row
