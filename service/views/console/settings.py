"""Console: the partnership's settings, read-only. They come from the partnership's YAML file
and are changed by loading the file again (``dhr partnership load``)."""

from __future__ import annotations

from flask import abort, render_template
from markupsafe import Markup

from service import clock, db
from service.auth import web
from service.models import InsecureRecipientAction, Partnership
from service.views.console import bp

INSECURE_ACTIONS = {
    InsecureRecipientAction.NOTICE: "A notice without the content is sent",
    InsecureRecipientAction.HOLD: "Held for the DHR officer to decide",
}
#: The inboxes in the order they are shown; any other purpose in the file follows them.
INBOXES = [("referrals", "Referrals"), ("dhr_officer", "DHR officer"), ("chair", "Chair")]
# Told of the decision on a referral.
INBOXES += [
    ("home_office", "Home Office"),
    ("coroner", "Coroner"),
    ("commissioner", "Domestic Abuse Commissioner"),
    ("subgroup_chair", "Chair of the DHR sub-group"),
    ("partnership_chair", "Chair of the partnership"),
]


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def hour(value: int) -> str:
    """GOV.UK style times: 9am, 1pm, midday, midnight."""
    if value == 0:
        return "midnight"
    if value == 12:
        return "midday"
    return f"{value}am" if value < 12 else f"{value - 12}pm"


def lines(values: list[str], empty: str = "None") -> Markup | str:
    """Each value on its own line, or ``empty``."""
    if not values:
        return empty
    items = Markup("").join(Markup("<li>{}</li>").format(v) for v in values)
    return Markup(
        '<ul class="govuk-list govuk-!-margin-bottom-0 app-agency-addresses">{}</ul>'
    ).format(items)


def row(key: str, value: str | Markup | None) -> dict[str, object]:
    value = "Not set" if value in (None, "") else value
    content = {"html": value} if isinstance(value, Markup) else {"text": value}
    return {"key": {"text": key}, "value": content}


def sections(p: Partnership) -> list[tuple[str, str | None, list[dict[str, object]]]]:
    """(heading, introduction, summary-list rows) for each part of the page."""
    inboxes = list(INBOXES)
    known = {purpose for purpose, _ in INBOXES}
    inboxes += [
        (purpose, purpose.replace("_", " ").capitalize())
        for purpose in sorted(p.inboxes)
        if purpose not in known
    ]
    return [
        (
            "Partnership",
            None,
            [
                row("Name", p.name),
                row("Slug", p.slug),
                row("Nation", p.nation.value.capitalize()),
                row("Contact email", p.contact_email),
                row("Contact phone", p.contact_phone),
            ],
        ),
        (
            "Secure email",
            "Sensitive content is only sent to addresses on these domains. “*.gov.uk” means any "
            "domain ending in .gov.uk; “nhs.net” means that domain only.",
            [
                row("Secure domains", lines(p.secure_domains)),
                row(
                    "Sensitive content for other addresses",
                    INSECURE_ACTIONS[InsecureRecipientAction(p.insecure_recipient_action)],
                ),
            ],
        ),
        ("Inboxes", None, [row(label, lines(p.inbox(purpose))) for purpose, label in inboxes]),
        (
            "Timescales",
            None,
            [
                row("Agencies answer a trawl within", plural(p.trawl_response_days, "day", "days")),
                row(
                    "Chasers are sent every",
                    plural(p.chaser_interval_working_days, "working day", "working days"),
                ),
                row(
                    "Papers are sent",
                    plural(p.papers_working_days, "working day", "working days")
                    + " before a meeting",
                ),
                row("Comments on a draft are due within", plural(p.feedback_days, "day", "days")),
                row(
                    "Whether to hold a review is decided within",
                    plural(p.decision_days, "day", "days"),
                ),
                row("Papers and chasers go out at", hour(p.dispatch_hour)),
                row(
                    "The overview report is due",
                    plural(p.report_months, "month", "months") + " after the decision",
                ),
                row(
                    "The Domestic Abuse Commissioner is told of decisions",
                    "Yes"
                    if p.commissioner_told_of_decisions
                    else "No, only sent published reports",
                ),
            ],
        ),
        (
            "Closure days",
            None,
            [
                row(
                    "Office closed, beyond bank holidays",
                    lines([clock.long_date(d) for d in sorted(p.closure_days)]),
                )
            ],
        ),
    ]


@bp.get("/settings")
@web.requires("settings.view")
def settings():
    sc = web.current_scope()
    p = sc.get(db.Sessions(), Partnership, sc.user.partnership_id)
    if p is None:
        abort(404)
    return render_template("console/settings.html", sections=sections(p))
