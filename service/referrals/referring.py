"""The referral as the referrer fills it in, page by page: what the form's pages read from the
draft and change in it.

    section_status   a section's status on the task list, from the answers it holds
    to_complete      where check your answers sends the referrer to complete each section
    save_page        one page's answers into the draft, begun by the first page saved
    items, ...       an "add another" list: its items, one added, changed or removed
    submitted        the referral a browser has just sent, at its own partnership's address
    copy_downloaded  the referrer's PDF copy taken, audited

Sections and pages are named by their slugs; the views build the addresses. No Flask here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from forms import task_list
from forms.referral import MAX_ITEMS, SECTIONS, Group, Page, Section, shown
from service import audit
from service.models import Partnership, Referral, ReferralStatus
from service.referrals import drafts

# --- where each answer belongs ---------------------------------------------------------------


def _section_fields(section: Section) -> set[str]:
    if section.group:
        return {section.group.name, section.group.any_name}
    names: set[str] = set()
    for page in section.pages:
        for q in page.questions:
            names.add(q.name)
            if q.details:
                names.add(q.details)
    return names


#: The answers each section holds, by its slug.
SECTION_FIELDS = {s.slug: _section_fields(s) for s in SECTIONS}


def section_status(section: Section, answers: dict[str, Any], problems: dict[str, Any]) -> str:
    """Not yet started with nothing answered; in progress while anything in it is a problem, or
    an "add another" list was said to have items and has none; else completed."""
    fields = SECTION_FIELDS[section.slug]
    answered = any(answers.get(name) not in (None, "", []) for name in fields)
    group = section.group
    empty = bool(group) and answers.get(group.any_name) == "yes" and not answers.get(group.name)
    return task_list.status(bool(fields & set(problems)) or empty, answered)


def page_after(section: Section, page: Page) -> Page | None:
    """The section's page after ``page``; None after its last."""
    index = section.pages.index(page)
    return section.pages[index + 1] if index + 1 < len(section.pages) else None


def to_complete(problems: dict[str, Any]) -> list[tuple[Section, str | None]]:
    """Each section with something missing or wrong, with the slug of its first page that has
    a problem (None for an "add another" list, which its own yes/no question opens)."""
    return [
        (section, None if section.group else _first_problem_page(section, problems))
        for section in SECTIONS
        if SECTION_FIELDS[section.slug] & set(problems)
    ]


def _first_problem_page(section: Section, problems: dict[str, Any]) -> str:
    for page in section.pages:
        if any(q.name in problems or (q.details and q.details in problems) for q in page.questions):
            return page.slug
    return section.pages[0].slug


# --- saving a page ---------------------------------------------------------------------------


def save_page(
    session: Session, draft: Referral | None, partnership: Partnership, answers: dict[str, Any]
) -> Referral:
    """Merge one page's answers into the draft, which the first page saved begins; the draft."""
    if draft is None:
        draft = drafts.new_draft(session, partnership)
    drafts.save(session, session.merge(draft), answers)
    return draft


# --- "add another" lists ---------------------------------------------------------------------


def items(group: Group, answers: dict[str, Any]) -> list[dict[str, Any]]:
    return list(answers.get(group.name) or [])


def answered_any(group: Group, answer: str) -> dict[str, Any]:
    """The answers to save for the yes/no question before the list: "no" empties the list."""
    if answer == "no":
        return {group.any_name: "no", group.name: []}
    return {group.any_name: "yes"}


def may_have_item(group: Group, answers: dict[str, Any], index: int) -> bool:
    """``index`` is an item to change, or the next one to add while there is room."""
    return index <= len(items(group, answers)) and index < MAX_ITEMS


def with_item(
    group: Group, answers: dict[str, Any], index: int, item: dict[str, Any]
) -> dict[str, Any]:
    """The answers to save with item ``index`` changed, or added after the others."""
    found = items(group, answers)
    if index < len(found):
        found[index] = item
    else:
        found.append(item)
    return {group.name: found, group.any_name: "yes"}


def without_item(group: Group, answers: dict[str, Any], index: int) -> dict[str, Any] | None:
    """The answers to save without item ``index`` (the yes/no question unanswered again once
    the list is empty); None if there is no such item."""
    found = items(group, answers)
    if index >= len(found):
        return None
    found.pop(index)
    return {group.name: found, group.any_name: "yes" if found else None}


def item_rows(group: Group, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The list's items as its page shows them (in its language): a heading, then each answer."""
    return [
        {
            "label": item.get("name") or item.get("agency") or group.item_heading(i + 1),
            "rows": [(str(q.label), shown(q, item.get(q.name))) for q in group.questions],
            "index": i,
        }
        for i, item in enumerate(items(group, answers))
    ]


# --- what was sent ---------------------------------------------------------------------------


def submitted(session: Session, referral_id: Any, partnership: Partnership) -> Referral | None:
    """The referral ``referral_id`` names, if it has been sent, and sent to ``partnership`` (one
    sent to another shows its confirmation at that partnership's address only)."""
    referral = session.get(Referral, referral_id) if referral_id else None
    if referral is None or referral.status is ReferralStatus.DRAFT:
        return None
    return referral if referral.partnership_id == partnership.id else None


def partnership_of(session: Session, draft: Referral) -> Partnership:
    return session.get(Partnership, draft.partnership_id)


def copy_downloaded(
    session: Session, referral: Referral, *, client_address: str | None = None
) -> None:
    """The referrer took their own PDF copy of what they sent."""
    audit.record(
        session, "referral.downloaded", actor="public", partnership_id=referral.partnership_id,
        object_type="referral", object_id=referral.id, client_address=client_address,
    )  # fmt: skip
